"""Load GB/T 42195-2022 老年人能力评估规范 (casework/instrument_data.py) as instrument v1."""

from django.db import migrations

from casework import instrument_data

MODELS = ("Instrument", "Indicator", "Item", "Option", "Level", "Adjustment")


def load(apps, schema_editor):
    # Imported here so the migration module can be loaded before the app registry is ready.
    from casework.instruments import instrument_load

    instrument_load(models={name: apps.get_model("casework", name) for name in MODELS})


def unload(apps, schema_editor):
    apps.get_model("casework", "Instrument").objects.filter(
        code=instrument_data.CODE, version=instrument_data.VERSION
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
