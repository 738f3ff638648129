"""The pages: from publishing a chess class to the door list, calendar, record and certificate."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import rules as activity_rules
from activities.models import Activity, HelpRecord, HoursCredit, ShiftSignup, Signup, Suggestion
from sanlian.roles import Role
from tests import factories as f
from tests.factories.activities import ActivityFactory, ShiftFactory, VolunteerPostFactory, soon

HOUR = datetime.timedelta(hours=1)


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_organization_publishes_a_chess_class_from_the_form(client, cast, venue):
    client.force_login(cast.member)
    start = soon()
    response = client.post(
        reverse("activities:create"),
        {
            "title": "象棋辅导班",
            "venue": venue.pk,
            "starts_at": _local(start),
            "ends_at": _local(start + 2 * HOUR),
            "capacity": 1,
            "open_to": "community",
        },
    )
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert activity.organization == cast.organization and activity.capacity == 1


def test_publishing_over_a_booking_shows_the_clash_and_saves_nothing(client, cast, venue):
    taken = ActivityFactory(venue=venue)
    client.force_login(cast.community_staff)
    response = client.post(
        reverse("activities:create"),
        {
            "title": "剪纸",
            "venue": venue.pk,
            "starts_at": _local(taken.starts_at + HOUR),
            "ends_at": _local(taken.ends_at + HOUR),
            "capacity": 5,
            "open_to": "community",
        },
    )
    assert response.status_code == 200
    assert "场地已被占用" in response.content.decode()
    assert Activity.objects.count() == 1


def test_publish_form_offers_only_agreed_venues(client, cast, venue, other_venue):
    client.force_login(cast.member)
    html = client.get(reverse("activities:create")).content.decode()
    assert f'value="{venue.pk}"' in html and f'value="{other_venue.pk}"' not in html


def test_resident_signs_up_then_waits_then_is_promoted(client, cast, venue):
    activity = ActivityFactory(venue=venue, capacity=1)
    neighbour = f.ResidentFactory(
        community=cast.community, user=f.UserFactory(username="neighbour", role=Role.RESIDENT)
    )
    client.force_login(neighbour.user)
    client.post(reverse("activities:sign_up", args=[activity.pk]), {"resident": neighbour.pk})
    client.force_login(cast.family)
    detail = client.get(reverse("activities:detail", args=[activity.pk])).content.decode()
    assert "加入候补" in detail
    client.post(reverse("activities:sign_up", args=[activity.pk]), {"resident": cast.resident.pk})
    waiting = Signup.objects.get(resident=cast.resident)
    assert waiting.status == Signup.Status.WAITING
    client.force_login(neighbour.user)
    first = Signup.objects.get(resident=neighbour)
    client.post(reverse("activities:signup_cancel", args=[first.pk]))
    waiting.refresh_from_db()
    assert waiting.status == Signup.Status.CONFIRMED


def test_resident_cannot_sign_up_someone_else(client, cast, venue):
    activity = ActivityFactory(venue=venue)
    client.force_login(cast.resident.user)
    stranger = f.ResidentFactory(community=cast.community)
    client.post(reverse("activities:sign_up", args=[activity.pk]), {"resident": stranger.pk})
    assert not Signup.objects.exists()


def test_door_list_on_a_phone_ticks_attendance_with_htmx(client, cast, venue):
    activity = ActivityFactory(
        venue=venue, organization=cast.organization, starts_at=timezone.now() - 0.5 * HOUR
    )
    signup = Signup.objects.create(
        activity=activity, resident=cast.resident, status="confirmed", channel="self"
    )
    client.force_login(cast.member)
    page = client.get(reverse("activities:door", args=[activity.pk])).content.decode()
    assert cast.resident.name in page and 'name="viewport"' in page
    row = client.post(reverse("activities:attend", args=[signup.pk]), HTTP_HX_REQUEST="true")
    assert "已签到" in row.content.decode()
    signup.refresh_from_db()
    assert signup.attended_at is not None


@pytest.mark.parametrize("who", ["other_member", "other_street_staff", "family"])
def test_door_list_and_attendance_refused_to_others(client, cast, venue, who):
    activity = ActivityFactory(
        venue=venue, organization=cast.organization, starts_at=timezone.now() - 0.5 * HOUR
    )
    signup = Signup.objects.create(
        activity=activity, resident=cast.resident, status="confirmed", channel="self"
    )
    client.force_login(getattr(cast, who))
    assert client.get(reverse("activities:door", args=[activity.pk])).status_code == 404
    client.post(reverse("activities:attend", args=[signup.pk]))
    signup.refresh_from_db()
    assert signup.attended_at is None


def test_feedback_page_after_attendance(client, cast, venue):
    activity = ActivityFactory(venue=venue, starts_at=timezone.now() - 5 * HOUR)
    signup = Signup.objects.create(
        activity=activity,
        resident=cast.resident,
        status="confirmed",
        channel="self",
        attended_at=timezone.now() - 4 * HOUR,
    )
    client.force_login(cast.resident.user)
    client.post(reverse("activities:feedback", args=[signup.pk]), {"rating": 5, "comment": "好"})
    assert signup.feedback.rating == 5


def test_venue_calendar_shows_bookings_to_staff_not_to_other_street(client, cast, venue):
    ActivityFactory(venue=venue, title="书法班")
    ActivityFactory(venue=venue, title="已取消的课", status=Activity.Status.CANCELLED)
    client.force_login(cast.community_staff)
    html = client.get(reverse("activities:venue_calendar", args=[venue.pk])).content.decode()
    assert "书法班" in html and "已取消的课" not in html
    client.force_login(cast.other_street_staff)
    assert client.get(reverse("activities:venue_calendar", args=[venue.pk])).status_code == 404


def test_shift_attendance_page_credits_hours_shown_on_record_and_certificate(client, cast):
    team = f.VolunteerTeamFactory(community=cast.community)
    volunteer = f.VolunteerFactory(team=team, user=f.UserFactory(role=Role.VOLUNTEER))
    start = timezone.now() - 3 * HOUR
    shift = ShiftFactory(
        post=VolunteerPostFactory(community=cast.community, title="棋艺助教"),
        starts_at=start,
        ends_at=start + 2 * HOUR,
    )
    signup = ShiftSignup.objects.create(shift=shift, volunteer=volunteer)
    client.force_login(cast.community_staff)
    assert (
        "已到岗" in client.get(reverse("activities:shift_detail", args=[shift.pk])).content.decode()
    )
    client.post(reverse("activities:shift_credit", args=[signup.pk]))
    assert HoursCredit.objects.get().minutes == 120
    client.force_login(volunteer.user)
    record = client.get(
        reverse("activities:volunteer_record", args=[volunteer.pk])
    ).content.decode()
    assert "棋艺助教" in record and "2.0" in record
    certificate = client.get(
        reverse("activities:certificate", args=[volunteer.pk])
    ).content.decode()
    assert "志愿服务时长证明" in certificate and "2.0" in certificate
    client.force_login(cast.other_street_staff)
    assert client.get(reverse("activities:certificate", args=[volunteer.pk])).status_code == 404


def test_volunteer_signs_up_for_a_shift_from_the_list(client, cast):
    team = f.VolunteerTeamFactory(community=cast.community)
    volunteer = f.VolunteerFactory(team=team, user=f.UserFactory(role=Role.VOLUNTEER))
    shift = ShiftFactory(post=VolunteerPostFactory(community=cast.community))
    client.force_login(volunteer.user)
    assert "报名" in client.get(reverse("activities:post_list")).content.decode()
    client.post(reverse("activities:shift_sign_up", args=[shift.pk]))
    assert ShiftSignup.objects.get().volunteer == volunteer


def test_time_bank_pages_earn_and_spend(client, cast):
    neighbour = f.ResidentFactory(community=cast.community)
    client.force_login(cast.community_staff)
    client.post(
        reverse("activities:help_report"),
        {
            "helper": cast.resident.pk,
            "helped": neighbour.pk,
            "kind": "shopping",
            "day": "2026-11-30",
            "minutes": 60,
        },
    )
    record = HelpRecord.objects.get()
    assert "确认" in client.get(reverse("activities:time_bank")).content.decode()
    client.post(reverse("activities:help_confirm", args=[record.pk]))
    account = cast.resident.time_bank
    assert account.balance_minutes == 60
    client.force_login(cast.resident.user)
    response = client.post(
        reverse("activities:spend", args=[account.pk]),
        {"beneficiary": cast.resident.pk, "minutes": 61, "reason": "陪同就医"},
    )
    assert "余额不足" in response.content.decode()
    client.post(
        reverse("activities:spend", args=[account.pk]),
        {"beneficiary": cast.resident.pk, "minutes": 60, "reason": "陪同就医"},
    )
    account.refresh_from_db()
    assert account.balance_minutes == 0
    client.force_login(cast.other_street_staff)
    assert client.get(reverse("activities:spend", args=[account.pk])).status_code == 404


def test_suggestion_pages(client, cast):
    client.force_login(cast.resident.user)
    client.post(
        reverse("activities:suggestion_create"),
        {"community": cast.community.pk, "title": "增加书法课", "body": "希望每周一次"},
    )
    suggestion = Suggestion.objects.get()
    client.force_login(cast.community_staff)
    assert "答复" in client.get(reverse("activities:suggestion_list")).content.decode()
    client.post(reverse("activities:suggestion_answer", args=[suggestion.pk]), {"answer": "好的"})
    client.post(reverse("activities:suggestion_close", args=[suggestion.pk]))
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.DONE
    client.force_login(cast.other_street_staff)
    assert (
        client.get(reverse("activities:suggestion_answer", args=[suggestion.pk])).status_code == 404
    )


@pytest.mark.parametrize(
    ("who", "url_name", "status"),
    [
        ("resident", "activities:post_create", 403),
        ("member", "activities:help_report", 403),
        ("family", "activities:suggestion_create", 200),
        ("member", "activities:list", 200),
        ("street_staff", "activities:time_bank", 200),
        ("other_member", "activities:suggestion_list", 200),
    ],
)
def test_pages_by_role(client, cast, who, url_name, status):
    client.force_login(cast.resident.user if who == "resident" else getattr(cast, who))
    assert client.get(reverse(url_name)).status_code == status


def test_volunteer_list_filters_by_skill_and_shows_hours_not_typed(client, cast):
    team = f.VolunteerTeamFactory(community=cast.community)
    dancer = f.VolunteerFactory(team=team, name="跳舞的志愿者")
    dancer.skills.set([f.SkillFactory(code="dance", name="舞蹈")])
    f.VolunteerFactory(team=team, name="消防志愿者").skills.set(
        [f.SkillFactory(code="fire", name="消防安全")]
    )
    start = timezone.now() - 3 * HOUR
    shift = ShiftFactory(
        post=VolunteerPostFactory(community=cast.community), starts_at=start, ends_at=start + HOUR
    )
    signup = ShiftSignup.objects.create(shift=shift, volunteer=dancer)
    HoursCredit.objects.create(volunteer=dancer, shift_signup=signup, minutes=90)
    client.force_login(cast.community_staff)
    skill = dancer.skills.get()
    html = client.get(reverse("activities:volunteer_list"), {"skill": skill.pk}).content.decode()
    assert "跳舞的志愿者" in html and "消防志愿者" not in html and "1.5" in html
    client.force_login(cast.other_street_staff)
    html = client.get(reverse("activities:volunteer_list")).content.decode()
    assert "跳舞的志愿者" not in html


def test_staff_sign_a_resident_up_at_the_desk(client, cast, venue):
    activity = ActivityFactory(venue=venue)
    client.force_login(cast.community_staff)
    assert "报名" in client.get(reverse("activities:detail", args=[activity.pk])).content.decode()
    client.post(reverse("activities:sign_up", args=[activity.pk]), {"resident": cast.resident.pk})
    assert Signup.objects.get().channel == Signup.Channel.STAFF
    client.force_login(cast.other_street_staff)
    response = client.post(
        reverse("activities:sign_up", args=[activity.pk]), {"resident": cast.other_resident.pk}
    )
    assert response.status_code == 404
    assert Signup.objects.count() == 1


def test_time_bank_tab_and_page_follow_one_predicate(client, cast):
    for user in (cast.community_staff, cast.resident.user, cast.member):
        client.force_login(user)
        allowed = activity_rules.may_use_time_bank(user)
        page = client.get("/activities/")
        assert ("/activities/time-bank/" in page.content.decode()) is allowed
        assert (client.get("/activities/time-bank/").status_code == 200) is allowed
