"""/api/v1/activities/ and friends: scoped lists, actions through the domain, pinned queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.models import Signup, Suggestion, TimeBankAccount
from tests import factories as f
from tests.api.conftest import client_for
from tests.factories.activities import ActivityFactory


def test_resident_signs_up_through_the_api_and_cancels(cast, venue):
    activity = ActivityFactory(venue=venue, capacity=1)
    client = client_for(cast.resident.user)
    response = client.post(
        f"/api/v1/activities/{activity.pk}/sign-up/", {"resident": cast.resident.pk}, format="json"
    )
    assert response.status_code == 201 and response.json()["status"] == "confirmed"
    again = client.post(
        f"/api/v1/activities/{activity.pk}/sign-up/", {"resident": cast.resident.pk}, format="json"
    )
    assert again.status_code == 400 and "已经报名" in str(again.json())
    signup = Signup.objects.get()
    assert client.post(f"/api/v1/activity-signups/{signup.pk}/cancel/").json()["status"] == (
        "cancelled"
    )


def test_api_refuses_a_resident_out_of_scope_with_404_and_changes_nothing(cast, venue):
    # A body naming a row the caller may not see reads as one that does not exist: a 404
    # naming the field (sanlian/api/exceptions.py).
    activity = ActivityFactory(venue=venue)
    response = client_for(cast.family).post(
        f"/api/v1/activities/{activity.pk}/sign-up/",
        {"resident": cast.other_resident.pk},
        format="json",
    )
    assert response.status_code == 404
    assert list(response.json()["errors"]) == ["resident"]
    assert not Signup.objects.exists()


def test_attendance_through_the_api_only_for_the_organizer(cast, venue):
    activity = ActivityFactory(
        venue=venue,
        organization=cast.organization,
        starts_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    signup = Signup.objects.create(
        activity=activity, resident=cast.resident, status="confirmed", channel="self"
    )
    assert (
        client_for(cast.other_member)
        .post(f"/api/v1/activity-signups/{signup.pk}/attend/")
        .status_code
        == 404
    )
    assert (
        client_for(cast.resident.user)
        .post(f"/api/v1/activity-signups/{signup.pk}/attend/")
        .status_code
        == 403
    )
    assert (
        client_for(cast.member).post(f"/api/v1/activity-signups/{signup.pk}/attend/").status_code
        == 200
    )
    signup.refresh_from_db()
    assert signup.attended_at is not None


def test_lists_are_scoped(cast, venue, other_venue):
    ActivityFactory(venue=venue)
    ActivityFactory(venue=other_venue)
    Suggestion.objects.create(community=cast.community, author=cast.family, title="t", body="b")
    TimeBankAccount.objects.create(resident=cast.resident)
    assert client_for(cast.community_staff).get("/api/v1/activities/").json()["count"] == 1
    assert client_for(cast.civil).get("/api/v1/activities/").json()["count"] == 2
    assert client_for(cast.other_street_staff).get("/api/v1/suggestions/").json()["count"] == 0
    assert client_for(cast.street_staff).get("/api/v1/suggestions/").json()["count"] == 1
    assert (
        client_for(cast.other_street_staff).get("/api/v1/time-bank-accounts/").json()["count"] == 0
    )
    assert client_for(cast.family).get("/api/v1/time-bank-accounts/").json()["count"] == 1


def _queries(user, path):
    with CaptureQueriesContext(connection) as queries:
        response = client_for(user).get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("path", "pinned"),
    [
        ("/api/v1/activities/", 2),
        ("/api/v1/activity-signups/", 2),
        ("/api/v1/suggestions/", 2),
        ("/api/v1/time-bank-accounts/", 2),
    ],
)
def test_list_query_counts_are_pinned(cast, path, pinned):
    def grow(n):
        for _ in range(n):
            venue = f.VenueFactory(community=cast.community)
            activity = ActivityFactory(venue=venue, organization=cast.organization)
            resident = f.ResidentFactory(community=cast.community)
            Signup.objects.create(
                activity=activity, resident=resident, status="confirmed", channel="staff"
            )
            Suggestion.objects.create(
                community=cast.community, author=cast.family, title="t", body="b"
            )
            TimeBankAccount.objects.create(resident=resident)

    grow(1)
    one = _queries(cast.civil, path)
    grow(20)
    assert _queries(cast.civil, path) == one == pinned
