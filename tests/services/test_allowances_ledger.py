"""The care-account ledger: monthly credits (idempotent), corrections, the balance floor."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from sanlian.celery import app
from services.allowances.domain import (
    allowances_credit_month,
    ledger_entry_reverse,
    visit_charge,
)
from services.allowances.tasks import task_credit_monthly_allowances
from services.models import CareAccount, LedgerEntry
from tests import factories as f
from tests.services._allowances_support import done_visit, this_month

MARCH = datetime.date(2026, 3, 1)


def _balance_is_sum_of_entries(account: CareAccount) -> bool:
    account.refresh_from_db()
    total = account.entries.aggregate(total=Sum("amount_fen"))["total"] or 0
    return account.balance_fen == total


@pytest.mark.django_db
def test_monthly_run_twice_credits_each_rule_once():
    eighty = f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=10000)
    alone = f.AllowanceRuleFactory(min_age=80, living_alone_only=True, monthly_amount_fen=5000)
    old = f.ResidentFactory(living_situation="alone")
    f.ResidentFactory(birth_date=datetime.date(1960, 1, 1))  # 66: not eligible

    assert allowances_credit_month(month=MARCH) == 2
    assert allowances_credit_month(month=MARCH) == 0

    credits = LedgerEntry.objects.filter(kind="credit")
    assert sorted(credits.values_list("rule_id", flat=True)) == sorted([eighty.pk, alone.pk])
    assert set(credits.values_list("month", flat=True)) == {MARCH}
    assert CareAccount.objects.count() == 1
    assert old.care_account.balance_fen == 15000
    assert all(entry.actor_id is None and entry.reason for entry in credits)
    assert _balance_is_sum_of_entries(old.care_account)


@pytest.mark.django_db
def test_monthly_run_next_month_credits_again():
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=10000)
    resident = f.ResidentFactory()
    allowances_credit_month(month=MARCH)
    allowances_credit_month(month=datetime.date(2026, 4, 1))
    resident.care_account.refresh_from_db()
    assert resident.care_account.balance_fen == 20000


@pytest.mark.django_db
def test_monthly_run_books_one_highest_credit_even_if_a_better_rule_appears_later():
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=10000, stacking="highest")
    resident = f.ResidentFactory()
    allowances_credit_month(month=MARCH)
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=30000, stacking="highest")
    assert allowances_credit_month(month=MARCH) == 0
    resident.care_account.refresh_from_db()
    assert resident.care_account.balance_fen == 10000


@pytest.mark.django_db
def test_monthly_task_is_on_the_beat_schedule_and_credits_current_month():
    entry = app.conf.beat_schedule["credit-monthly-allowances"]
    assert entry["task"] == "services.credit_monthly_allowances"
    assert task_credit_monthly_allowances.name == "services.credit_monthly_allowances"
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=10000)
    resident = f.ResidentFactory()
    assert task_credit_monthly_allowances.delay().get() == 1
    assert task_credit_monthly_allowances.delay().get() == 0
    assert resident.care_account.entries.get().month == this_month()


@pytest.mark.django_db
def test_duplicate_credit_is_refused_by_the_database():
    rule = f.AllowanceRuleFactory()
    account = f.CareAccountFactory()
    f.LedgerEntryFactory(account=account, amount_fen=100, rule=rule, month=MARCH)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.LedgerEntryFactory(account=account, amount_fen=100, rule=rule, month=MARCH)


@pytest.mark.django_db
def test_negative_balance_is_refused_by_the_database():
    account = f.CareAccountFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CareAccount.objects.filter(pk=account.pk).update(balance_fen=-1)


@pytest.mark.django_db
def test_reverse_credit_adds_correction_and_keeps_original(cast):
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=10000)
    allowances_credit_month(month=MARCH)
    account = cast.resident.care_account
    credit = account.entries.get()

    correction = ledger_entry_reverse(entry=credit, actor=cast.civil, reason="重复发放")

    assert correction.kind == "correction" and correction.amount_fen == -10000
    assert correction.reverses == credit and correction.actor == cast.civil
    credit.refresh_from_db()
    assert credit.amount_fen == 10000  # the original entry is untouched
    account.refresh_from_db()
    assert account.balance_fen == 0
    assert _balance_is_sum_of_entries(account)
    with pytest.raises(ValidationError):
        ledger_entry_reverse(entry=credit, actor=cast.civil, reason="再来一次")
    assert account.entries.count() == 2


@pytest.mark.django_db
def test_reverse_spent_credit_fails_and_changes_nothing(cast):
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=5000)
    allowances_credit_month(month=MARCH)
    visit_charge(
        visit=done_visit(resident=cast.resident, organization=cast.organization, price_fen=5000)
    )
    account = cast.resident.care_account
    credit = account.entries.get(kind="credit")
    with pytest.raises(ValidationError):
        ledger_entry_reverse(entry=credit, actor=cast.civil, reason="发错了")
    account.refresh_from_db()
    assert account.balance_fen == 0
    assert not account.entries.filter(kind="correction").exists()


@pytest.mark.django_db
def test_reverse_needs_reason_and_corrector_role(cast):
    f.AllowanceRuleFactory(min_age=80)
    allowances_credit_month(month=MARCH)
    credit = cast.resident.care_account.entries.get()
    with pytest.raises(ValidationError):
        ledger_entry_reverse(entry=credit, actor=cast.civil, reason="  ")
    for user in (cast.member, cast.resident.user, cast.community_staff):
        with pytest.raises(PermissionDenied):
            ledger_entry_reverse(entry=credit, actor=user, reason="试试")
    assert not LedgerEntry.objects.filter(kind="correction").exists()


@pytest.mark.django_db
def test_ledger_admin_is_read_only(client):
    superuser = f.UserFactory(username="root", is_superuser=True, is_staff=True)
    f.AllowanceRuleFactory(min_age=80)
    f.ResidentFactory()
    allowances_credit_month(month=MARCH)
    entry = LedgerEntry.objects.get()
    client.force_login(superuser)
    assert client.get("/admin/services/ledgerentry/").status_code == 200
    response = client.post(
        f"/admin/services/ledgerentry/{entry.pk}/change/",
        {"amount_fen": 999999, "kind": "credit", "reason": "改"},
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.amount_fen == 10000
    assert client.get("/admin/services/ledgerentry/add/").status_code == 403
