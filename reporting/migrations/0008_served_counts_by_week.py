"""ServedCount by week and previous week instead of day and previous day (reporting/models.py):
the table is dropped, created anew and filled from ServedDay in SQL, so the figures stay
exact across the upgrade without a rebuild. On SQLite the next refresh rebuilds everything.
"""

import django.db.models.deletion
from django.db import migrations, models

_FILL = """
    INSERT INTO reporting_servedcount (community_id, week, previous_week, n)
    SELECT community_id, date_trunc('week', day)::date, date_trunc('week', previous_day)::date,
        COUNT(*)
    FROM reporting_servedday
    WHERE previous_day IS NULL OR previous_day < date_trunc('week', day)::date
    GROUP BY 1, 2, 3
"""


def _fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_FILL)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0007_allowance_change_triggers"),
        ("communities", "0005_resident_name_trigram_search_index"),
    ]

    operations = [
        migrations.DeleteModel(name="ServedCount"),
        migrations.CreateModel(
            name="ServedCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("week", models.DateField()),
                ("previous_week", models.DateField(null=True)),
                ("n", models.PositiveIntegerField()),
                (
                    "community",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="communities.community",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["community", "week"], name="servedcount_community_week_idx"
                    ),
                    models.Index(fields=["week"], name="servedcount_week_idx"),
                ],
            },
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop),
    ]
