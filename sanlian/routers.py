"""Statistics may read from a PostgreSQL replica; everything else uses the primary.

Dashboards aggregate over the whole city and would compete with the hotline and the
matching runs for the primary. When DATABASE_REPLICA_URL is set, settings define a
"replica" alias and this router sends to it the reads that ask for it:

- code inside `with statistics_reads():` (reporting/stats.py wraps its figures in it);
- models that declare `read_from_replica = True` (read-only reporting models);
- querysets given `.using(statistics_database())`, which names "replica" only when it exists.

Writes, migrations and everything else go to "default". Without a replica every
choice falls back to "default", so the code is the same on a laptop and in a city.
Replication lag (seconds) is acceptable for statistics, which are cached for a minute
anyway; never read something you have just written through these paths.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
DEFAULT = "default"

_statistics = ContextVar("statistics_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def statistics_database() -> str:
    """The alias statistics should read from: the replica when there is one."""
    return REPLICA if replica_configured() else DEFAULT


@contextmanager
def statistics_reads() -> Iterator[None]:
    """Route every read inside the block to the replica (if any); writes are unaffected."""
    token = _statistics.set(True)
    try:
        yield
    finally:
        _statistics.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str | None:
        if not replica_configured():
            return None
        if _statistics.get() or getattr(model, "read_from_replica", False):
            return REPLICA
        return DEFAULT

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # Both aliases hold the same rows: objects read from either may be related.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # The replica follows the primary by streaming replication, never by migrate.
        return db != REPLICA
