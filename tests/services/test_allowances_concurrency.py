"""Completing or charging at the same moment charges a visit once and never overdraws
an account (PostgreSQL only)."""

import datetime
import threading

from django.core.exceptions import ValidationError
from django.db import connections

from sanlian.roles import Role
from services.allowances.domain import allowances_credit_month, visit_charge
from services.care.domain.visits import visit_complete
from services.models import CareAccount, LedgerEntry, Visit
from tests import factories as f
from tests.services._allowances_support import done_visit
from tests.services._races import RACES_ON_POSTGRESQL

pytestmark = RACES_ON_POSTGRESQL

THREADS = 6


def _all_at_once(calls) -> list[str]:
    """Run each zero-argument call in its own thread and connection, all starting together."""
    start = threading.Barrier(len(calls), timeout=20)
    outcomes: list[str] = []

    def run(call):
        try:
            start.wait()
            outcomes.append(call())
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _funded(cast, amount_fen: int) -> CareAccount:
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=amount_fen)
    allowances_credit_month(month=datetime.date(2026, 3, 1))
    return CareAccount.objects.get(resident=cast.resident)


def test_visit_charge_concurrently_charges_once(cast):
    account = _funded(cast, 5000)
    visit = done_visit(resident=cast.resident, organization=cast.organization, price_fen=3000)
    outcomes = _all_at_once([lambda: len(visit_charge(visit=visit)) for _ in range(THREADS)])
    assert sorted(outcomes) == [0] * (THREADS - 1) + [1]
    assert list(LedgerEntry.objects.filter(visit=visit).values_list("amount_fen", flat=True)) == [
        -3000
    ]
    account.refresh_from_db()
    assert account.balance_fen == 2000


def test_visit_complete_concurrently_charges_once(cast):
    account = _funded(cast, 5000)
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(username="worker", role=Role.SOCIAL_WORKER),
        organization=cast.organization,
    )
    visit = done_visit(resident=cast.resident, organization=cast.organization, price_fen=3000)
    Visit.objects.filter(pk=visit.pk).update(
        status="in_progress", checked_out_at=None, social_worker=worker
    )
    outcomes = _all_at_once(
        [
            lambda: visit_complete(visit=visit, actor=worker.user, service_log="完成").status
            for _ in range(THREADS)
        ]
    )
    assert sorted(outcomes) == ["completed"] + ["refused"] * (THREADS - 1)
    assert LedgerEntry.objects.filter(visit=visit).count() == 1
    account.refresh_from_db()
    assert account.balance_fen == 2000


def test_concurrent_charges_of_different_visits_never_overdraw(cast):
    account = _funded(cast, 5000)
    visits = [
        done_visit(resident=cast.resident, organization=cast.organization, price_fen=2000)
        for _ in range(THREADS)
    ]
    _all_at_once([lambda visit=visit: len(visit_charge(visit=visit)) for visit in visits])
    account.refresh_from_db()
    entries = LedgerEntry.objects.filter(account=account)
    assert account.balance_fen == 0
    assert sum(entries.values_list("amount_fen", flat=True)) == 0  # 5000 credited, 5000 spent
    assert sum(entries.values_list("copay_fen", flat=True)) == THREADS * 2000 - 5000
