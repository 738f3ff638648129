"""The per-community figures the dashboards will show."""

import datetime

from django.utils import timezone

from activities.models import HelpRecord, HoursCredit, ShiftSignup, Signup
from activities.queries import community_activity_figures
from tests import factories as f
from tests.factories.activities import ActivityFactory, ShiftFactory, VolunteerPostFactory

HOUR = datetime.timedelta(hours=1)


def test_figures_per_community(cast, venue):
    now = timezone.now()
    held = ActivityFactory(venue=venue, starts_at=now - 5 * HOUR)
    ActivityFactory(venue=venue, starts_at=now + 5 * HOUR)  # not held yet
    Signup.objects.create(
        activity=held, resident=cast.resident, status="confirmed", channel="self", attended_at=now
    )
    shift = ShiftFactory(
        post=VolunteerPostFactory(community=cast.community),
        starts_at=now - 3 * HOUR,
        ends_at=now - HOUR,
    )
    signup = ShiftSignup.objects.create(shift=shift, volunteer=f.VolunteerFactory())
    HoursCredit.objects.create(volunteer=signup.volunteer, shift_signup=signup, minutes=120)
    neighbour = f.ResidentFactory(community=cast.community)
    for status in ("confirmed", "reported"):
        HelpRecord.objects.create(
            helper=cast.resident,
            helped=neighbour,
            kind="company",
            day=timezone.localdate(),
            minutes=45,
            status=status,
        )
    figures = community_activity_figures(since=now - 24 * HOUR, until=now + 24 * HOUR)
    assert figures == {
        cast.community.pk: {
            "activities_held": 1,
            "attendances": 1,
            "volunteer_minutes": 120,
            "mutual_help_minutes": 45,
        }
    }
