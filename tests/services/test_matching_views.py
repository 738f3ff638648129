"""Matching pages: scope, roles, confirming, manual assignment and the organization inbox."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from services.matching.domain import match_confirm
from services.matching.io import matching_run
from services.matching.jobs import matching_job_start
from services.matching.models import MatchingJob
from services.models import Match, MatchingRun, OfferingWeek, ServiceRequest
from services.offerings.models import week_start_of
from tests import factories as f

# Matching plans next week (clock.next_monday): it refuses weeks that have already passed.


@pytest.fixture
def scene(cast):
    service_type = f.ServiceTypeFactory(code="cleaning", name="助洁")
    offering = f.OfferingFactory(
        organization=cast.organization, service_type=service_type, weekly_capacity=1
    )
    f.OfferingWindowFactory(offering=offering, weekday=0)
    urgent = f.ServiceRequestFactory(resident=cast.resident, service_type=service_type, urgent=True)
    calm = f.ServiceRequestFactory(
        resident=f.ResidentFactory(community=cast.community), service_type=service_type
    )
    return cast, offering, urgent, calm


def _midweek(week: datetime.date) -> str:
    return (week + datetime.timedelta(days=2)).isoformat()  # any day of the week will do


def _run(client, cast, week: datetime.date, user=None):
    """Post the run form and let its Celery task (eager in tests) run after commit."""
    client.force_login(user or cast.street_staff)
    scope = f"street:{cast.east_street.pk}"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("matching:run"), {"scope": scope, "week_start": _midweek(week)}
        )
    job = MatchingJob.objects.get()
    assert response.url == reverse("matching:job", args=[job.pk])
    return client.get(response.url)  # the job page sends a finished run to its proposals


def test_run_page_offers_only_the_users_scope(client, cast):
    client.force_login(cast.community_staff)
    response = client.get(reverse("matching:run"))
    choices = dict(response.context["form"].fields["scope"].choices)
    assert choices == {f"community:{cast.community.pk}": str(cast.community)}


def test_run_creates_proposals_and_shows_them_masked(client, scene, clock):
    cast, _offering, urgent, _calm = scene
    response = _run(client, cast, clock.next_monday)
    run = MatchingRun.objects.get()
    assert response.url == reverse("matching:run_detail", args=[run.pk])
    assert run.week_start == clock.next_monday
    assert list(run.matches.values_list("request", "status")) == [(urgent.pk, "proposed")]
    page = client.get(response.url).content.decode()
    assert cast.resident.name in page
    assert cast.resident.masked_phone in page
    assert cast.resident.phone not in page
    assert "紧急" in page


def test_run_rejects_a_scope_outside_the_user(client, scene, clock):
    cast, *_ = scene
    client.force_login(cast.street_staff)
    response = client.post(
        reverse("matching:run"),
        {"scope": f"street:{cast.west_street.pk}", "week_start": _midweek(clock.next_monday)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["scope"]
    assert not MatchingRun.objects.exists()


def test_community_staff_cannot_run_a_whole_street(client, scene, clock):
    cast, *_ = scene
    client.force_login(cast.community_staff)
    response = client.post(
        reverse("matching:run"),
        {"scope": f"street:{cast.east_street.pk}", "week_start": _midweek(clock.next_monday)},
    )
    assert response.context["form"].errors["scope"]
    assert not MatchingRun.objects.exists()


@pytest.mark.parametrize("who", ["member", "family"])
def test_matching_pages_refuse_wrong_roles(client, scene, who):
    cast, *_ = scene
    client.force_login(getattr(cast, who))
    for name in ("matching:run", "matching:list", "matching:assign"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("matching:run"), {}).status_code == 403


def test_run_detail_of_another_street_is_not_found(client, scene, clock):
    cast, *_ = scene
    _run(client, cast, clock.next_monday)
    run = MatchingRun.objects.get()
    client.force_login(cast.other_street_staff)
    assert client.get(reverse("matching:run_detail", args=[run.pk])).status_code == 404
    response = client.post(reverse("matching:run_confirm", args=[run.pk]), {"all": "1"})
    assert response.status_code == 404
    assert Match.objects.get().status == Match.Status.PROPOSED


def test_confirm_selected_takes_places(client, scene, clock):
    cast, offering, urgent, _calm = scene
    _run(client, cast, clock.next_monday)
    run = MatchingRun.objects.get()
    match = run.matches.get()
    client.post(reverse("matching:run_confirm", args=[run.pk]), {"match": [str(match.pk)]})
    match.refresh_from_db()
    assert match.status == Match.Status.CONFIRMED
    assert OfferingWeek.objects.get(offering=offering, week_start=clock.next_monday).reserved == 1
    assert ServiceRequest.objects.get(pk=urgent.pk).status == "matched"


def test_confirm_all_reports_full_offerings_and_changes_nothing_for_them(client, scene, clock):
    cast, offering, _urgent, _calm = scene
    _run(client, cast, clock.next_monday)
    run = MatchingRun.objects.get()
    OfferingWeek.objects.create(
        offering=offering, week_start=clock.next_monday, capacity=1, reserved=1
    )
    response = client.post(
        reverse("matching:run_confirm", args=[run.pk]), {"all": "1"}, follow=True
    )
    assert "名额已满" in response.content.decode()
    assert run.matches.get().status == Match.Status.PROPOSED


def test_match_list_filters(client, scene):
    cast, offering, urgent, calm = scene
    f.MatchFactory(request=urgent, offering=offering, status=Match.Status.CONFIRMED)
    f.MatchFactory(request=calm, offering=offering, status=Match.Status.DECLINED)
    f.MatchFactory(
        request=f.ServiceRequestFactory(resident=cast.other_resident),
        status=Match.Status.CONFIRMED,
    )
    client.force_login(cast.street_staff)
    response = client.get(reverse("matching:list"), {"status": "confirmed"})
    assert [m.request for m in response.context["page_obj"]] == [urgent]
    response = client.get(reverse("matching:list"), {"q": calm.resident.name})
    assert [m.request for m in response.context["page_obj"]] == [calm]


def _queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["matching:list", "matching:inbox"])
def test_match_lists_use_a_fixed_number_of_queries(client, scene, name):
    """The count (base page included) must not grow with the rows shown."""
    cast, offering, *_ = scene
    user = cast.member if name == "matching:inbox" else cast.street_staff
    client.force_login(user)
    f.MatchFactory(
        offering=offering, request__resident__community=cast.community, status="confirmed"
    )
    few = _queries_of(client, reverse(name))
    for _ in range(6):
        f.MatchFactory(
            offering=offering, request__resident__community=cast.community, status="confirmed"
        )
    assert _queries_of(client, reverse(name)) == few


def test_assign_creates_a_confirmed_match(client, scene, clock):
    cast, offering, urgent, _calm = scene
    client.force_login(cast.community_staff)
    data = {
        "request": urgent.pk,
        "offering": offering.pk,
        "week_start": clock.next_monday.isoformat(),
    }
    response = client.post(reverse("matching:assign"), {**data, "reason": "家属来电"})
    assert response.status_code == 302
    match = Match.objects.get(request=urgent)
    assert (match.status, match.offering) == (Match.Status.CONFIRMED, offering)


def test_assign_bad_input_shows_errors_and_changes_nothing(client, scene, clock):
    cast, offering, urgent, _calm = scene
    OfferingWeek.objects.create(
        offering=offering, week_start=clock.next_monday, capacity=1, reserved=1
    )
    client.force_login(cast.community_staff)
    data = {
        "request": urgent.pk,
        "offering": offering.pk,
        "week_start": clock.next_monday.isoformat(),
    }
    no_reason = client.post(reverse("matching:assign"), {**data, "reason": " "})
    assert no_reason.context["form"].errors["reason"]
    full = client.post(reverse("matching:assign"), {**data, "reason": "急"})
    assert "名额已满" in str(full.context["form"].non_field_errors())
    foreign = f.ServiceRequestFactory(resident=cast.other_resident)
    other = client.post(reverse("matching:assign"), {**data, "request": foreign.pk, "reason": "急"})
    assert other.context["form"].errors["request"]
    assert not Match.objects.exists()
    assert OfferingWeek.objects.get(offering=offering).reserved == 1


def _confirmed(cast, offering, request, week: datetime.date):
    return f.MatchFactory(
        request=request,
        offering=offering,
        week_start=week,
        status=Match.Status.CONFIRMED,
        expires_at=timezone.now() + datetime.timedelta(hours=48),
    )


def test_inbox_lists_only_the_members_confirmed_matches(client, scene, clock):
    cast, offering, urgent, _calm = scene
    mine = _confirmed(cast, offering, urgent, clock.next_monday)
    f.MatchFactory(offering=offering, status=Match.Status.PROPOSED)
    elsewhere = f.OfferingFactory(organization=cast.other_organization)
    _confirmed(
        cast, elsewhere, f.ServiceRequestFactory(resident=cast.other_resident), clock.next_monday
    )
    client.force_login(cast.member)
    response = client.get(reverse("matching:inbox"))
    assert list(response.context["page_obj"]) == [mine]
    assert cast.resident.phone not in response.content.decode()


def test_inbox_refuses_staff(client, scene):
    cast, *_ = scene
    client.force_login(cast.street_staff)
    assert client.get(reverse("matching:inbox")).status_code == 403


def test_accept_and_decline_by_the_member(client, scene, clock):
    cast, offering, urgent, calm = scene
    OfferingWeek.objects.create(
        offering=offering, week_start=clock.next_monday, capacity=2, reserved=2
    )
    accepted = _confirmed(cast, offering, urgent, clock.next_monday)
    declined = _confirmed(cast, offering, calm, clock.next_monday)
    client.force_login(cast.member)
    client.post(reverse("matching:accept", args=[accepted.pk]))
    client.post(reverse("matching:decline", args=[declined.pk]), {"reason": "周一没有人手"})
    accepted.refresh_from_db()
    declined.refresh_from_db()
    assert (accepted.status, declined.status) == ("accepted", "declined")
    assert OfferingWeek.objects.get(offering=offering).reserved == 1
    assert ServiceRequest.objects.get(pk=calm.pk).status == "open"


def test_accepting_a_match_links_to_where_it_is_scheduled(client, scene, clock):
    cast, offering, urgent, _calm = scene
    OfferingWeek.objects.create(
        offering=offering, week_start=clock.next_monday, capacity=1, reserved=1
    )
    match = _confirmed(cast, offering, urgent, clock.next_monday)
    client.force_login(cast.member)
    inbox = client.post(reverse("matching:accept", args=[match.pk]), follow=True)
    schedule = reverse("services:visit_schedule", args=[match.pk])
    assert f'<a class="alert-link" href="{schedule}">' in inbox.content.decode()
    assert client.get(schedule).status_code == 200


def test_decline_without_reason_changes_nothing(client, scene, clock):
    cast, offering, urgent, _calm = scene
    match = _confirmed(cast, offering, urgent, clock.next_monday)
    client.force_login(cast.member)
    client.post(reverse("matching:decline", args=[match.pk]), {"reason": ""})
    assert Match.objects.get(pk=match.pk).status == Match.Status.CONFIRMED


def test_accept_by_other_organization_is_not_found_and_staff_forbidden(client, scene, clock):
    cast, offering, urgent, _calm = scene
    match = _confirmed(cast, offering, urgent, clock.next_monday)
    client.force_login(cast.other_member)
    assert client.post(reverse("matching:accept", args=[match.pk])).status_code == 404
    assert (
        client.post(reverse("matching:decline", args=[match.pk]), {"reason": "x"}).status_code
        == 404
    )
    client.force_login(cast.street_staff)
    assert client.post(reverse("matching:accept", args=[match.pk])).status_code == 403
    assert Match.objects.get(pk=match.pk).status == Match.Status.CONFIRMED


def test_accept_needs_post(client, scene, clock):
    cast, offering, urgent, _calm = scene
    match = _confirmed(cast, offering, urgent, clock.next_monday)
    client.force_login(cast.member)
    assert client.get(reverse("matching:accept", args=[match.pk])).status_code == 405
    assert Match.objects.get(pk=match.pk).status == Match.Status.CONFIRMED


# --- past weeks and empty confirmations -----------------------------------------------------


def test_run_form_refuses_a_past_week_beside_the_field(client, scene, clock):
    cast, *_ = scene
    client.force_login(cast.street_staff)
    last_week = clock.monday - datetime.timedelta(days=1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("matching:run"),
            {"scope": f"street:{cast.east_street.pk}", "week_start": last_week.isoformat()},
        )
    assert response.status_code == 200
    assert "服务周已过去" in str(response.context["form"].errors["week_start"])
    assert not MatchingJob.objects.exists() and not MatchingRun.objects.exists()
    assert not Match.objects.exists()


def test_run_form_accepts_the_current_week(client, scene, clock):
    cast, *_ = scene
    client.force_login(cast.street_staff)
    today = clock.today
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            reverse("matching:run"),
            {"scope": f"street:{cast.east_street.pk}", "week_start": today.isoformat()},
        )
    assert MatchingRun.objects.get().week_start == week_start_of(today)


def test_matching_domain_refuses_a_past_week_for_any_caller(scene, clock):
    cast, *_ = scene
    past = clock.monday - datetime.timedelta(weeks=3)
    with pytest.raises(ValidationError) as refused:
        matching_run(user=cast.street_staff, street=cast.east_street, week_start=past)
    assert "week_start" in refused.value.message_dict
    with pytest.raises(ValidationError):
        matching_job_start(user=cast.street_staff, street=cast.east_street, week_start=past)
    assert not MatchingRun.objects.exists() and not MatchingJob.objects.exists()


def test_confirm_refuses_proposals_of_a_week_that_has_passed(client, scene, clock):
    cast, offering, urgent, _calm = scene
    _run(client, cast, clock.next_monday)
    run = MatchingRun.objects.get()
    match = run.matches.get()
    past = clock.monday - datetime.timedelta(weeks=1)
    MatchingRun.objects.filter(pk=run.pk).update(week_start=past)
    Match.objects.filter(pk=match.pk).update(week_start=past)
    response = client.post(
        reverse("matching:run_confirm", args=[run.pk]), {"match": [str(match.pk)]}, follow=True
    )
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert [level for level, _text in shown] == ["error"]
    assert "已过去" in shown[0][1]
    match.refresh_from_db()
    assert match.status == Match.Status.PROPOSED
    assert ServiceRequest.objects.get(pk=urgent.pk).status == "open"
    assert not OfferingWeek.objects.filter(offering=offering, reserved__gt=0).exists()


def test_match_confirm_refuses_a_past_week_in_the_domain(scene, clock):
    cast, offering, urgent, _calm = scene
    past = clock.monday - datetime.timedelta(weeks=1)
    match = f.MatchFactory(request=urgent, offering=offering, week_start=past)
    with pytest.raises(ValidationError):
        match_confirm(match=match, user=cast.street_staff)
    match.refresh_from_db()
    assert match.status == Match.Status.PROPOSED
    assert not OfferingWeek.objects.filter(offering=offering, reserved__gt=0).exists()


def test_confirm_with_nothing_ticked_asks_to_tick_and_confirms_nothing(client, scene, clock):
    cast, *_ = scene
    _run(client, cast, clock.next_monday)
    run = MatchingRun.objects.get()
    response = client.post(reverse("matching:run_confirm", args=[run.pk]), {}, follow=True)
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert shown == [("error", "请至少勾选一条匹配建议再确认。")]
    assert "已确认 0 条匹配" not in response.content.decode()
    assert run.matches.get().status == Match.Status.PROPOSED
    assert not OfferingWeek.objects.filter(reserved__gt=0).exists()
