"""Plain rows go in through COPY on PostgreSQL and `bulk_create` elsewhere: the same rows."""

import pytest
from django.db import connection
from django.utils import timezone

from sanlian import bulk_rows
from sanlian.models import AuditEntry
from tests import factories as f

COLUMNS = (
    "actor_id", "at", "action", "object_type", "object_id", "object_repr", "changes",
    "reason", "reason_facts",
)  # fmt: skip
# Text that COPY's format must escape, JSON with Chinese and nesting, and NULLs.
AWKWARD = ("tab\there", "line\nbreak\r\n", "back\\slash \\N", "quote \" and '", "空", "")


def _rows(actor_id):
    at = timezone.now()
    return [
        (
            actor_id if k % 2 else None,
            at,
            AuditEntry.Action.STATUS,
            "services.match",
            str(k),
            text,
            {"status": ["proposed", "withdrawn"], "note": text},
            text,
            [{"t": "已等待%(days)s天", "p": {"days": k}}] if k % 3 else None,
        )
        for k, text in enumerate(AWKWARD)
    ]


def _stored():
    return list(
        AuditEntry.objects.order_by("object_id").values_list(*COLUMNS)  # the ids sort as text
    )


def _inserters():
    yield bulk_rows._objects_insert
    if connection.vendor == "postgresql":
        yield bulk_rows._copy


@pytest.mark.django_db
def test_rows_insert_stores_every_value_as_given():
    actor = f.UserFactory()
    rows = _rows(actor.pk)
    assert bulk_rows.rows_insert(model=AuditEntry, columns=COLUMNS, rows=iter(rows)) == len(rows)
    stored = _stored()
    # `at` is auto_now_add: bulk_create sets it to its own now, COPY keeps the given one.
    assert [row[:1] + row[2:] for row in stored] == [row[:1] + row[2:] for row in rows]
    assert all(abs(row[1] - rows[0][1]).total_seconds() < 60 for row in stored)


@pytest.mark.django_db
def test_copy_and_bulk_create_store_the_same_rows():
    actor = f.UserFactory()
    stored = []
    for insert in _inserters():
        AuditEntry.objects.all().delete()
        insert(AuditEntry, COLUMNS, _rows(actor.pk))
        stored.append([row[:1] + row[2:] for row in _stored()])  # `at` differs between calls
    assert len(stored) == (2 if connection.vendor == "postgresql" else 1)
    assert all(rows == stored[0] for rows in stored)
    assert stored[0][1][4] == "line\nbreak\r\n" and stored[0][2][4] == "back\\slash \\N"


@pytest.mark.django_db
def test_rows_insert_of_nothing_writes_nothing():
    assert bulk_rows.rows_insert(model=AuditEntry, columns=COLUMNS, rows=iter(())) == 0
    assert not AuditEntry.objects.exists()
