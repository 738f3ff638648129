"""Publishing at a venue, signing up, the waiting list, attendance and feedback."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from activities.domain.activities import (
    activity_cancel,
    activity_feedback_give,
    activity_publish,
    signup_cancel,
    signup_create,
    signup_mark_attended,
)
from activities.domain.reminders import activity_reminders_send
from activities.models import Activity, ActivityFeedback, Signup
from activities.tasks import task_send_activity_reminders
from sanlian.models import AuditEntry
from services.models import Notification
from tests import factories as f
from tests.factories.activities import ActivityFactory, soon

HOUR = datetime.timedelta(hours=1)


def _publish(actor, venue, **kwargs):
    start = kwargs.pop("starts_at", soon())
    values = {
        "title": "象棋辅导班",
        "starts_at": start,
        "ends_at": start + 2 * HOUR,
        "capacity": 2,
    }
    values.update(kwargs)
    return activity_publish(actor=actor, venue=venue, **values)


def _user(cast, who):
    return cast.resident.user if who == "resident" else getattr(cast, who)


def _residents(cast, n):
    return [
        f.ResidentFactory(community=cast.community, user=f.UserFactory(role="resident"))
        for _ in range(n)
    ]


def test_organization_publishes_at_a_venue_of_an_entered_community(cast, venue):
    activity = _publish(cast.member, venue, organization=cast.organization)
    assert activity.community == cast.community
    assert activity.host_name == "优社优家"
    assert AuditEntry.objects.filter(object_type="activities.activity", action="create").exists()


def test_organization_cannot_publish_where_it_has_not_entered(cast, other_venue):
    with pytest.raises(ValidationError, match="入驻协议"):
        _publish(cast.member, other_venue, organization=cast.organization)
    with pytest.raises(PermissionDenied):
        _publish(cast.member, other_venue, organization=cast.other_organization)
    assert not Activity.objects.exists()


@pytest.mark.parametrize("who", ["other_street_staff", "resident", "family", "other_member"])
def test_wrong_role_or_other_scope_cannot_publish_for_the_community(cast, venue, who):
    with pytest.raises(PermissionDenied):
        _publish(_user(cast, who), venue)
    assert not Activity.objects.exists()


def test_community_staff_publish_in_their_community(cast, venue):
    activity = _publish(cast.community_staff, venue)
    assert activity.organization is None and activity.team is None
    assert activity.host_name == cast.community.name


def test_venue_is_never_double_booked(cast, venue):
    first = _publish(cast.community_staff, venue)
    with pytest.raises(ValidationError, match="场地已被占用"):
        _publish(
            cast.member, venue, organization=cast.organization, starts_at=first.starts_at + HOUR
        )
    # [start, end): the next activity may begin when the first ends.
    _publish(cast.community_staff, venue, starts_at=first.ends_at)
    assert Activity.objects.filter(venue=venue).count() == 2


def test_cancelling_an_activity_frees_its_slot(cast, venue):
    first = _publish(cast.community_staff, venue)
    activity_cancel(actor=cast.community_staff, activity=first, reason="场地维修")
    again = _publish(cast.community_staff, venue, starts_at=first.starts_at)
    assert again.pk != first.pk
    assert Activity.objects.get(pk=first.pk).status == Activity.Status.CANCELLED


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 21}, "capacity"),
        ({"title": ""}, "title"),
        ({"starts_at": timezone.now() - HOUR}, "starts_at"),
    ],
)
def test_bad_activity_is_refused_with_a_message(cast, venue, change, field):
    with pytest.raises(ValidationError) as error:
        _publish(cast.community_staff, venue, **change)
    assert field in error.value.message_dict
    assert not Activity.objects.exists()


def test_activity_ending_before_it_starts_is_refused(cast, venue):
    start = soon()
    with pytest.raises(ValidationError):
        _publish(cast.community_staff, venue, starts_at=start, ends_at=start - HOUR)
    assert not Activity.objects.exists()


def test_signup_fills_places_then_waiting_list_then_promotes(
    cast, venue, django_capture_on_commit_callbacks
):
    activity = _publish(cast.member, venue, organization=cast.organization, capacity=2)
    a, b, c = _residents(cast, 3)
    signups = [signup_create(actor=r.user, activity=activity, resident=r) for r in (a, b, c)]
    assert [s.status for s in signups] == ["confirmed", "confirmed", "waiting"]
    activity.refresh_from_db()
    assert activity.confirmed_count == 2

    with django_capture_on_commit_callbacks(execute=True):
        promoted = signup_cancel(actor=a.user, signup=signups[0])
    assert promoted.pk == signups[2].pk
    assert Signup.objects.get(pk=signups[2].pk).status == Signup.Status.CONFIRMED
    assert Signup.objects.get(pk=signups[0].pk).status == Signup.Status.CANCELLED
    activity.refresh_from_db()
    assert activity.confirmed_count == 2
    assert Notification.objects.filter(user=c.user, title__contains="候补转正").count() == 1


def test_cancelling_without_waiting_list_frees_a_place(cast, venue):
    activity = _publish(cast.community_staff, venue)
    signup = signup_create(actor=cast.resident.user, activity=activity, resident=cast.resident)
    assert signup_cancel(actor=cast.family, signup=signup) is None
    activity.refresh_from_db()
    assert activity.confirmed_count == 0


def test_family_and_staff_sign_up_on_the_residents_behalf(cast, venue):
    activity = _publish(cast.community_staff, venue, capacity=5)
    by_family = signup_create(actor=cast.family, activity=activity, resident=cast.resident)
    assert by_family.channel == Signup.Channel.FAMILY
    signup_cancel(actor=cast.family, signup=by_family)
    by_staff = signup_create(actor=cast.community_staff, activity=activity, resident=cast.resident)
    assert by_staff.channel == Signup.Channel.STAFF


def test_signing_up_twice_is_refused(cast, venue):
    activity = _publish(cast.community_staff, venue)
    signup_create(actor=cast.family, activity=activity, resident=cast.resident)
    with pytest.raises(ValidationError, match="已经报名"):
        signup_create(actor=cast.resident.user, activity=activity, resident=cast.resident)
    assert Signup.objects.count() == 1


@pytest.mark.parametrize("who", ["other_street_staff", "member", "other_member", "civil_resident"])
def test_others_cannot_sign_a_resident_up(cast, venue, who):
    activity = _publish(cast.community_staff, venue)
    actor = f.UserFactory(role="resident") if who == "civil_resident" else getattr(cast, who)
    with pytest.raises(PermissionDenied):
        signup_create(actor=actor, activity=activity, resident=cast.resident)
    assert not Signup.objects.exists()


def test_community_only_activity_refuses_residents_of_other_communities(cast, venue):
    activity = _publish(cast.community_staff, venue)
    with pytest.raises(ValidationError, match="本社区"):
        signup_create(actor=cast.civil, activity=activity, resident=cast.other_resident)
    open_one = _publish(cast.community_staff, venue, starts_at=activity.ends_at, open_to="anyone")
    assert signup_create(actor=cast.civil, activity=open_one, resident=cast.other_resident)


def test_attendance_at_the_door_and_feedback_afterwards(cast, venue):
    activity = ActivityFactory(
        venue=venue, organization=cast.organization, starts_at=timezone.now() - 3 * HOUR
    )
    signup = Signup.objects.create(
        activity=activity, resident=cast.resident, status="confirmed", channel="self"
    )
    with pytest.raises(PermissionDenied):
        signup_mark_attended(actor=cast.other_member, signup=signup)
    with pytest.raises(ValidationError, match="参加了活动"):
        activity_feedback_give(actor=cast.resident.user, signup=signup, rating=5)
    signup_mark_attended(actor=cast.member, signup=signup)
    first = Signup.objects.get(pk=signup.pk).attended_at
    signup_mark_attended(actor=cast.member, signup=signup)  # a second tap changes nothing
    assert Signup.objects.get(pk=signup.pk).attended_at == first is not None

    with pytest.raises(PermissionDenied):
        activity_feedback_give(actor=cast.member, signup=signup, rating=5)
    with pytest.raises(ValidationError):
        activity_feedback_give(actor=cast.resident.user, signup=signup, rating=6)
    activity_feedback_give(actor=cast.family, signup=signup, rating=4, comment="很好")
    assert ActivityFeedback.objects.get(signup=signup).rating == 4


def test_attendance_refused_for_waiting_list_and_before_the_doors_open(cast, venue):
    later = ActivityFactory(venue=venue)
    signup = Signup.objects.create(
        activity=later, resident=cast.resident, status="confirmed", channel="self"
    )
    with pytest.raises(ValidationError, match="一小时"):
        signup_mark_attended(actor=cast.community_staff, signup=signup)
    assert Signup.objects.get(pk=signup.pk).attended_at is None


def test_reminders_go_out_once_to_resident_and_family(cast, venue, sms_log):
    activity = ActivityFactory(venue=venue, starts_at=timezone.now() + 5 * HOUR)
    Signup.objects.create(
        activity=activity, resident=cast.resident, status="confirmed", channel="self"
    )
    now = timezone.now()
    # In-app to both; by SMS to the resident's phone (the daughter has none here).
    assert activity_reminders_send(now=now, ahead=datetime.timedelta(hours=24)) == 3
    assert activity_reminders_send(now=now, ahead=datetime.timedelta(hours=24)) == 0
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "grandma",
        "daughter",
    }


def test_reminder_task_runs_the_domain_once_per_signup(cast, venue, sms_log):
    activity = ActivityFactory(venue=venue, starts_at=timezone.now() + 3 * HOUR)
    Signup.objects.create(
        activity=activity, resident=cast.resident, status="confirmed", channel="self"
    )
    assert task_send_activity_reminders.apply().get() == 3
    assert task_send_activity_reminders.apply().get() == 0
    assert Notification.objects.filter(title__contains="活动提醒").count() == 2


def test_cancelling_an_activity_tells_everyone_signed_up(
    cast, venue, django_capture_on_commit_callbacks
):
    activity = _publish(cast.community_staff, venue)
    signup_create(actor=cast.family, activity=activity, resident=cast.resident)
    with django_capture_on_commit_callbacks(execute=True):
        activity_cancel(actor=cast.community_staff, activity=activity, reason="停电")
    notes = Notification.objects.filter(title__contains="活动取消")
    assert sorted(n.user.username for n in notes) == ["daughter", "grandma"]
    assert all("停电" in n.body for n in notes)
    with pytest.raises(PermissionDenied):
        activity_cancel(actor=cast.other_street_staff, activity=activity, reason="x")
