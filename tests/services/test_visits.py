"""Visits: scheduling accepted matches, weekly plans, the worker's steps, feedback."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from sanlian.models import AuditEntry
from sanlian.roles import Role
from services.care.domain.visits import (
    visit_plan_extend,
    visit_reschedule,
    visit_schedule,
)
from services.care.tasks import task_extend_visit_plans
from services.models import Feedback, Match, OfferingWeek, ServiceRequest, Visit, VisitPlan
from services.offerings.models import week_start_of
from tests import factories as f

FORM_TIME = "%Y-%m-%dT%H:%M"


@pytest.fixture
def accepted(cast, clock):
    """An accepted match of the cast's resident with the cast's organization (Mondays 9–12),
    and the clock its visits are scheduled by."""
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    f.OfferingWindowFactory(offering=offering, weekday=0)
    service_request = f.ServiceRequestFactory(
        resident=cast.resident, service_type=offering.service_type, status="matched"
    )
    match = f.MatchFactory(request=service_request, offering=offering, status="accepted")
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(username="worker", role=Role.SOCIAL_WORKER),
        organization=cast.organization,
    )
    other_worker = f.SocialWorkerFactory(
        user=f.UserFactory(username="worker2", role=Role.SOCIAL_WORKER),
        organization=cast.organization,
    )
    return SimpleNamespace(
        cast=cast,
        offering=offering,
        request=service_request,
        match=match,
        worker=worker,
        other_worker=other_worker,
        clock=clock,
    )


def _schedule_post(client, user, accepted, **overrides):
    client.force_login(user)
    start = accepted.clock.next_weekday(0, datetime.time(10, 0))
    data = {
        "scheduled_start": start.strftime(FORM_TIME),
        "social_worker": accepted.worker.pk,
        **overrides,
    }
    return client.post(reverse("services:visit_schedule", args=[accepted.match.pk]), data)


def _visit_today(accepted, **kwargs) -> Visit:
    """A visit due at today's midnight (already past, still today), assigned to the worker."""
    accepted.request.status = "scheduled"
    accepted.request.save()
    fields = {
        "request": accepted.request,
        "offering": accepted.offering,
        "match": accepted.match,
        "social_worker": accepted.worker,
        "scheduled_start": accepted.clock.at(accepted.clock.today, datetime.time.min),
        **kwargs,
    }
    return f.VisitFactory(**fields)


def _messages(response) -> list[str]:
    """The messages waiting for the user after `response`: none is shown between posts."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def _visit_audit(**filters):
    return AuditEntry.objects.filter(object_type="services.visit", **filters)


def _next_at(weekday: int, hour: int):
    """The form value of the next such weekday at `hour`, read from the clock in the test."""
    return lambda clock: clock.next_weekday(weekday, datetime.time(hour)).strftime(FORM_TIME)


# --- scheduling ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "community_staff", "street_staff"])
def test_visit_schedule_by_organization_or_staff(client, accepted, who):
    response = _schedule_post(client, getattr(accepted.cast, who), accepted)

    visit = Visit.objects.get()
    accepted.request.refresh_from_db()
    assert response.status_code == 302
    assert visit.social_worker == accepted.worker
    assert timezone.localtime(visit.scheduled_start).time() == datetime.time(10, 0)
    assert visit.duration_minutes == accepted.offering.service_type.default_duration_minutes
    assert accepted.request.status == ServiceRequest.Status.SCHEDULED
    assert AuditEntry.objects.filter(object_type="services.visit", action="create").exists()


@pytest.mark.parametrize("who", ["other_member", "other_street_staff"])
def test_visit_schedule_by_other_organization_or_street_is_not_found(client, accepted, who):
    response = _schedule_post(client, getattr(accepted.cast, who), accepted)

    accepted.request.refresh_from_db()
    accepted.match.refresh_from_db()
    assert response.status_code == 404
    assert Visit.objects.count() == 0 and VisitPlan.objects.count() == 0
    assert accepted.request.status == ServiceRequest.Status.MATCHED
    assert accepted.match.status == Match.Status.ACCEPTED
    assert not AuditEntry.objects.exists()


def test_visit_schedule_by_resident_is_forbidden(client, accepted):
    response = _schedule_post(client, accepted.cast.resident.user, accepted)

    accepted.request.refresh_from_db()
    assert response.status_code == 403
    assert Visit.objects.count() == 0 and VisitPlan.objects.count() == 0
    assert accepted.request.status == ServiceRequest.Status.MATCHED
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"scheduled_start": "2020-01-06T10:00"}, "晚于现在"),
        # Computed when the test runs, from the clock: see _next_at.
        ({"scheduled_start": _next_at(1, 10)}, "服务时段"),
        ({"scheduled_start": _next_at(0, 12)}, "服务时段"),
        ({"social_worker": ""}, "至少指定一名"),
        ({"scheduled_start": "明天"}, "有效的日期"),
        ({"weekly": "on", "until": "2020-01-01"}, "截止日期"),
        ({"scheduled_start": "9999-12-31T10:00"}, "两年之内"),
        ({"scheduled_start": "2100-01-04T10:00"}, "两年之内"),
        ({"weekly": "on", "until": "2100-01-04"}, "两年之内"),
    ],
)
def test_visit_schedule_invalid_input_changes_nothing(client, accepted, overrides, message):
    overrides = {k: v(accepted.clock) if callable(v) else v for k, v in overrides.items()}
    response = _schedule_post(client, accepted.cast.member, accepted, **overrides)

    accepted.request.refresh_from_db()
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Visit.objects.count() == 0 and VisitPlan.objects.count() == 0
    assert accepted.request.status == ServiceRequest.Status.MATCHED
    assert not AuditEntry.objects.exists()


def test_visit_schedule_worker_of_other_organization_is_refused(accepted, clock):
    outsider = f.SocialWorkerFactory(organization=accepted.cast.other_organization)

    with pytest.raises(ValidationError):
        visit_schedule(
            match=accepted.match,
            scheduled_start=clock.next_weekday(0, datetime.time(10)),
            social_worker=outsider,
            actor=accepted.cast.member,
        )
    assert Visit.objects.count() == 0


@pytest.mark.parametrize("status", ["proposed", "confirmed", "declined"])
def test_visit_schedule_needs_an_accepted_match(accepted, status, clock):
    Match.objects.filter(pk=accepted.match.pk).update(status=status)

    with pytest.raises(ValidationError, match="已接受"):
        visit_schedule(
            match=accepted.match,
            scheduled_start=clock.next_weekday(0, datetime.time(10)),
            social_worker=accepted.worker,
            actor=accepted.cast.member,
        )
    assert Visit.objects.count() == 0


def test_visit_schedule_twice_for_one_match_is_refused(accepted, clock):
    kwargs = {
        "match": accepted.match,
        "scheduled_start": clock.next_weekday(0, datetime.time(10)),
        "social_worker": accepted.worker,
        "actor": accepted.cast.member,
    }
    visit_schedule(**kwargs)

    with pytest.raises(ValidationError):
        visit_schedule(**kwargs)
    assert Visit.objects.count() == 1


def test_visit_schedule_day_care_uses_the_offering_venue(accepted, clock):
    venue = f.VenueFactory(community=accepted.cast.community)
    day_care = f.ServiceTypeFactory(code="day-care", name="日托", care_mode="day_care")
    accepted.offering.venue = venue
    accepted.offering.service_type = day_care
    accepted.offering.save()

    visit = visit_schedule(
        match=accepted.match,
        scheduled_start=clock.next_weekday(0, datetime.time(9, 30)),
        staff_member=accepted.cast.member,
        actor=accepted.cast.member,
    )

    assert visit.venue == venue


# --- weekly plans --------------------------------------------------------------------------


def test_weekly_plan_creates_the_next_mondays_and_is_idempotent(accepted, clock):
    first = clock.next_weekday(0, datetime.time(10))

    visit = visit_schedule(
        match=accepted.match,
        scheduled_start=first,
        social_worker=accepted.worker,
        actor=accepted.cast.member,
        weekly=True,
    )
    again = visit_plan_extend(plan=visit.plan)

    starts = list(
        Visit.objects.order_by("scheduled_start").values_list("scheduled_start", flat=True)
    )
    horizon = clock.today + datetime.timedelta(weeks=4)
    expected = [first + datetime.timedelta(weeks=n) for n in range(5)]
    assert starts == [start for start in expected if start.date() <= horizon]
    assert again.created == [] and again.full_weeks == []
    assert all(v.social_worker == accepted.worker for v in Visit.objects.all())
    assert visit.plan.weekday == 0 and visit.plan.start_time == datetime.time(10)


def test_weekly_plan_stops_at_until(accepted, clock):
    first = clock.next_weekday(0, datetime.time(10))

    visit_schedule(
        match=accepted.match,
        scheduled_start=first,
        social_worker=accepted.worker,
        actor=accepted.cast.member,
        weekly=True,
        until=(first + datetime.timedelta(weeks=1)).date(),
    )

    assert Visit.objects.count() == 2


def test_weekly_plan_does_not_refill_a_rescheduled_week(client, accepted, clock):
    first = clock.next_weekday(0, datetime.time(10))
    visit = visit_schedule(
        match=accepted.match,
        scheduled_start=first,
        social_worker=accepted.worker,
        actor=accepted.cast.member,
        weekly=True,
    )
    count = Visit.objects.count()
    client.force_login(accepted.cast.member)

    response = client.post(
        reverse("services:visit_reschedule", args=[visit.pk]),
        {"scheduled_start": (first + datetime.timedelta(hours=1)).strftime(FORM_TIME)},
    )
    visit_plan_extend(plan=visit.plan)

    visit.refresh_from_db()
    assert response.status_code == 302
    assert timezone.localtime(visit.scheduled_start).time() == datetime.time(11)
    assert Visit.objects.count() == count


def test_task_extend_visit_plans_fills_new_weeks(accepted, clock):
    visit = visit_schedule(
        match=accepted.match,
        scheduled_start=clock.next_weekday(0, datetime.time(10)),
        social_worker=accepted.worker,
        actor=accepted.cast.member,
        weekly=True,
    )
    Visit.objects.exclude(pk=visit.pk).delete()

    created = task_extend_visit_plans.delay(horizon_weeks=4).get()

    assert created == Visit.objects.count() - 1 > 0


# --- the worker's steps --------------------------------------------------------------------


def test_assigned_worker_checks_in_out_and_completes(client, accepted):
    visit = _visit_today(accepted)
    client.force_login(accepted.worker.user)

    responses = [
        client.post(reverse("services:visit_check_in", args=[visit.pk])),
        client.post(
            reverse("services:visit_check_out", args=[visit.pk]), {"service_log": "理发，量血压"}
        ),
        client.post(reverse("services:visit_complete", args=[visit.pk]), {"service_log": ""}),
    ]

    visit.refresh_from_db()
    accepted.request.refresh_from_db()
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert _messages(responses[-1]) == ["已保存。"] * 3
    assert visit.status == Visit.Status.COMPLETED
    assert visit.checked_in_at <= visit.checked_out_at
    assert visit.service_log == "理发，量血压"
    assert accepted.request.status == ServiceRequest.Status.DONE
    steps = _visit_audit(object_id=str(visit.pk), actor=accepted.worker.user).order_by("id")
    assert list(steps.values_list("action", flat=True)) == ["status", "change", "status"]


def test_check_out_before_check_in_changes_nothing(client, accepted):
    visit = _visit_today(accepted)
    client.force_login(accepted.worker.user)

    check_out = client.post(
        reverse("services:visit_check_out", args=[visit.pk]), {"service_log": "x"}
    )
    complete = client.post(
        reverse("services:visit_complete", args=[visit.pk]), {"service_log": "x"}
    )

    visit.refresh_from_db()
    assert check_out.status_code == complete.status_code == 302
    assert _messages(complete) == ["请先签到，再签退。", "只有服务中的上门服务可以标记完成。"]
    assert visit.status == Visit.Status.SCHEDULED
    assert visit.checked_out_at is None and visit.service_log == ""
    assert not _visit_audit().exists()


def test_complete_without_service_log_changes_nothing(client, accepted):
    visit = _visit_today(accepted)
    client.force_login(accepted.worker.user)
    client.post(reverse("services:visit_check_in", args=[visit.pk]))

    response = client.post(
        reverse("services:visit_complete", args=[visit.pk]), {"service_log": "  "}
    )

    visit.refresh_from_db()
    assert response.status_code == 302
    assert _messages(response) == ["已保存。", "请简单记录本次服务内容。"]
    assert visit.status == Visit.Status.IN_PROGRESS
    assert visit.checked_out_at is None and visit.service_log == ""
    assert list(_visit_audit().values_list("action", flat=True)) == ["status"]


def test_worker_steps_require_post(client, accepted):
    visit = _visit_today(accepted)
    client.force_login(accepted.worker.user)

    response = client.get(reverse("services:visit_check_in", args=[visit.pk]))

    visit.refresh_from_db()
    assert response.status_code == 405
    assert visit.status == Visit.Status.SCHEDULED and visit.checked_in_at is None
    assert not _visit_audit().exists()


def test_check_in_by_unassigned_worker_is_not_found(client, accepted):
    visit = _visit_today(accepted)
    client.force_login(accepted.other_worker.user)

    response = client.post(reverse("services:visit_check_in", args=[visit.pk]))

    visit.refresh_from_db()
    assert response.status_code == 404
    assert visit.status == Visit.Status.SCHEDULED and visit.checked_in_at is None
    assert not _visit_audit().exists()


def test_check_in_by_team_leader_who_sees_but_is_not_assigned_is_forbidden(client, accepted):
    volunteer = f.VolunteerFactory(
        user=f.UserFactory(role=Role.VOLUNTEER),
        team=f.VolunteerTeamFactory(
            community=accepted.cast.community, leader=accepted.other_worker
        ),
    )
    visit = _visit_today(accepted, volunteer=volunteer)
    client.force_login(accepted.other_worker.user)

    response = client.post(reverse("services:visit_check_in", args=[visit.pk]))

    visit.refresh_from_db()
    assert response.status_code == 403
    assert visit.status == Visit.Status.SCHEDULED and visit.checked_in_at is None
    assert not _visit_audit().exists()


def test_check_in_button_only_on_the_day_of_the_visit(client, accepted, clock):
    today = _visit_today(accepted)
    later = f.VisitFactory(
        request=accepted.request,
        offering=accepted.offering,
        social_worker=accepted.worker,
        scheduled_start=clock.now + datetime.timedelta(days=2),
    )
    client.force_login(accepted.worker.user)
    page = client.get(reverse("services:visit_detail", args=[today.pk])).content.decode()
    assert reverse("services:visit_check_in", args=[today.pk]) in page
    page = client.get(reverse("services:visit_detail", args=[later.pk])).content.decode()
    assert reverse("services:visit_check_in", args=[later.pk]) not in page
    assert 'data-testid="check-in-later"' in page


def test_check_in_by_assigned_volunteer(client, accepted):
    volunteer = f.VolunteerFactory(
        user=f.UserFactory(role=Role.VOLUNTEER),
        team=f.VolunteerTeamFactory(community=accepted.cast.community),
    )
    visit = _visit_today(accepted, social_worker=None, volunteer=volunteer)
    client.force_login(volunteer.user)

    response = client.post(reverse("services:visit_check_in", args=[visit.pk]))

    visit.refresh_from_db()
    assert response.status_code == 302
    assert visit.status == Visit.Status.IN_PROGRESS and visit.checked_in_at is not None
    assert _visit_audit(action="status", actor=volunteer.user).count() == 1


def test_missed_visit_returns_request_to_matched(client, accepted):
    visit = _visit_today(accepted)
    client.force_login(accepted.worker.user)

    refused = client.post(reverse("services:visit_missed", args=[visit.pk]), {"reason": ""})
    visit.refresh_from_db()
    assert refused.status_code == 302 and len(_messages(refused)) == 1
    assert visit.status == Visit.Status.SCHEDULED
    assert not _visit_audit().exists()

    client.post(reverse("services:visit_missed", args=[visit.pk]), {"reason": "家中无人"})
    visit.refresh_from_db()
    accepted.request.refresh_from_db()
    assert visit.status == Visit.Status.MISSED
    assert visit.service_log == "家中无人"
    assert accepted.request.status == ServiceRequest.Status.MATCHED
    assert _visit_audit(action="status", reason="家中无人").count() == 1


def test_my_visits_lists_todays_visits_in_large_type(client, accepted):
    mine = _visit_today(accepted)
    f.VisitFactory(
        request=accepted.request, offering=accepted.offering, social_worker=accepted.other_worker
    )
    client.force_login(accepted.worker.user)

    response = client.get(reverse("services:my_visits"))

    assert list(response.context["today"]) == [mine]
    assert 'class="resident-ui"' in response.content.decode()


def test_my_visits_for_resident_is_forbidden(client, accepted):
    client.force_login(accepted.cast.resident.user)

    assert client.get(reverse("services:my_visits")).status_code == 403


# --- rescheduling and cancelling -----------------------------------------------------------


def _scheduled(accepted) -> Visit:
    return visit_schedule(
        match=accepted.match,
        scheduled_start=accepted.clock.next_weekday(0, datetime.time(10)),
        social_worker=accepted.worker,
        actor=accepted.cast.member,
    )


def test_visit_reschedule_by_organization(client, accepted, clock):
    visit = _scheduled(accepted)
    new_start = clock.next_weekday(0, datetime.time(11), weeks_ahead=1)
    client.force_login(accepted.cast.member)

    response = client.post(
        reverse("services:visit_reschedule", args=[visit.pk]),
        {"scheduled_start": new_start.strftime(FORM_TIME), "reason": "社工请假"},
    )

    visit.refresh_from_db()
    assert response.status_code == 302
    assert _messages(response) == ["已改期。"]
    assert visit.scheduled_start == new_start
    assert AuditEntry.objects.filter(
        object_type="services.visit", action="change", reason="社工请假"
    ).exists()


def test_visit_reschedule_outside_windows_changes_nothing(client, accepted, clock):
    visit = _scheduled(accepted)
    before = visit.scheduled_start
    client.force_login(accepted.cast.member)

    response = client.post(
        reverse("services:visit_reschedule", args=[visit.pk]),
        {"scheduled_start": clock.next_weekday(3, datetime.time(10)).strftime(FORM_TIME)},
    )

    visit.refresh_from_db()
    assert response.status_code == 200
    assert "服务时段" in response.content.decode()
    assert visit.scheduled_start == before
    assert not _visit_audit(action="change").exists()


def _full_week(accepted, start: datetime.datetime) -> None:
    week = week_start_of(timezone.localtime(start).date())
    OfferingWeek.objects.create(offering=accepted.offering, week_start=week, capacity=1, reserved=1)


def _error_beside_start(response) -> str:
    html = response.content.decode()
    return html[html.index('id="id_scheduled_start-error"') :].split("</div>\n")[0]


def test_visit_schedule_into_a_full_week_shows_the_error_beside_the_time(client, accepted, clock):
    _full_week(accepted, clock.next_weekday(0, datetime.time(10)))

    response = _schedule_post(client, accepted.cast.member, accepted)

    accepted.match.refresh_from_db()
    assert response.status_code == 200
    assert "名额已满" in _error_beside_start(response)
    assert Visit.objects.count() == 0 and VisitPlan.objects.count() == 0
    assert accepted.match.week_start == clock.monday


def test_visit_reschedule_into_a_full_week_shows_the_error_beside_the_time(client, accepted, clock):
    visit = _scheduled(accepted)
    later = clock.next_weekday(0, datetime.time(11), weeks_ahead=1)
    _full_week(accepted, later)
    client.force_login(accepted.cast.member)

    response = client.post(
        reverse("services:visit_reschedule", args=[visit.pk]),
        {"scheduled_start": later.strftime(FORM_TIME)},
    )

    before = visit.scheduled_start
    visit.refresh_from_db()
    assert response.status_code == 200
    assert "名额已满" in _error_beside_start(response)
    assert visit.scheduled_start == before
    assert not _visit_audit(action="change").exists()


def test_full_week_refusal_reads_in_english(accepted, clock):
    visit = _scheduled(accepted)
    later = clock.next_weekday(0, datetime.time(11), weeks_ahead=1)
    _full_week(accepted, later)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        visit_reschedule(visit=visit, scheduled_start=later, actor=accepted.cast.member)

    message = refused.value.error_dict["scheduled_start"][0].messages[0]
    assert "fully booked" in message and week_start_of(later.date()).isoformat() in message


@pytest.mark.parametrize(("who", "status"), [("other_member", 404), ("resident", 403)])
def test_visit_reschedule_by_outsiders_changes_nothing(client, accepted, who, status, clock):
    visit = _scheduled(accepted)
    before = visit.scheduled_start
    user = accepted.cast.resident.user if who == "resident" else getattr(accepted.cast, who)
    client.force_login(user)

    response = client.post(
        reverse("services:visit_reschedule", args=[visit.pk]),
        {"scheduled_start": clock.next_weekday(0, datetime.time(11)).strftime(FORM_TIME)},
    )

    visit.refresh_from_db()
    assert response.status_code == status
    assert visit.scheduled_start == before
    assert not _visit_audit(action="change").exists()


def test_visit_cancel_by_organization_returns_request_to_matched(client, accepted):
    visit = _scheduled(accepted)
    client.force_login(accepted.cast.member)

    response = client.post(
        reverse("services:visit_cancel", args=[visit.pk]), {"reason": "老人住院"}
    )

    visit.refresh_from_db()
    accepted.request.refresh_from_db()
    assert response.status_code == 302
    assert _messages(response) == ["已取消这次上门服务。"]
    assert visit.status == Visit.Status.CANCELLED
    assert accepted.request.status == ServiceRequest.Status.MATCHED
    assert _visit_audit(action="status", reason="老人住院", actor=accepted.cast.member).exists()


def test_visit_cancel_by_other_organization_is_not_found(client, accepted):
    visit = _scheduled(accepted)
    client.force_login(accepted.cast.other_member)

    response = client.post(reverse("services:visit_cancel", args=[visit.pk]), {"reason": "x"})

    visit.refresh_from_db()
    accepted.request.refresh_from_db()
    assert response.status_code == 404
    assert visit.status == Visit.Status.SCHEDULED
    assert accepted.request.status == ServiceRequest.Status.SCHEDULED
    assert not _visit_audit(action="status").exists()


def test_visit_list_shows_own_organization_and_matches_to_schedule(client, accepted):
    visit = _scheduled(accepted)
    f.VisitFactory(offering=f.OfferingFactory(organization=accepted.cast.other_organization))
    waiting = f.MatchFactory(
        request=f.ServiceRequestFactory(resident=accepted.cast.resident),
        offering=accepted.offering,
        status="accepted",
    )
    client.force_login(accepted.cast.member)

    response = client.get(reverse("services:visit_list"))

    assert list(response.context["page_obj"].object_list) == [visit]
    assert list(response.context["to_schedule"]) == [waiting]


def test_visit_detail_scoping(client, accepted):
    visit = _scheduled(accepted)
    url = reverse("services:visit_detail", args=[visit.pk])
    stranger = f.FamilyMemberFactory(resident=accepted.cast.other_resident).user

    for user, status in [
        (accepted.cast.resident.user, 200),
        (accepted.cast.family, 200),
        (accepted.cast.member, 200),
        (accepted.worker.user, 200),
        (accepted.cast.community_staff, 200),
        (accepted.cast.other_member, 404),
        (accepted.cast.other_street_staff, 404),
        (accepted.other_worker.user, 404),
        (stranger, 404),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user


# --- feedback ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["resident", "family"])
def test_feedback_on_completed_visit_once(client, accepted, who):
    visit = _visit_today(accepted, status=Visit.Status.COMPLETED)
    user = accepted.cast.resident.user if who == "resident" else accepted.cast.family
    client.force_login(user)
    url = reverse("services:visit_feedback", args=[visit.pk])

    first = client.post(url, {"rating": "4", "comment": "很耐心"})
    second = client.post(url, {"rating": "1"})

    feedback = Feedback.objects.get()
    assert first.status_code == 302 and second.status_code == 200
    assert (feedback.rating, feedback.comment, feedback.given_by) == (4, "很耐心", user)
    assert "已经评价过" in second.content.decode()
    rated = _visit_audit(object_id=str(visit.pk), reason="居民评价")
    assert list(rated.values_list("changes", flat=True)) == [{"feedback_rating": [None, 4]}]


def test_feedback_on_scheduled_visit_is_refused(client, accepted):
    visit = _visit_today(accepted)
    client.force_login(accepted.cast.resident.user)

    response = client.post(reverse("services:visit_feedback", args=[visit.pk]), {"rating": "5"})

    assert response.status_code == 200
    assert "服务完成后才能评价" in response.content.decode()
    assert Feedback.objects.count() == 0
    assert not _visit_audit().exists()


@pytest.mark.parametrize("rating", ["0", "6", "", "五"])
def test_feedback_invalid_rating_changes_nothing(client, accepted, rating):
    visit = _visit_today(accepted, status=Visit.Status.COMPLETED)
    client.force_login(accepted.cast.resident.user)

    response = client.post(reverse("services:visit_feedback", args=[visit.pk]), {"rating": rating})

    assert response.status_code == 200
    assert "rating" in response.context["form"].errors
    assert Feedback.objects.count() == 0
    assert not _visit_audit().exists()


def test_feedback_by_other_family_is_not_found_and_by_staff_forbidden(client, accepted):
    visit = _visit_today(accepted, status=Visit.Status.COMPLETED)
    stranger = f.FamilyMemberFactory(resident=accepted.cast.other_resident).user
    url = reverse("services:visit_feedback", args=[visit.pk])

    client.force_login(stranger)
    by_stranger = client.post(url, {"rating": "5"})
    client.force_login(accepted.cast.community_staff)
    by_staff = client.post(url, {"rating": "5"})

    assert (by_stranger.status_code, by_staff.status_code) == (404, 403)
    assert Feedback.objects.count() == 0
    assert not _visit_audit().exists()
