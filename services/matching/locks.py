"""Two runs over the same community and week never run at once.

On PostgreSQL a run holds one session-level advisory lock per (community, week) of its
scope from before it reads until after it has written, so a street run, a run of one of
its communities and a city-wide run all collide; a second run is refused at once rather
than queued behind a long solve. The lock is session-level, not transaction-level,
because the solve runs with no transaction open (services/matching/io.py): reading and
writing are two short transactions, and the lock spans both. It is released when the
run ends, however it ends, and by PostgreSQL if the connection drops.

SQLite has no such lock: it serialises write transactions, and the write step withdraws
any earlier proposal for the same requests and week, so a request still never carries
two open proposals.
"""

import contextlib
import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.utils.translation import gettext as _


def _key(community_id: int, week_start: datetime.date) -> int:
    digest = hashlib.blake2b(
        f"sanlian.matching:{week_start.isoformat()}:{community_id}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


def in_progress_error() -> ValidationError:
    return ValidationError(
        _("同一范围、同一服务周的匹配正在进行，请等它完成后再查看结果或重新匹配。"),
        code="matching_in_progress",
    )


@contextlib.contextmanager
def matching_scope_held(*, community_ids: list[int], week_start: datetime.date):
    """Hold the scope for the `with` block, or refuse at once with a clear message."""
    if connection.vendor != "postgresql" or not community_ids:
        yield
        return
    keys = sorted({_key(community_id, week_start) for community_id in community_ids})
    with connection.cursor() as cursor:
        # All or nothing: keys taken before one that is busy are given back at once.
        cursor.execute("SELECT k, pg_try_advisory_lock(k) FROM unnest(%s::bigint[]) AS k", [keys])
        taken = [key for key, locked in cursor.fetchall() if locked]
    try:
        if len(taken) != len(keys):
            raise in_progress_error()
        yield
    finally:
        if taken:
            _unlock(taken)


def _unlock(keys: list[int]) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(k) FROM unnest(%s::bigint[]) AS k", [keys])
    except DatabaseError:
        # Inside an outer transaction that failed: the session cannot run SQL until it
        # rolls back. Closing the connection ends the session, and with it the locks.
        connection.close()
