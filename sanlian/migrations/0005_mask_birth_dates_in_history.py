"""Mask the birth dates that history entries stored in full before masking covered them.

A resident ID number is masked as 140106********0306: the hidden digits are the birth
date, so a full date beside it gives the number away. New entries store 1964-**-**
(sanlian.audit); this rewrites the older ones the same way. Not reversible: the full
dates are not kept anywhere else in the history, which is the point.
"""

from django.db import migrations


def _masked(value):
    if not isinstance(value, str) or len(value) < 4 or value.endswith("-**-**"):
        return value
    return f"{value[:4]}-**-**"


def mask_birth_dates(apps, schema_editor):
    AuditEntry = apps.get_model("sanlian", "AuditEntry")
    entries = AuditEntry.objects.filter(
        object_type="communities.resident", changes__has_key="birth_date"
    )
    for entry in entries.iterator():
        values = entry.changes["birth_date"]
        masked = [_masked(value) for value in values]
        if masked != values:
            entry.changes["birth_date"] = masked
            entry.save(update_fields=["changes"])


class Migration(migrations.Migration):
    dependencies = [("sanlian", "0004_exportjob_expired_at_for_file_retention")]

    operations = [migrations.RunPython(mask_birth_dates, migrations.RunPython.noop)]
