"""The per-community activity figures: the query against direct counts, /api/v1/stats/activities/,
the dashboard section and the community page, scope and small-count suppression."""

import datetime

import pytest
from django.core.cache import cache
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, HelpRecord, HoursCredit, ShiftSignup, Signup, Suggestion
from activities.queries import community_activity_figures
from communities.models import Community
from services.models import Visit
from tests import factories as f
from tests.api.conftest import client_for
from tests.factories.activities import ActivityFactory, ShiftFactory, VolunteerPostFactory

HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # figures are cached per filter
    yield
    cache.clear()


def _held(venue, *, attended: int, hours_ago: int = 5) -> Activity:
    now = timezone.now()
    activity = ActivityFactory(
        venue=venue, starts_at=now - hours_ago * HOUR, ends_at=now - (hours_ago - 2) * HOUR
    )
    for _ in range(attended):
        Signup.objects.create(
            activity=activity,
            resident=f.ResidentFactory(community=venue.community),
            status="confirmed",
            channel="self",
            attended_at=now - hours_ago * HOUR,
        )
    return activity


def _shift_served(community, volunteers: int, minutes: int = 120) -> None:
    now = timezone.now()
    shift = ShiftFactory(
        post=VolunteerPostFactory(community=community), starts_at=now - 3 * HOUR, ends_at=now - HOUR
    )
    for _ in range(volunteers):
        signup = ShiftSignup.objects.create(shift=shift, volunteer=f.VolunteerFactory())
        HoursCredit.objects.create(volunteer=signup.volunteer, shift_signup=signup, minutes=minutes)


def _helped(community, helpers: int, minutes: int = 45, status="confirmed") -> None:
    neighbour = f.ResidentFactory(community=community)
    for _ in range(helpers):
        HelpRecord.objects.create(
            helper=f.ResidentFactory(community=community),
            helped=neighbour,
            kind="company",
            day=timezone.localdate(),
            minutes=minutes,
            status=status,
        )


def _volunteer_visit(community, *, minutes: int) -> Visit:
    now = timezone.now()
    request = f.ServiceRequestFactory(resident=f.ResidentFactory(community=community))
    return f.VisitFactory(
        request=request,
        volunteer=f.VolunteerFactory(),
        status=Visit.Status.COMPLETED,
        scheduled_start=now - 4 * HOUR,
        checked_in_at=now - 4 * HOUR,
        checked_out_at=now - 4 * HOUR + datetime.timedelta(minutes=minutes),
    )


def _suggest(community, status="open", n=1) -> None:
    for i in range(n):
        Suggestion.objects.create(
            community=community,
            title=f"建议{i}",
            body="多办象棋班",
            status=status,
            answer="" if status == "open" else "好的",
        )


def test_figures_per_community_match_direct_counts(cast, venue, other_venue):
    now = timezone.now()
    _held(venue, attended=6)
    _held(other_venue, attended=2)
    ActivityFactory(venue=venue, starts_at=now + 5 * HOUR)  # not held yet: booked, not held
    ActivityFactory(venue=venue, starts_at=now - 30 * HOUR, ends_at=now - 29 * HOUR)  # earlier
    ActivityFactory(
        venue=venue, starts_at=now - 9 * HOUR, ends_at=now - 8 * HOUR, status="cancelled"
    )
    _shift_served(cast.community, volunteers=2, minutes=120)
    visit = _volunteer_visit(cast.community, minutes=50)
    _helped(cast.community, helpers=3)
    _helped(cast.community, helpers=2, status="reported")  # not confirmed: no hours
    _suggest(cast.community, "open", 2)
    _suggest(cast.community, "done", 1)
    since, until = now - 24 * HOUR, now + 24 * HOUR
    figures = community_activity_figures(
        communities=Community.objects.all(), since=since, until=until
    )

    in_period = Activity.objects.filter(starts_at__gte=since, starts_at__lt=until)
    held = in_period.filter(status="published", ends_at__lte=now, community=cast.community)
    booked = in_period.filter(status="published", community=cast.community)
    credits = HoursCredit.objects.filter(shift_signup__shift__post__community=cast.community)
    helped = HelpRecord.objects.filter(status="confirmed", helper__community=cast.community)
    ours = figures[cast.community.pk]
    assert ours["activities_held"] == held.count() == 1
    assert (
        ours["attendances"]
        == Signup.objects.filter(activity__in=held, attended_at__isnull=False).count()
    )
    assert ours["venue_minutes"] == sum(
        (a.ends_at - a.starts_at).total_seconds() // 60 for a in booked
    )
    assert ours["venues_used"] == 1
    assert ours["volunteer_minutes"] == credits.aggregate(n=Sum("minutes"))["n"] + 50 == 290
    assert ours["volunteers"] == credits.count() + 1 == 3
    assert visit.volunteer_id not in set(credits.values_list("volunteer_id", flat=True))
    assert ours["mutual_help_minutes"] == helped.aggregate(n=Sum("minutes"))["n"] == 135
    assert ours["helpers"] == helped.aggregate(n=Count("helper", distinct=True))["n"] == 3
    assert (ours["suggestions_open"], ours["suggestions_done"]) == (2, 1)
    assert figures[cast.other_community.pk]["attendances"] == 2
    only_theirs = community_activity_figures(
        communities=Community.objects.filter(pk=cast.other_community.pk), since=since, until=until
    )
    assert set(only_theirs) == {cast.other_community.pk}


def test_figures_leave_out_what_happened_outside_the_dates(cast, venue):
    _held(venue, attended=6, hours_ago=50)
    now = timezone.now()
    figures = community_activity_figures(
        communities=Community.objects.all(), since=now - 24 * HOUR, until=now
    )
    assert figures.get(cast.community.pk, {}).get("attendances", 0) == 0


def _stats(user, **query):
    answer = client_for(user).get(reverse("api:stats-activities"), query)
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_stats_api_shows_figures_and_suppresses_small_counts(cast, venue, other_venue):
    _held(venue, attended=7)
    _held(other_venue, attended=6)
    _shift_served(cast.community, volunteers=5, minutes=90)
    _helped(cast.community, helpers=2)  # two helpers: their hours point at them
    _suggest(cast.community, "open", 3)
    stats = _stats(cast.civil)
    rows = {row["id"]: row for row in stats["results"]}
    ours = rows[cast.community.pk]
    assert ours["activities_held"] == 1
    assert ours["attendances"] == {"value": 7, "suppressed": False}
    assert ours["volunteer_hours"] == {"value": 7.5, "suppressed": False}
    assert ours["volunteers"] == {"value": 5, "suppressed": False}
    assert ours["helpers"] == {"value": None, "suppressed": True}
    assert ours["mutual_help_hours"] == {"value": None, "suppressed": True}
    assert ours["suggestions"] == {"open": 3, "answered": 0, "done": 0}
    assert stats["total"]["attendances"] == {"value": 13, "suppressed": False}
    assert stats["total"]["helpers"]["suppressed"]  # 2 in the city: still two people
    assert "activities" in client_for(cast.civil).get(reverse("api:stats-index")).json()


def test_stats_api_hides_a_complement_so_nothing_is_subtracted_back(cast, venue, other_venue):
    _held(venue, attended=3)  # small: hidden
    _held(other_venue, attended=9)  # would give it back from the total: hidden too
    stats = _stats(cast.civil)
    rows = {row["id"]: row for row in stats["results"]}
    assert rows[cast.community.pk]["attendances"]["suppressed"]
    assert rows[cast.other_community.pk]["attendances"]["suppressed"]
    assert stats["total"]["attendances"] == {"value": 12, "suppressed": False}


def test_street_staff_count_only_their_streets(cast, venue, other_venue):
    _held(venue, attended=6)
    _held(other_venue, attended=8)
    _suggest(cast.other_community, "open", 4)
    stats = _stats(cast.street_staff)
    assert [row["id"] for row in stats["results"]] == [cast.community.pk]
    assert stats["total"]["attendances"] == {"value": 6, "suppressed": False}
    assert stats["total"]["suggestions"]["open"] == 0
    # Asking for the other street does not widen the scope.
    theirs = _stats(cast.street_staff, street=cast.west_street.pk)
    assert theirs["results"] == [] and theirs["total"]["activities_held"] == 0
    everyone = _stats(cast.civil)
    assert everyone["total"]["attendances"]["value"] == 14


def test_stats_api_refuses_people_who_read_no_figures(cast):
    assert client_for(cast.member).get(reverse("api:stats-activities")).status_code == 403
    assert client_for(cast.resident.user).get(reverse("api:stats-activities")).status_code == 403


def test_dashboard_section_agrees_with_the_api_and_keeps_scope(client, cast, venue, other_venue):
    _held(venue, attended=6)
    _held(other_venue, attended=8)
    _suggest(cast.community, "open", 2)
    client.force_login(cast.street_staff)
    page = client.get(reverse("dashboard:index"), {"street": cast.east_street.pk})
    assert page.status_code == 200
    section = next(s for s in page.context["sections"] if "activities" in s["template"])
    api = _stats(cast.street_staff, street=cast.east_street.pk)
    assert section["total"] == api["total"]
    assert [row["id"] for row in section["results"]] == [cast.community.pk]
    body = page.content.decode()
    assert 'data-testid="dashboard-activities"' in body
    assert f'data-testid="activities-row-{cast.community.pk}"' in body
    assert f'data-testid="activities-row-{cast.other_community.pk}"' not in body
    assert (
        client.get(reverse("dashboard:index"), {"street": cast.west_street.pk}).status_code == 404
    )


def test_community_dashboard_and_page_count_suggestions(client, cast):
    _suggest(cast.community, "open", 2)
    _suggest(cast.community, "answered", 1)
    _suggest(cast.other_community, "open", 5)
    client.force_login(cast.community_staff)
    board = client.get(reverse("dashboard:index"), {"community": cast.community.pk})
    section = next(s for s in board.context["sections"] if "activities" in s["template"])
    assert section["total"]["suggestions"] == {"open": 2, "answered": 1, "done": 0}
    assert section["results"] == []
    page = client.get(reverse("indicators:community_detail", args=[cast.community.pk]))
    assert [(status, n) for status, _label, n in page.context["suggestions"]] == [
        ("open", 2),
        ("answered", 1),
        ("done", 0),
    ]
    assert 'data-testid="suggestions-open"' in page.content.decode()
