"""Targets counted in activities held and residents assessed: the counts equal what a direct
query of the activities and casework records gives, and records outside the contracted
organization, communities or period, cancelled or unattended activities, and unsigned
assessments are left out."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from activities.models import Activity, Signup
from casework.instruments import instrument_current, instrument_load
from casework.models import Assessment
from projects import domain
from projects.models import ProjectCall, ServiceTarget
from projects.progress import contract_progress, contract_verified_total
from tests import factories as f
from tests.factories.activities import ActivityFactory
from tests.projects._support import apply, close, days, publish

ACTIVITIES = ServiceTarget.Kind.ACTIVITIES_HELD
ASSESSED = ServiceTarget.Kind.RESIDENTS_ASSESSED


def _spec(cast, kind, quantity=5, **extra):
    return {
        "kind": kind,
        "communities": [cast.community],
        "starts_on": days(-30),
        "ends_on": days(30),
        "quantity": quantity,
    } | extra


@pytest.fixture
def contract(cast):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    visits = _spec(cast, ServiceTarget.Kind.COMPLETED_VISITS, service_types=[bathing])
    call = publish(
        cast,
        communities=[cast.community, cast.other_community],
        targets=[visits, _spec(cast, ACTIVITIES, 4), _spec(cast, ASSESSED, 3)],
    )
    application = apply(cast, call)
    close(call)
    domain.call_decide(
        call=call, actor=cast.civil, awarded_ids={application.pk}, reasons={application.pk: "好"}
    )
    return domain.contract_sign(
        application=application, actor=cast.civil, starts_on=days(-30), ends_on=days(30)
    )


def _held(community, *, organization=None, team=None, hours_ago=3, attended=True, **fields):
    ends = timezone.now() - datetime.timedelta(hours=hours_ago)
    activity = ActivityFactory(
        venue=f.VenueFactory(community=community),
        organization=organization,
        team=team,
        starts_at=ends - datetime.timedelta(hours=2),
        ends_at=ends,
        **fields,
    )
    Signup.objects.create(
        activity=activity,
        resident=f.ResidentFactory(community=community),
        status=Signup.Status.CONFIRMED,
        channel=Signup.Channel.SELF,
        attended_at=ends - datetime.timedelta(hours=1) if attended else None,
    )
    return activity


def _assessed(resident, signer, *, when=None, status=Assessment.Status.SIGNED):
    when = when or timezone.now() - datetime.timedelta(days=1)
    signed = status != Assessment.Status.DRAFT
    return Assessment.objects.create(
        resident=resident,
        # A flush by a transactional test elsewhere removes the migration's instrument.
        instrument=instrument_current() or instrument_load(),
        assessor=signer,
        status=status,
        total=80 if signed else None,
        signed_by=signer if signed else None,
        signed_at=when if signed else None,
        effective_at=when if status == Assessment.Status.SIGNED else None,
    )


def _by_kind(contract):
    return {p.target.kind: p for p in contract_progress(contract=contract)}


def test_targets_copied_to_the_contract_with_their_kinds(contract):
    kinds = sorted(contract.targets.values_list("kind", "quantity"))
    assert kinds == [("activities_held", 4), ("completed_visits", 5), ("residents_assessed", 3)]


def test_activities_held_counted_from_attendance_records(cast, contract):
    org = cast.organization
    worker = f.SocialWorkerFactory(organization=org)
    team = f.VolunteerTeamFactory(community=cast.community, leader=worker)
    counted = [_held(cast.community, organization=org), _held(cast.community, team=team)]
    # Left out: another organization, another community, cancelled, nobody attended,
    # not yet ended, ended before the period.
    _held(cast.community, organization=cast.other_organization)
    _held(cast.other_community, organization=org)
    _held(cast.community, organization=org, status=Activity.Status.CANCELLED)
    _held(cast.community, organization=org, attended=False)
    _held(cast.community, organization=org, hours_ago=-3)
    _held(cast.community, organization=org, hours_ago=24 * 40)

    direct = Activity.objects.filter(
        Q(organization=org) | Q(team__leader__organization=org),
        status="published",
        community=cast.community,
        signups__attended_at__isnull=False,
        ends_at__lte=timezone.now(),
        ends_at__gte=timezone.now() - datetime.timedelta(days=31),
    ).distinct()
    assert {a.pk for a in direct} == {a.pk for a in counted}
    progress = _by_kind(contract)[ACTIVITIES]
    assert progress.delivered == direct.count() == 2
    # Activities never open a milestone gated on verified visits.
    assert contract_verified_total(contract=contract) == 0


def test_residents_assessed_counted_once_each_from_signed_assessments(cast, contract):
    worker = f.SocialWorkerFactory(
        organization=cast.organization, user=f.UserFactory(username="sw-org")
    )
    outsider = f.SocialWorkerFactory(
        organization=cast.other_organization, user=f.UserFactory(username="sw-other")
    )
    first, second = (f.ResidentFactory(community=cast.community) for _ in range(2))
    _assessed(first, worker.user)
    _assessed(first, worker.user, when=timezone.now() - datetime.timedelta(hours=2))
    _assessed(second, worker.user)
    # Left out: unsigned, signed by another organization's worker, another community,
    # signed before the period.
    _assessed(f.ResidentFactory(community=cast.community), worker.user, status="draft")
    _assessed(f.ResidentFactory(community=cast.community), outsider.user)
    _assessed(f.ResidentFactory(community=cast.other_community), worker.user)
    _assessed(
        f.ResidentFactory(community=cast.community),
        worker.user,
        when=timezone.now() - datetime.timedelta(days=45),
    )

    direct = (
        Assessment.objects.filter(
            status="signed",
            signed_by__social_worker__organization=cast.organization,
            resident__community=cast.community,
            effective_at__date__gte=days(-30),
        )
        .values("resident")
        .distinct()
    )
    progress = _by_kind(contract)[ASSESSED]
    assert progress.delivered == direct.count() == 2
    assert progress.mean_rating is None and progress.rating_met is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "paperwork"}, "未知的指标类型"),
        ({"service_types": "bathing"}, "只有上门服务指标"),
        ({"min_mean_rating": 4}, "只有上门服务指标"),
        ({"communities": []}, "须指定服务类型和社区"),
        ({"quantity": 0}, "目标数量须大于零"),
    ],
)
def test_bad_target_refused_and_no_call_published(cast, change, message):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    if change.get("service_types") == "bathing":
        change = {"service_types": [bathing]}
    with pytest.raises(ValidationError, match=message):
        publish(cast, targets=[_spec(cast, ACTIVITIES) | change])
    assert not ServiceTarget.objects.exists()
    assert not ProjectCall.objects.exists()


def test_contract_page_names_each_kind_with_its_count(client, cast, contract):
    _held(cast.community, organization=cast.organization)
    client.force_login(cast.member)
    page = client.get(f"/projects/contracts/{contract.pk}/").content.decode()
    assert "举办社区活动" in page and "完成能力评估" in page and "完成上门服务：助浴" in page
    assert "1（25%）" in page  # one of four activities held
