"""Two beats, one sender: the standby sends nothing until the holder stops renewing its lease.

Two scheduler instances in one process stand for two beat processes; "dies" means it
stops ticking. The control run, without the lease, shows what the lease prevents.
"""

import datetime
import time
import uuid
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from sanlian.beat import DatabaseLease, RedisLease, SingleBeatScheduler
from sanlian.celery import app

LEASE_SECONDS = 1.0
TASK = "tests.always_due"


class Recording:
    """Keeps what a scheduler sent instead of publishing it to the broker."""

    def __init__(self, *args, **kwargs):
        self.sent: list[str] = []
        super().__init__(*args, **kwargs)
        self.__dict__["producer"] = None  # no broker connection for a scheduler under test
        # A real beat writes its schedule back at exit; here the test database is gone then.
        self._finalize.cancel()

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        self.sent.append(entry.task)
        return SimpleNamespace(id=str(uuid.uuid4()))


class RecordingSingleBeat(Recording, SingleBeatScheduler):
    pass


class RecordingPlainBeat(Recording, DatabaseScheduler):
    pass


@pytest.fixture
def due_task(db, monkeypatch):
    # The scheduler closes connections that are not in autocommit, which the test's own
    # transaction never is; a real beat runs in autocommit.
    monkeypatch.setattr("django_celery_beat.schedulers.close_old_connections", lambda: None)
    every_second, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    return PeriodicTask.objects.create(
        name="always due",
        task=TASK,
        interval=every_second,
        last_run_at=timezone.now() - datetime.timedelta(days=1),
    )


def _lease(kind: str, name: str):
    token = uuid.uuid4().hex
    if kind == "redis":
        if not settings.REDIS_URL:
            pytest.skip("REDIS_URL is not set")
        return RedisLease(url=settings.REDIS_URL, name=name, token=token, seconds=LEASE_SECONDS)
    return DatabaseLease(name=name, token=token, seconds=LEASE_SECONDS)


def _pair(kind: str):
    name = f"test-beat-{uuid.uuid4().hex[:8]}"
    first = RecordingSingleBeat(app=app, lease=_lease(kind, name))
    second = RecordingSingleBeat(app=app, lease=_lease(kind, name))
    return first, second


@pytest.mark.parametrize("kind", ["redis", "database"])
def test_beat_standby_sends_nothing_while_the_holder_renews(due_task, kind):
    first, second = _pair(kind)

    # Four rounds over longer than the lease: the holder's renewals keep the standby idle.
    for _ in range(4):
        first.tick()
        second.tick()
        time.sleep(LEASE_SECONDS / 4)

    assert TASK in first.sent
    assert second.sent == []
    assert first.holding and not second.holding


@pytest.mark.parametrize("kind", ["redis", "database"])
def test_beat_standby_takes_over_after_the_holder_dies(due_task, kind):
    first, second = _pair(kind)
    first.tick()
    second.tick()
    assert (first.sent, second.sent) == ([TASK], [])

    time.sleep(LEASE_SECONDS * 1.2)  # the first beat died: no more ticks, no renewals
    second.tick()

    assert second.sent == [TASK]
    first.tick()  # a holder that comes back after losing the lease stays quiet
    assert first.sent == [TASK]


def test_beat_taking_over_reads_the_last_holders_run_times(due_task):
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.HOURS)
    due_task.interval = hourly
    due_task.save()
    first, second = _pair("database")
    first.tick()
    first.sync()  # what the holder does every sync_every seconds
    first.close()  # hands over at once

    for _ in range(3):
        second.tick()

    # Sent an hour's task once: the second beat knows it ran a moment ago.
    assert (first.sent, second.sent) == ([TASK], [])
    assert second.holding


@pytest.mark.parametrize("kind", ["redis", "database"])
def test_beat_clean_stop_hands_over_at_once(due_task, kind):
    first, second = _pair(kind)
    first.tick()
    first.close()  # also writes the run time back: the every-second task is due again in 1 s
    time.sleep(1.1)
    second.tick()

    assert (first.sent, second.sent) == ([TASK], [TASK])


def test_beat_control_two_schedulers_without_the_lease_both_send(due_task):
    first = RecordingPlainBeat(app=app)
    second = RecordingPlainBeat(app=app)
    first.tick()
    second.tick()

    assert (first.sent, second.sent) == ([TASK], [TASK])


def test_beat_scheduler_is_the_single_beat_one():
    assert settings.CELERY_BEAT_SCHEDULER == "sanlian.beat:SingleBeatScheduler"
    assert app.conf.beat_scheduler == "sanlian.beat:SingleBeatScheduler"
