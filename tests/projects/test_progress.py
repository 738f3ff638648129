"""Verified output equals counts made directly from the database; nothing else counts."""

import datetime

from django.utils import timezone

from casework.models import Callback
from projects.progress import contract_progress, contract_verified_total
from services.models import Feedback, Visit
from tests import factories as f
from tests.projects._support import awarded_contract, days, verified_visit


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def test_contract_progress_counts_only_verified_visits_in_scope(cast):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    contract = awarded_contract(cast, service_type=bathing)
    org, here = cast.organization, cast.community
    counted = [
        verified_visit(organization=org, community=here, service_type=bathing, rating=5),
        verified_visit(organization=org, community=here, service_type=bathing, rating=3),
        verified_visit(organization=org, community=here, service_type=bathing, when=_at(days(-30))),
        verified_visit(organization=org, community=here, service_type=bathing, when=_at(days(-2))),
    ]
    # Outside: another community, before the period, another service type, another
    # organization, never checked in/out, missed.
    verified_visit(organization=org, community=cast.other_community, service_type=bathing)
    verified_visit(organization=org, community=here, service_type=bathing, when=_at(days(-31)))
    verified_visit(organization=org, community=here, service_type=f.ServiceTypeFactory())
    verified_visit(organization=cast.other_organization, community=here, service_type=bathing)
    verified_visit(
        organization=org,
        community=here,
        service_type=bathing,
        checked_in_at=None,
        checked_out_at=None,
    )
    verified_visit(organization=org, community=here, service_type=bathing, status="missed")

    direct = Visit.objects.filter(
        status="completed",
        checked_in_at__isnull=False,
        checked_out_at__isnull=False,
        offering__organization=org,
        request__resident__community=here,
        request__service_type=bathing,
        checked_out_at__date__gte=days(-30),
        checked_out_at__date__lte=days(30),
    )
    assert set(direct) == set(counted)
    [progress] = contract_progress(contract=contract)
    assert progress.delivered == direct.count() == 4
    assert progress.rated == Feedback.objects.filter(visit__in=direct).count() == 2
    assert str(progress.mean_rating) == "4.00"
    assert contract_verified_total(contract=contract) == 4


def test_contract_progress_forecast_at_current_pace(cast):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    contract = awarded_contract(cast, service_type=bathing)
    for _ in range(3):
        verified_visit(
            organization=cast.organization, community=cast.community, service_type=bathing
        )
    # Period days(-30)..days(30) = 61 days, 31 elapsed including today.
    [progress] = contract_progress(contract=contract)
    assert progress.expected_by_now == 10 * 31 // 61
    assert progress.forecast == 3 * 61 // 31
    assert not progress.on_track


def test_contract_progress_rating_threshold(cast):
    from decimal import Decimal

    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    contract = awarded_contract(cast, service_type=bathing)
    contract.targets.update(min_mean_rating=Decimal("4.50"))
    verified_visit(
        organization=cast.organization, community=cast.community, service_type=bathing, rating=4
    )
    [progress] = contract_progress(contract=contract)
    assert progress.rating_met is False


def test_contract_progress_drops_visits_a_callback_disputed(cast):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    contract = awarded_contract(cast, service_type=bathing)
    worker = f.SocialWorkerFactory(organization=cast.organization)
    org, here = cast.organization, cast.community
    confirmed, disputed, pending = (
        verified_visit(organization=org, community=here, service_type=bathing) for _ in range(3)
    )
    answers = ((confirmed, "done", True), (disputed, "done", False), (pending, "pending", None))
    for visit, status, happened in answers:
        Callback.objects.create(
            visit=visit,
            social_worker=worker,
            week_start=days(-7),
            status=status,
            happened_as_logged=happened,
            done_at=timezone.now() if status == "done" else None,
        )
    [progress] = contract_progress(contract=contract)
    assert (progress.delivered, progress.confirmed_by_callback) == (2, 1)
