"""ExportJob moves from the plumbing app to reporting.

State only: the table keeps its name, sanlian_exportjob (Meta.db_table).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('sanlian', '0005_mask_birth_dates_in_history'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The table stays where it is: only Django's record of which app owns it moves.
            state_operations=[
            migrations.CreateModel(
                name='ExportJob',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('status', models.CharField(choices=[('queued', '排队中'), ('running', '进行中'), ('done', '已完成'), ('failed', '失败')], default='queued', max_length=10, verbose_name='状态')),
                    ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='进度（%）')),
                    ('error', models.TextField(blank=True, verbose_name='错误')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                    ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                    ('kind', models.CharField(choices=[('organizations', '社会组织'), ('residents', '老年居民'), ('requests', '服务需求'), ('visits', '上门服务'), ('indicators', '社区指标')], max_length=20, verbose_name='内容')),
                    ('file_format', models.CharField(choices=[('csv', 'CSV（Excel 可直接打开）'), ('xlsx', 'Excel 工作簿（XLSX）')], max_length=4, verbose_name='格式')),
                    ('purpose', models.CharField(blank=True, max_length=200, verbose_name='用途')),
                    ('row_count', models.PositiveIntegerField(default=0, verbose_name='行数')),
                    ('file_path', models.CharField(blank=True, max_length=255, verbose_name='文件')),
                    ('expired_at', models.DateTimeField(blank=True, null=True, verbose_name='过期时间')),
                    ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发起人')),
                ],
                options={
                    'verbose_name': '导出任务',
                    'verbose_name_plural': '导出任务',
                    'db_table': 'sanlian_exportjob',
                    'ordering': ['-created_at', '-id'],
                    'abstract': False,
                    'constraints': [models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='exportjob_progress_at_most_100')],
                },
            ),
    ],
            database_operations=[],
        ),
    ]
