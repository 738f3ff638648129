"""Volunteer posts and shifts; hours come from attendance and completed visits, never typed."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from activities.domain.volunteering import (
    post_create,
    shift_add,
    shift_attendance_credit,
    shift_sign_up,
)
from activities.models import HoursCredit, ShiftSignup, VolunteerPost
from activities.queries import volunteer_service_record
from sanlian.roles import Role
from services.models import Visit
from tests import factories as f
from tests.factories.activities import ShiftFactory, VolunteerPostFactory, soon


@pytest.fixture
def volunteer(cast):
    team = f.VolunteerTeamFactory(community=cast.community, name="润梅志愿服务队")
    return f.VolunteerFactory(team=team, user=f.UserFactory(username="vol", role=Role.VOLUNTEER))


def test_staff_create_posts_and_shifts_in_their_community(cast):
    post = post_create(
        actor=cast.community_staff, community=cast.community, project="社区+义工", title="棋艺助教"
    )
    start = soon()
    shift = shift_add(
        actor=cast.community_staff,
        post=post,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        slots=2,
    )
    assert shift.minutes == 120
    with pytest.raises(PermissionDenied):
        post_create(actor=cast.other_street_staff, community=cast.community, project="x", title="y")
    with pytest.raises(ValidationError):
        post_create(actor=cast.community_staff, community=cast.community, project="", title="")
    assert VolunteerPost.objects.count() == 1


def test_volunteer_signs_up_until_the_shift_is_full(cast, volunteer):
    shift = ShiftFactory(post=VolunteerPostFactory(community=cast.community), slots=1)
    shift_sign_up(actor=volunteer.user, shift=shift, volunteer=volunteer)
    with pytest.raises(ValidationError, match="已经报名"):
        shift_sign_up(actor=volunteer.user, shift=shift, volunteer=volunteer)
    other = f.VolunteerFactory(team=volunteer.team, user=f.UserFactory(role=Role.VOLUNTEER))
    with pytest.raises(ValidationError, match="满员"):
        shift_sign_up(actor=other.user, shift=shift, volunteer=other)
    with pytest.raises(PermissionDenied):
        shift_sign_up(actor=other.user, shift=shift, volunteer=volunteer)
    assert ShiftSignup.objects.count() == 1


def test_attendance_credits_the_shift_once(cast, volunteer):
    start = timezone.now() - datetime.timedelta(hours=3)
    shift = ShiftFactory(
        post=VolunteerPostFactory(community=cast.community),
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=90),
    )
    signup = ShiftSignup.objects.create(shift=shift, volunteer=volunteer)
    with pytest.raises(PermissionDenied):
        shift_attendance_credit(actor=cast.other_street_staff, signup=signup)
    with pytest.raises(PermissionDenied):
        shift_attendance_credit(actor=volunteer.user, signup=signup)  # no self-crediting
    shift_attendance_credit(actor=cast.community_staff, signup=signup)
    shift_attendance_credit(actor=cast.community_staff, signup=signup)
    assert list(HoursCredit.objects.values_list("minutes", flat=True)) == [90]


def test_no_credit_before_the_shift_starts(cast, volunteer):
    shift = ShiftFactory(post=VolunteerPostFactory(community=cast.community))
    signup = ShiftSignup.objects.create(shift=shift, volunteer=volunteer)
    with pytest.raises(ValidationError, match="开始后"):
        shift_attendance_credit(actor=cast.community_staff, signup=signup)
    assert not HoursCredit.objects.exists()


def test_service_record_adds_shifts_and_completed_visits(cast, volunteer):
    start = timezone.now() - datetime.timedelta(days=2)
    shift = ShiftFactory(
        post=VolunteerPostFactory(community=cast.community),
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=120),
    )
    signup = ShiftSignup.objects.create(shift=shift, volunteer=volunteer)
    shift_attendance_credit(actor=cast.community_staff, signup=signup)
    checked_in = timezone.now() - datetime.timedelta(days=1)
    f.VisitFactory(
        volunteer=volunteer,
        status=Visit.Status.COMPLETED,
        scheduled_start=checked_in,
        checked_in_at=checked_in,
        checked_out_at=checked_in + datetime.timedelta(minutes=45),
    )
    f.VisitFactory(volunteer=volunteer, status=Visit.Status.COMPLETED, duration_minutes=30)
    f.VisitFactory(volunteer=volunteer, status=Visit.Status.MISSED, duration_minutes=60)
    record = volunteer_service_record(volunteer)
    assert sorted(line.minutes for line in record.lines) == [30, 45, 120]
    assert record.total_hours == "3.2"
