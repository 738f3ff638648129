"""A venue is never double-booked: an exclusion constraint over [starts_at, ends_at).

PostgreSQL only (GiST with btree_gist for the venue's "="); SQLite, the demo database,
has neither, and relies on the domain's check under the venue row lock.
"""

from django.db import migrations

CONSTRAINT = "activity_venue_never_double_booked"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("activities", "Activity")._meta.db_table
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(venue_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
        "WHERE (status <> 'cancelled')"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("activities", "Activity")._meta.db_table
    schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_activities_volunteering_timebank_suggestions")]

    operations = [migrations.RunPython(create, drop)]
