"""The job models leave the plumbing app (reporting.0001, services.0007): state only.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0001_exportjob_moved_from_sanlian'),
        ('services', '0007_matchingjob_moved_from_sanlian'),
        ('sanlian', '0005_mask_birth_dates_in_history'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The table stays where it is: only Django's record of which app owns it moves.
            state_operations=[
            migrations.RemoveField(
                model_name='matchingjob',
                name='community',
            ),
            migrations.RemoveField(
                model_name='matchingjob',
                name='owner',
            ),
            migrations.RemoveField(
                model_name='matchingjob',
                name='run',
            ),
            migrations.RemoveField(
                model_name='matchingjob',
                name='street',
            ),
            migrations.DeleteModel(
                name='ExportJob',
            ),
            migrations.DeleteModel(
                name='MatchingJob',
            ),
    ],
            database_operations=[],
        ),
    ]
