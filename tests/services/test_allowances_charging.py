"""Paying for visits: free, subsidised (allowance first, co-payment for the rest), paid."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from sanlian.roles import Role
from services.allowances.domain import (
    allowances_credit_month,
    ledger_entry_reverse,
    visit_charge,
)
from services.care.domain.visits import visit_complete
from services.models import CareAccount, LedgerEntry, Visit
from tests import factories as f
from tests.services._allowances_support import done_visit

MARCH = datetime.date(2026, 3, 1)


@pytest.fixture
def funded(cast):
    """The cast's resident with 50.00 yuan on the care account."""
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=5000)
    allowances_credit_month(month=MARCH)
    return cast.resident.care_account


def _charges(visit: Visit) -> dict:
    return {
        entry.kind: (entry.amount_fen, entry.copay_fen)
        for entry in LedgerEntry.objects.filter(visit=visit)
    }


@pytest.mark.parametrize(
    ("price_class", "price_fen", "expected_charges", "expected_balance"),
    [
        ("free", 0, {}, 5000),
        ("subsidised", 3000, {"visit_debit": (-3000, 0)}, 2000),
        # The allowance is short: it pays 50.00, the resident pays the remaining 30.00.
        ("subsidised", 8000, {"visit_debit": (-5000, 0), "co_payment": (0, 3000)}, 0),
        ("paid", 3000, {"co_payment": (0, 3000)}, 5000),
    ],
)
@pytest.mark.django_db
def test_visit_charge_by_price_class(
    cast, funded, price_class, price_fen, expected_charges, expected_balance
):
    visit = done_visit(
        resident=cast.resident,
        organization=cast.organization,
        price_class=price_class,
        price_fen=price_fen,
    )
    visit_charge(visit=visit, actor=cast.member)
    assert _charges(visit) == expected_charges
    funded.refresh_from_db()
    assert funded.balance_fen == expected_balance
    assert all(
        entry.actor == cast.member and entry.reason
        for entry in LedgerEntry.objects.filter(visit=visit)
    )


@pytest.mark.django_db
def test_subsidised_visit_without_allowance_is_all_co_payment(cast):
    visit = done_visit(resident=cast.resident, organization=cast.organization, price_fen=2500)
    visit_charge(visit=visit)
    assert _charges(visit) == {"co_payment": (0, 2500)}
    account = CareAccount.objects.get(resident=cast.resident)
    assert account.balance_fen == 0
    assert LedgerEntry.objects.get(visit=visit).actor is None  # the system


@pytest.mark.django_db
def test_balance_never_goes_below_zero_over_many_visits(cast, funded):
    for _ in range(4):
        visit_charge(
            visit=done_visit(resident=cast.resident, organization=cast.organization, price_fen=2000)
        )
    funded.refresh_from_db()
    assert funded.balance_fen == 0
    debits = LedgerEntry.objects.filter(account=funded, kind="visit_debit")
    copays = LedgerEntry.objects.filter(account=funded, kind="co_payment")
    assert sorted(debits.values_list("amount_fen", flat=True)) == [-2000, -2000, -1000]
    assert sorted(copays.values_list("copay_fen", flat=True)) == [1000, 2000]


@pytest.mark.django_db
def test_visit_charged_once_when_charged_twice(cast, funded):
    visit = done_visit(resident=cast.resident, organization=cast.organization, price_fen=1000)
    assert len(visit_charge(visit=visit)) == 1
    assert visit_charge(visit=visit) == []
    funded.refresh_from_db()
    assert funded.balance_fen == 4000
    assert LedgerEntry.objects.filter(visit=visit).count() == 1


@pytest.mark.parametrize("status", ["missed", "cancelled", "scheduled", "in_progress"])
@pytest.mark.django_db
def test_visit_not_completed_is_not_charged(cast, funded, status):
    visit = done_visit(resident=cast.resident, organization=cast.organization)
    Visit.objects.filter(pk=visit.pk).update(status=status)
    assert visit_charge(visit=visit) == []
    assert not LedgerEntry.objects.filter(visit=visit).exists()
    funded.refresh_from_db()
    assert funded.balance_fen == 5000


@pytest.mark.django_db
def test_visit_complete_charges_the_allowance(cast, funded):
    """The visit completion step charges in its own transaction; completing again is refused."""
    worker_user = f.UserFactory(username="worker", role=Role.SOCIAL_WORKER)
    f.SocialWorkerFactory(user=worker_user, organization=cast.organization)
    visit = done_visit(resident=cast.resident, organization=cast.organization, price_fen=1200)
    Visit.objects.filter(pk=visit.pk).update(
        status="in_progress", checked_out_at=None, social_worker=worker_user.social_worker
    )
    visit_complete(visit=visit, actor=worker_user, service_log="理发完成")
    assert _charges(visit) == {"visit_debit": (-1200, 0)}
    funded.refresh_from_db()
    assert funded.balance_fen == 3800
    with pytest.raises(ValidationError):
        visit_complete(visit=visit, actor=worker_user, service_log="再次完成")
    assert LedgerEntry.objects.filter(visit=visit).count() == 1


@pytest.mark.django_db
def test_reversed_charge_gives_the_allowance_back(cast, funded):
    visit = done_visit(resident=cast.resident, organization=cast.organization, price_fen=8000)
    visit_charge(visit=visit)
    for entry in LedgerEntry.objects.filter(visit=visit):
        ledger_entry_reverse(entry=entry, actor=cast.street_staff, reason="服务未达标")
    funded.refresh_from_db()
    assert funded.balance_fen == 5000
    totals = LedgerEntry.objects.filter(visit=visit)
    assert sum(totals.values_list("amount_fen", flat=True)) == 0
    assert sum(totals.values_list("copay_fen", flat=True)) == 0
