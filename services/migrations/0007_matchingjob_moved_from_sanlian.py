"""MatchingJob moves from the plumbing app to services.matching, beside MatchingRun.

State only: the table keeps its name, sanlian_matchingjob (Meta.db_table).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sanlian', '0005_mask_birth_dates_in_history'),
        ('communities', '0003_resident_given_name_search_index'),
        ('services', '0006_reminder_visit_index_covered_by_unique'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The table stays where it is: only Django's record of which app owns it moves.
            state_operations=[
            migrations.CreateModel(
                name='MatchingJob',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('status', models.CharField(choices=[('queued', '排队中'), ('running', '进行中'), ('done', '已完成'), ('failed', '失败')], default='queued', max_length=10, verbose_name='状态')),
                    ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='进度（%）')),
                    ('error', models.TextField(blank=True, verbose_name='错误')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                    ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                    ('week_start', models.DateField(verbose_name='服务周')),
                    ('community', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='communities.community', verbose_name='社区')),
                    ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发起人')),
                    ('run', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='services.matchingrun', verbose_name='匹配批次')),
                    ('street', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='communities.street', verbose_name='街道')),
                ],
                options={
                    'verbose_name': '匹配任务',
                    'verbose_name_plural': '匹配任务',
                    'db_table': 'sanlian_matchingjob',
                    'ordering': ['-created_at', '-id'],
                    'abstract': False,
                    'constraints': [models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='matchingjob_progress_at_most_100'), models.CheckConstraint(condition=models.Q(models.Q(('community__isnull', False), ('street__isnull', True)), models.Q(('community__isnull', True), ('street__isnull', False)), _connector='OR'), name='matchingjob_one_scope')],
                },
            ),
    ],
            database_operations=[],
        ),
    ]
