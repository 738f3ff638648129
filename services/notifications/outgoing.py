"""A reminder as its sender reads it: one plain row per reminder, and the texts it sends.

A batch of reminders is loaded in one query as tuples (`reminders_outgoing`), not as
model instances: the reminder and its visit, request, resident, service type, offering,
organization, workers and recipient built as ten instances per reminder cost more than the
rest of a send (issue 20). A sender that claims its batch itself reads it with the claim,
by the same query over the claimed rows (`outgoing_claimed_select`). The texts of a batch
are written a language at a time, each template translated once and each visit's time
formatted once.
"""

import datetime
import functools
import uuid
from dataclasses import dataclass

from django.db import connection
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext_noop

from sanlian import stored_text
from sanlian.locale import language_of
from services.models import Reminder
from services.notifications.channels import sms_fit

WORKER_TEXT = gettext_noop("【三社联动】提醒：您%(when)s为%(resident)s提供“%(service)s”。")
RESIDENT_TEXT = gettext_noop(
    "【三社联动】提醒：%(resident)s的“%(service)s”将于%(when)s开始，%(organization)s。"
)


@dataclass(slots=True)
class Outgoing:
    """One reminder with what its message needs; its outcome is set on it as it is sent.

    Read positionally from OUTGOING_COLUMNS (same names, same order)."""

    pk: int
    visit_id: int
    recipient_key: str
    offset_minutes: int
    channel: str
    # Text when read with the claim (outgoing_claimed_select): a sender only writes them out.
    idempotency_key: uuid.UUID | str
    attempts: int
    claim_token: uuid.UUID | str | None
    status: str
    sent_at: datetime.datetime | None
    next_attempt_at: datetime.datetime | None
    response: str
    recipient_user_id: int | None
    phone: str | None  # the recipient user's; the resident's own is resident_phone
    email: str | None
    # The recipient user's language (None: a resident reached by phone only), read by
    # sanlian.locale.language_of as a user's.
    language: str | None
    visit_status: str
    scheduled_start: datetime.datetime
    staff_member_id: int | None
    social_worker_user_id: int | None
    volunteer_user_id: int | None
    resident_name: str
    resident_phone: str
    community_id: int
    service_name: str
    organization_name: str


OUTGOING_COLUMNS = {
    "pk": "pk",
    "visit_id": "visit_id",
    "recipient_key": "recipient_key",
    "offset_minutes": "offset_minutes",
    "channel": "channel",
    "idempotency_key": "idempotency_key",
    "attempts": "attempts",
    "claim_token": "claim_token",
    "status": "status",
    "sent_at": "sent_at",
    "next_attempt_at": "next_attempt_at",
    "response": "response",
    "recipient_user_id": "recipient_user_id",
    "phone": "recipient_user__phone",
    "email": "recipient_user__email",
    "language": "recipient_user__language",
    "visit_status": "visit__status",
    "scheduled_start": "visit__scheduled_start",
    "staff_member_id": "visit__staff_member_id",
    "social_worker_user_id": "visit__social_worker__user_id",
    "volunteer_user_id": "visit__volunteer__user_id",
    "resident_name": "visit__request__resident__name",
    "resident_phone": "visit__request__resident__phone",
    "community_id": "visit__request__resident__community_id",
    "service_name": "visit__request__service_type__name",
    "organization_name": "visit__offering__organization__name",
}


def reminders_outgoing(reminders: QuerySet[Reminder]) -> list[Outgoing]:
    """The reminders of `reminders` as rows, in due order, in one query."""
    rows = reminders.order_by("due_at", "id").values_list(*OUTGOING_COLUMNS.values())
    return [Outgoing(*row) for row in rows]


# Read as text by the claim: psycopg2 would build a uuid.UUID of each key and token, per row,
# for the sender to turn it back into text (a message's key, a dedupe key, a filter).
_AS_TEXT = ("idempotency_key", "claim_token")


@functools.cache
def outgoing_claimed_select() -> str:
    """The query of `reminders_outgoing` (the same columns, joins and order, compiled by the
    ORM once per process) reading the rows of a `claimed` CTE instead of the table: a
    claim's `UPDATE … RETURNING *` then hands back its batch as rows in one statement."""
    columns = [
        Cast(column, CharField()) if name in _AS_TEXT else column
        for name, column in OUTGOING_COLUMNS.items()
    ]
    query = Reminder.objects.order_by("due_at", "id").values_list(*columns).query
    sql, params = query.sql_with_params()
    table = f" FROM {connection.ops.quote_name(Reminder._meta.db_table)} "
    if params or sql.count(table) != 1:
        raise RuntimeError(f"unexpected SQL for the claimed rows: {sql}")
    return sql.replace(table, f" FROM claimed AS {table[6:]}")


def outgoing_is_worker(row: Outgoing) -> bool:
    """Sent to a worker of the visit (social worker, volunteer, staff), not the resident's side."""
    user_id = row.recipient_user_id
    return user_id is not None and user_id in (
        row.social_worker_user_id,
        row.volunteer_user_id,
        row.staff_member_id,
    )


def _template_and_values(row: Outgoing) -> tuple[str, dict]:
    values = {
        "when": row.scheduled_start,
        "service": row.service_name,
        "resident": row.resident_name,
        "organization": row.organization_name,
    }
    return (WORKER_TEXT if outgoing_is_worker(row) else RESIDENT_TEXT), values


def outgoing_facts(row: Outgoing) -> dict:
    """The message as facts (sanlian.stored_text): names and times, never an identifier."""
    template, values = _template_and_values(row)
    return stored_text.text(template, **values)


def outgoing_texts(rows: list[Outgoing]) -> list[str]:
    """The SMS and e-mail text of each row, at most one SMS long, in its recipient's
    language, in order: the sentences `stored_text.in_language` writes from the facts,
    without the round trip through them (stored_text.in_language_writer)."""
    places: dict[str, list[int]] = {}
    for at, row in enumerate(rows):
        places.setdefault(language_of(row), []).append(at)
    texts = [""] * len(rows)
    for language, ats in places.items():
        with stored_text.in_language_writer(language) as write:
            for at in ats:
                template, values = _template_and_values(rows[at])
                texts[at] = sms_fit(write(template, **values))
    return texts
