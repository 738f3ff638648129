"""Every page of the app, for every role of the cast: an answer, never a server error."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import HelpRecord, Signup, Suggestion, TimeBankAccount
from sanlian.roles import Role
from tests import factories as f
from tests.factories.activities import ActivityFactory, ShiftFactory, VolunteerPostFactory

WHO = [
    "civil",
    "street_staff",
    "other_street_staff",
    "community_staff",
    "member",
    "other_member",
    "resident",
    "family",
    "volunteer",
]


@pytest.fixture
def world(cast, venue):
    activity = ActivityFactory(venue=venue, starts_at=timezone.now() - datetime.timedelta(hours=3))
    signup = Signup.objects.create(
        activity=activity, resident=cast.resident, status="confirmed", channel="self"
    )
    post = VolunteerPostFactory(community=cast.community)
    team = f.VolunteerTeamFactory(community=cast.community)
    volunteer = f.VolunteerFactory(team=team, user=f.UserFactory(role=Role.VOLUNTEER))
    account = TimeBankAccount.objects.create(resident=cast.resident)
    neighbour = f.ResidentFactory(community=cast.community)
    help_record = HelpRecord.objects.create(
        helper=cast.resident, helped=neighbour, kind="company", day=timezone.localdate(), minutes=30
    )
    suggestion = Suggestion.objects.create(community=cast.community, title="t", body="b")
    return {
        "activity": activity.pk,
        "signup": signup.pk,
        "venue": venue.pk,
        "post": post.pk,
        "shift": ShiftFactory(post=post).pk,
        "volunteer": volunteer.pk,
        "account": account.pk,
        "help": help_record.pk,
        "suggestion": suggestion.pk,
        "volunteer_user": volunteer.user,
    }


PAGES = [
    ("activities:list", None),
    ("activities:create", None),
    ("activities:detail", "activity"),
    ("activities:cancel", "activity"),
    ("activities:door", "activity"),
    ("activities:feedback", "signup"),
    ("activities:checkin_qr", "signup"),
    ("activities:venue_calendar", "venue"),
    ("activities:post_list", None),
    ("activities:post_create", None),
    ("activities:shift_create", "post"),
    ("activities:shift_detail", "shift"),
    ("activities:volunteer_list", None),
    ("activities:volunteer_record", "volunteer"),
    ("activities:certificate", "volunteer"),
    ("activities:time_bank", None),
    ("activities:help_report", None),
    ("activities:spend", "account"),
    ("activities:suggestion_list", None),
    ("activities:suggestion_create", None),
    ("activities:suggestion_answer", "suggestion"),
    ("activities:roster_import", None),
    ("activities:roster_template", None),
]
POSTS = [
    ("activities:sign_up", "activity"),
    ("activities:signup_cancel", "signup"),
    ("activities:attend", "signup"),
    ("activities:shift_sign_up", "shift"),
    ("activities:help_confirm", "help"),
    ("activities:suggestion_close", "suggestion"),
]


@pytest.mark.parametrize("who", WHO)
def test_every_page_answers_without_a_server_error(client, cast, world, who):
    user = {"resident": cast.resident.user, "volunteer": world["volunteer_user"]}.get(who)
    client.force_login(user or getattr(cast, who))
    for name, arg in PAGES:
        url = reverse(name, args=[world[arg]] if arg else [])
        assert client.get(url).status_code in (200, 403, 404), name
    for name, arg in POSTS:
        url = reverse(name, args=[world[arg]])
        assert client.post(url, {"resident": "x"}).status_code in (200, 302, 403, 404), name
