"""An index for the hotline's given-name search (services.domain.residents._by_name).

PostgreSQL only: an expression index on the name after its first character, with
text_pattern_ops so `LIKE '秀英%'` can use it. SQLite demos are small enough to scan.
"""

from django.db import migrations

INDEX = "communities_resident_given_name_like"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON communities_resident "
            "((SUBSTRING(name, 2)) text_pattern_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("communities", "0002_initial")]

    operations = [migrations.RunPython(create, drop)]
