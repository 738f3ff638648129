"""A trigram index on resident names for the hotline search (services/care/domain/residents.py).

PostgreSQL only (pg_trgm): it answers `LIKE '王%'` (a surname alone) and `LIKE '%秀英兰%'`
(three or more characters anywhere), hits and misses alike, without reading the table.
Outside the model state, like 0003, so SQLite demos migrate and table rebuilds on SQLite
never try to create a GIN index.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = GinIndex(fields=["name"], name="resident_name_trgm", opclasses=["gin_trgm_ops"])


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("communities", "Resident"), INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("communities", "Resident"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("communities", "0004_resident_coordinates")]

    # TrigramExtension does nothing on other databases.
    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
