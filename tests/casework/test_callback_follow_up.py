"""A failed callback may open a case and/or reverse the visit's allowance charge (ledger)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from casework import domain
from casework.models import Callback, Case
from services.allowances.domain import allowances_credit_month, ledger_entry_reverse, visit_charge
from services.models import CareAccount, LedgerEntry
from tests import factories as f
from tests.services._allowances_support import done_visit

MARCH = datetime.date(2026, 3, 1)


def _failed_callback(resident, organization, worker, *, price_fen=1200, happened=False):
    price_class = "subsidised" if price_fen else "free"
    visit = done_visit(
        resident=resident, organization=organization, price_class=price_class, price_fen=price_fen
    )
    visit_charge(visit=visit)
    callback = Callback.objects.create(visit=visit, social_worker=worker, week_start="2026-11-23")
    return domain.callback_record(
        callback=callback,
        actor=worker.user,
        reached=True,
        happened_as_logged=happened,
        quality_score=1,
        comment="老人说那天没人来",
    )


@pytest.fixture
def funded(cast):
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=5000)
    allowances_credit_month(month=MARCH)
    return cast.resident.care_account


@pytest.fixture
def failed(cast, sw, funded):
    return _failed_callback(cast.resident, cast.organization, sw.sue)


def _balance(resident) -> int:
    return CareAccount.objects.get(resident=resident).balance_fen


def test_reverse_charge_writes_a_correction_and_refuses_a_second(cast, sw, failed):
    assert _balance(cast.resident) == 5000 - 1200
    case, corrections = domain.callback_follow_up(
        callback=failed, actor=sw.sue.user, reverse_charge=True, reason="未上门"
    )
    assert case is None and len(corrections) == 1
    correction = corrections[0]
    assert (correction.kind, correction.amount_fen, correction.actor) == (
        "correction",
        1200,
        sw.sue.user,
    )
    assert correction.reverses.kind == "visit_debit" and "未上门" in correction.reason
    assert _balance(cast.resident) == 5000
    debit = LedgerEntry.objects.get(visit=failed.visit, kind="visit_debit")
    assert debit.amount_fen == -1200  # the charge itself is never edited

    with pytest.raises(ValidationError, match="已经更正过了"):
        domain.callback_follow_up(
            callback=failed, actor=sw.sue.user, reverse_charge=True, reason="再来一次"
        )
    with pytest.raises(ValidationError):
        ledger_entry_reverse(entry=debit, actor=sw.sue.user, reason="绕过回访")
    assert LedgerEntry.objects.filter(kind="correction").count() == 1
    assert _balance(cast.resident) == 5000


def test_open_case_from_callback_once(cast, sw, failed):
    case, corrections = domain.callback_follow_up(
        callback=failed, actor=sw.sue.user, open_case=True, presenting_need="服务未落实"
    )
    assert corrections == [] and case.source == Case.Source.CALLBACK
    assert case.resident == cast.resident and list(case.social_workers.all()) == [sw.sue]
    failed.refresh_from_db()
    assert failed.case == case
    with pytest.raises(ValidationError, match="已经开过个案"):
        domain.callback_follow_up(
            callback=failed, actor=sw.sue.user, open_case=True, presenting_need="再开"
        )
    assert Case.objects.count() == 1
    assert _balance(cast.resident) == 5000 - 1200  # no reversal asked for


def test_both_at_once_and_nothing_chosen_is_refused(cast, sw, failed):
    with pytest.raises(ValidationError, match="请选择"):
        domain.callback_follow_up(callback=failed, actor=sw.sue.user)
    with pytest.raises(ValidationError):
        domain.callback_follow_up(callback=failed, actor=sw.sue.user, reverse_charge=True)
    assert not LedgerEntry.objects.filter(kind="correction").exists()
    case, corrections = domain.callback_follow_up(
        callback=failed,
        actor=sw.sue.user,
        open_case=True,
        presenting_need="服务未落实",
        reverse_charge=True,
        reason="未上门",
    )
    assert case is not None and len(corrections) == 1


def test_a_case_failing_midway_rolls_back_the_reversal(cast, sw, failed):
    """Reversal and case open are one transaction: an invalid case reverses nothing."""
    with pytest.raises(ValidationError):
        domain.callback_follow_up(
            callback=failed,
            actor=sw.sue.user,
            open_case=True,
            presenting_need=" ",
            reverse_charge=True,
            reason="未上门",
        )
    assert not LedgerEntry.objects.filter(kind="correction").exists()
    assert not Case.objects.exists()


@pytest.mark.parametrize("who", ["ann", "vera", "community_staff", "street_staff", "member"])
def test_follow_up_refused_to_anyone_but_the_callbacks_worker(cast, sw, failed, who):
    user = getattr(sw, who).user if hasattr(sw, who) else getattr(cast, who)
    with pytest.raises(PermissionDenied):
        domain.callback_follow_up(callback=failed, actor=user, reverse_charge=True, reason="x")
    debit = LedgerEntry.objects.get(visit=failed.visit, kind="visit_debit")
    if who not in ("street_staff",):  # street staff correct ledgers of their area anyway
        with pytest.raises(PermissionDenied):
            ledger_entry_reverse(entry=debit, actor=user, reason="x")
    assert not LedgerEntry.objects.filter(kind="correction").exists()
    assert not Case.objects.exists()


def test_follow_up_refused_when_the_visit_happened_or_for_another_community(cast, sw, funded):
    confirmed = _failed_callback(cast.resident, cast.organization, sw.sue, happened=True)
    with pytest.raises(ValidationError, match="只有核实服务未按记录发生的回访"):
        domain.callback_follow_up(callback=confirmed, actor=sw.sue.user, open_case=True)
    f.ConsentFactory(resident=cast.other_resident)
    theirs = _failed_callback(cast.other_resident, cast.other_organization, sw.sam, price_fen=0)
    with pytest.raises(PermissionDenied):
        domain.callback_follow_up(
            callback=theirs, actor=sw.sue.user, open_case=True, presenting_need="x"
        )
    assert not Case.objects.exists()


def test_vouching_covers_only_the_visits_charges_not_credits(cast, sw, failed):
    credit = LedgerEntry.objects.get(kind="credit", account__resident=cast.resident)
    with pytest.raises(PermissionDenied):
        ledger_entry_reverse(entry=credit, actor=sw.sue.user, reason="顺手改一下")
    assert _balance(cast.resident) == 5000 - 1200


def test_free_visit_has_nothing_to_reverse(cast, sw, funded):
    callback = _failed_callback(cast.resident, cast.organization, sw.sue, price_fen=0)
    with pytest.raises(ValidationError, match="没有扣款"):
        domain.callback_follow_up(
            callback=callback, actor=sw.sue.user, reverse_charge=True, reason="未上门"
        )


def test_follow_up_pages(client, cast, sw, funded):
    visit = done_visit(resident=cast.resident, organization=cast.organization, price_fen=1200)
    visit_charge(visit=visit)
    callback = Callback.objects.create(visit=visit, social_worker=sw.sue, week_start="2026-11-23")
    client.force_login(sw.sue.user)
    response = client.post(
        reverse("casework:callback", args=[callback.pk]),
        {"reached": "1", "happened_as_logged": "0", "quality_score": "1", "comment": "没来"},
    )
    url = reverse("casework:callback_follow_up", args=[callback.pk])
    assert response.url == url
    assert cast.resident.name in client.get(reverse("casework:callbacks")).content.decode()
    page = client.get(url).content.decode()
    assert "服务扣款" in page

    response = client.post(url, {"reverse_charge": "on"})
    assert "请说明更正原因" in response.content.decode()
    response = client.post(
        url,
        {
            "open_case": "on",
            "presenting_need": "服务未落实",
            "reverse_charge": "on",
            "reason": "未上门",
        },
    )
    case = Case.objects.get()
    assert response.url == reverse("casework:case", args=[case.pk])
    assert _balance(cast.resident) == 5000

    client.force_login(sw.ann.user)
    assert client.get(url).status_code == 404
    client.force_login(cast.community_staff)
    assert client.get(url).status_code == 403
