"""Celery beat that runs on one host at a time: a standby beat idles until the lease frees.

Two beats would enqueue every reminder sweep and statistics warm-up twice. Each beat
holds a lease with an expiry and renews it every tick; a beat that does not hold it
sends nothing that tick and asks again a few seconds later. When the holder dies it
stops renewing, and a standby takes over once the lease expires (BEAT_LEASE_SECONDS,
45 s by default, so well within a minute). A holder that loses the lease (Redis away,
a pause longer than the lease) stops sending at its next tick. The holder writes its
run times back every 15 s and a beat that takes over reads them afresh, so a takeover
re-sends at most what fell due in those seconds.

The lease lives in Redis (`SET key token NX PX`) when REDIS_URL is set, otherwise in a
`BeatLease` row updated with a conditional UPDATE, which works on PostgreSQL and SQLite.
"""

import logging
import os
import socket
import uuid
from datetime import timedelta

import redis
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_celery_beat.schedulers import DatabaseScheduler

from sanlian.models import BeatLease

logger = logging.getLogger(__name__)
LEASE_NAME = "celery-beat"

# Renew if ours, else take it only if free: one round trip, atomic in Redis.
_HOLD = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisLease:
    def __init__(self, *, url: str, name: str, token: str, seconds: float):
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.key, self.token, self.seconds = f"sanlian:lease:{name}", token, seconds

    @property
    def ms(self) -> int:
        return int(self.seconds * 1000)

    def hold(self) -> bool:
        return bool(self.client.eval(_HOLD, 1, self.key, self.token, self.ms))

    def release(self) -> None:
        self.client.eval(_RELEASE, 1, self.key, self.token)


class DatabaseLease:
    def __init__(self, *, name: str, token: str, seconds: float):
        self.name, self.token, self.seconds = name, token, seconds

    def hold(self) -> bool:
        now = timezone.now()
        expires_at = now + timedelta(seconds=self.seconds)
        # One conditional UPDATE: renew ours or take an expired one; never someone's live lease.
        mine_or_free = Q(holder=self.token) | Q(expires_at__lte=now)
        leases = BeatLease.objects.filter(mine_or_free, name=self.name)
        if leases.update(holder=self.token, expires_at=expires_at):
            return True
        try:
            with transaction.atomic():
                BeatLease.objects.create(name=self.name, holder=self.token, expires_at=expires_at)
        except IntegrityError:
            return False  # another beat holds it
        return True

    def release(self) -> None:
        BeatLease.objects.filter(name=self.name, holder=self.token).delete()


def lease_for(*, name: str = LEASE_NAME, seconds: float | None = None):
    seconds = seconds or settings.BEAT_LEASE_SECONDS
    token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    if settings.REDIS_URL:
        return RedisLease(url=settings.REDIS_URL, name=name, token=token, seconds=seconds)
    return DatabaseLease(name=name, token=token, seconds=seconds)


class SingleBeatScheduler(DatabaseScheduler):
    """django-celery-beat's DatabaseScheduler, sending only while it holds the beat lease."""

    # Write last run times back often, so a standby taking over sees what was just sent.
    sync_every = 15

    def __init__(self, *args, lease=None, **kwargs):
        self.lease = lease or lease_for()
        self.holding = False
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs) -> float:
        holding = self._hold()
        if holding != self.holding:
            logger.warning("beat lease %s", "taken: sending" if holding else "lost: idling")
            self.holding = holding
            if holding:
                # Read the schedule afresh: the last holder's run times, not ours from start-up.
                self._initial_read, self._heap = True, None
        if not holding:
            return self._standby_delay()
        # Sleep no longer than a third of the lease, so it is renewed before it expires.
        return min(super().tick(*args, **kwargs), self._standby_delay())

    def _hold(self) -> bool:
        try:
            return self.lease.hold()
        except Exception:  # Redis or the database away: not sure we hold it, so do not send
            logger.exception("beat lease check failed")
            return False

    def _standby_delay(self) -> float:
        return self.lease.seconds / 3

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.holding:
                self.lease.release()  # a clean stop hands over at once, not after the expiry
