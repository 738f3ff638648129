"""Two runs over the same community and week never solve at once.

On PostgreSQL a run takes one transaction-level advisory lock per (community, week) of
its scope, so a street run and a run of one of its communities collide too; a second
run is refused at once rather than queued behind a long solve. SQLite serialises
write transactions: `matching_run` writes its run row before reading, so a second run
there waits for the first to commit and then reads what it wrote.
"""

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _


def _key(community_id: int, week_start: datetime.date) -> int:
    digest = hashlib.blake2b(
        f"sanlian.matching:{week_start.isoformat()}:{community_id}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


def matching_scope_lock(*, community_ids: list[int], week_start: datetime.date) -> None:
    """Hold the scope until the current transaction ends, or refuse with a clear message."""
    if connection.vendor != "postgresql" or not community_ids:
        return
    keys = sorted(_key(community_id, week_start) for community_id in community_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bool_and(pg_try_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k",
            [keys],
        )
        (locked,) = cursor.fetchone()
    if not locked:
        raise ValidationError(
            _("同一范围、同一服务周的匹配正在进行，请等它完成后再查看结果或重新匹配。"),
            code="matching_in_progress",
        )
