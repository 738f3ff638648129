"""Mutual help: hours earned on confirmed help, spent on self or registered family."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from activities.domain.timebank import help_confirm, help_report, time_bank_spend
from activities.models import HelpRecord, TimeBankAccount, TimeBankEntry
from tests import factories as f

DAY = datetime.date(2026, 11, 30)


@pytest.fixture
def neighbour(cast):
    return f.ResidentFactory(community=cast.community, name="王奶奶")


def _earned(cast, neighbour, minutes=90):
    record = help_report(
        actor=cast.community_staff,
        helper=cast.resident,
        helped=neighbour,
        kind=HelpRecord.Kind.CLINIC,
        day=DAY,
        minutes=minutes,
    )
    help_confirm(actor=cast.community_staff, help_record=record)
    return record


def test_confirmed_help_earns_hours_once(cast, neighbour):
    record = _earned(cast, neighbour)
    assert TimeBankAccount.objects.get(resident=cast.resident).balance_minutes == 90
    with pytest.raises(ValidationError, match="处理过"):
        help_confirm(actor=cast.community_staff, help_record=record)
    assert TimeBankEntry.objects.filter(kind="earn").count() == 1


def test_unconfirmed_help_earns_nothing(cast, neighbour):
    help_report(
        actor=cast.community_staff,
        helper=cast.resident,
        helped=neighbour,
        kind="company",
        day=DAY,
        minutes=60,
    )
    assert not TimeBankAccount.objects.filter(balance_minutes__gt=0).exists()


@pytest.mark.parametrize("who", ["other_street_staff", "member", "family"])
def test_others_cannot_report_or_confirm(cast, neighbour, who):
    actor = getattr(cast, who)
    with pytest.raises(PermissionDenied):
        help_report(
            actor=actor, helper=cast.resident, helped=neighbour, kind="company", day=DAY, minutes=60
        )
    record = HelpRecord.objects.create(
        helper=cast.resident, helped=neighbour, kind="company", day=DAY, minutes=60
    )
    with pytest.raises(PermissionDenied):
        help_confirm(actor=actor, help_record=record)
    assert not TimeBankEntry.objects.exists()


@pytest.mark.parametrize(
    ("helped", "minutes", "message"),
    [("self", 60, "自己"), ("other_resident", 60, "同一社区"), ("neighbour", 0, "时长")],
)
def test_bad_help_is_refused(cast, neighbour, helped, minutes, message):
    target = {"self": cast.resident, "other_resident": cast.other_resident, "neighbour": neighbour}[
        helped
    ]
    with pytest.raises(ValidationError, match=message):
        help_report(
            actor=cast.civil,
            helper=cast.resident,
            helped=target,
            kind="company",
            day=DAY,
            minutes=minutes,
        )
    assert not HelpRecord.objects.exists()


def test_spend_on_self_and_registered_family_never_below_zero(cast, neighbour):
    _earned(cast, neighbour, minutes=90)
    spouse = f.ResidentFactory(community=cast.community)
    f.FamilyMemberFactory(user=cast.resident.user, resident=spouse)
    time_bank_spend(
        actor=cast.resident.user,
        holder=cast.resident,
        beneficiary=spouse,
        minutes=60,
        reason="代购",
    )
    with pytest.raises(ValidationError, match="余额不足"):
        time_bank_spend(
            actor=cast.community_staff,
            holder=cast.resident,
            beneficiary=cast.resident,
            minutes=31,
            reason="陪伴",
        )
    time_bank_spend(
        actor=cast.community_staff,
        holder=cast.resident,
        beneficiary=cast.resident,
        minutes=30,
        reason="陪伴",
    )
    assert TimeBankAccount.objects.get(resident=cast.resident).balance_minutes == 0
    assert list(TimeBankEntry.objects.order_by("pk").values_list("minutes", flat=True)) == [
        90,
        -60,
        -30,
    ]


def test_spend_refused_for_strangers_and_others(cast, neighbour):
    _earned(cast, neighbour)
    with pytest.raises(ValidationError, match="家庭成员"):
        time_bank_spend(
            actor=cast.community_staff,
            holder=cast.resident,
            beneficiary=neighbour,
            minutes=10,
            reason="x",
        )
    with pytest.raises(PermissionDenied):
        time_bank_spend(
            actor=cast.other_street_staff,
            holder=cast.resident,
            beneficiary=cast.resident,
            minutes=10,
            reason="x",
        )
    with pytest.raises(ValidationError):
        time_bank_spend(
            actor=cast.community_staff,
            holder=cast.resident,
            beneficiary=cast.resident,
            minutes=10,
            reason=" ",
        )
    assert TimeBankAccount.objects.get(resident=cast.resident).balance_minutes == 90
