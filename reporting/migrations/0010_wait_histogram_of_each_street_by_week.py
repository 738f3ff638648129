"""WaitStreetCount, filled from WaitCount; and the trigger that notes a community moving to
another street (family "c"), so the refresh recounts both streets' histograms."""

import django.db.models.deletion
from django.db import migrations, models

_FILL = """
    INSERT INTO reporting_waitstreetcount (street_id, week, tenths, n)
    SELECT c.street_id, date_trunc('week', w.day)::date, w.tenths, SUM(w.n)
    FROM reporting_waitcount w JOIN communities_community c ON c.id = w.community_id
    GROUP BY 1, 2, 3
"""
_NOTE = """
    CREATE OR REPLACE FUNCTION reporting_note_streets() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            INSERT INTO reporting_rollupdirty (family, ref)
            SELECT DISTINCT 'c', s
            FROM old_rows o JOIN new_rows n ON n.id = o.id,
                LATERAL (VALUES (o.street_id), (n.street_id)) v (s)
            WHERE o.street_id <> n.street_id;
        ELSE
            INSERT INTO reporting_rollupdirty (family, ref)
            SELECT DISTINCT 'c', street_id FROM old_rows;
        END IF;
        RETURN NULL;
    END $$
"""
_TRIGGERS = {
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}


def _forward(apps, schema_editor):
    # Filled so a street's median stays exact across the upgrade; on SQLite (no triggers)
    # every refresh rebuilds everything.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(_FILL)
    schema_editor.execute(_NOTE)
    for event, transition in _TRIGGERS.items():
        schema_editor.execute(
            f"""CREATE TRIGGER reporting_note_streets_{event.lower()}
                AFTER {event} ON communities_community REFERENCING {transition}
                FOR EACH STATEMENT EXECUTE FUNCTION reporting_note_streets()"""
        )


def _reverse(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for event in _TRIGGERS:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS reporting_note_streets_{event.lower()} ON communities_community"
        )
    schema_editor.execute("DROP FUNCTION IF EXISTS reporting_note_streets()")


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0005_resident_name_trigram_search_index"),
        ("reporting", "0009_wait_histogram_of_the_city_by_week"),
    ]

    operations = [
        migrations.CreateModel(
            name="WaitStreetCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("week", models.DateField()),
                ("tenths", models.PositiveIntegerField()),
                ("n", models.PositiveIntegerField()),
                (
                    "street",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="communities.street",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("street", "week", "tenths"),
                        include=("n",),
                        name="waitstreetcount_one_per_week",
                    )
                ],
            },
        ),
        migrations.RunPython(_forward, _reverse),
    ]
