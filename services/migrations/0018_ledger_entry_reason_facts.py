"""The portal's wording of ledger entries as facts, shown in the reader's language.

Entries written before hold only "2026-11 高龄津贴" (a credit) or "理发 2026-11-30" (a
visit's charge). Those that match the pattern the code wrote then (copied here: a
migration must not follow later code) get facts; a correction's reason is a person's own
words and stays as written.
"""

import re

from django.db import migrations, models

CREDIT = (re.compile(r"^(\d{4}-\d{2}) (.+)$"), "%(month)s 月度补贴：%(rule)s", ("month", "rule"))
CHARGE = (
    re.compile(r"^(.+) (\d{4}-\d{2}-\d{2})$"),
    "%(day)s 上门服务：%(service)s",
    ("service", "day"),
)
PATTERNS = {"credit": CREDIT, "visit_debit": CHARGE, "co_payment": CHARGE}


def reasons_to_facts(apps, schema_editor):
    LedgerEntry = apps.get_model("services", "LedgerEntry")
    for kind, (pattern, msgid, names) in PATTERNS.items():
        entries = LedgerEntry.objects.filter(kind=kind, reason_facts__isnull=True)
        for entry in entries.only("pk", "reason").iterator(chunk_size=2000):
            found = pattern.match(entry.reason)
            if found:
                facts = {"t": msgid, "p": dict(zip(names, found.groups(), strict=True))}
                LedgerEntry.objects.filter(pk=entry.pk).update(reason_facts=facts)


def facts_to_reasons(apps, schema_editor):
    # The Chinese text never left `reason`: dropping the facts loses nothing.
    apps.get_model("services", "LedgerEntry").objects.update(reason_facts=None)


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0017_parse_stored_chinese_into_facts"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="reason_facts",
            field=models.JSONField(blank=True, null=True, verbose_name="原因（原始信息）"),
        ),
        migrations.RunPython(reasons_to_facts, facts_to_reasons),
    ]
