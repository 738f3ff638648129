"""Two senders claiming at once on PostgreSQL never get the same reminder."""

import datetime
import threading

import pytest
from django.db import connection, connections

from services.models import Reminder
from services.notifications.reminders import reminders_claim_due
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_claims_are_disjoint_and_complete(clock):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED claims need PostgreSQL; SQLite serialises writers")
    # 14:00 in Shanghai: in SMS quiet hours (evenings) nothing would be claimed at all.
    now = clock.freeze(clock.at(clock.today, datetime.time(14)))
    visit = f.VisitFactory()
    due = now - datetime.timedelta(minutes=1)
    Reminder.objects.bulk_create(
        f.ReminderFactory.build(visit=visit, offset_minutes=n, due_at=due) for n in range(1, 201)
    )
    claimed: list[list[int]] = []
    start = threading.Barrier(4)

    def sender():
        start.wait()
        mine = []
        while ids := reminders_claim_due(now=now, limit=7)[1]:
            mine += ids
        claimed.append(mine)
        connections.close_all()

    threads = [threading.Thread(target=sender) for _sender in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [pk for mine in claimed for pk in mine]
    assert len(every) == len(set(every)) == 200
    assert not Reminder.objects.exclude(status="sending").exists()
