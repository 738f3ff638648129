"""The resident's QR code at the door: scanned by the organizer, it checks the resident in."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Signup
from activities.queries import signup_checkin_token
from tests import factories as f
from tests.factories.activities import ActivityFactory


@pytest.fixture
def signup(cast, venue):
    activity = ActivityFactory(
        venue=venue,
        organization=cast.organization,
        starts_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    return Signup.objects.create(
        activity=activity, resident=cast.resident, status="confirmed", channel="self"
    )


def test_resident_gets_a_qr_code_that_the_organizer_scans_to_check_in(client, cast, signup):
    client.force_login(cast.family)
    qr = client.get(reverse("activities:checkin_qr", args=[signup.pk]))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    url = reverse("activities:checkin", args=[signup_checkin_token(signup)])
    client.force_login(cast.member)
    assert cast.resident.name in client.get(url).content.decode()
    client.post(url)
    signup.refresh_from_db()
    assert signup.attended_at is not None


@pytest.mark.parametrize("who", ["other_member", "other_street_staff", "family"])
def test_scanned_code_is_useless_to_anyone_else(client, cast, signup, who):
    client.force_login(getattr(cast, who))
    url = reverse("activities:checkin", args=[signup_checkin_token(signup)])
    assert client.post(url).status_code == 404
    signup.refresh_from_db()
    assert signup.attended_at is None


def test_a_forged_code_is_not_found(client, cast, signup):
    client.force_login(cast.member)
    token = signup_checkin_token(signup)
    token = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.post(reverse("activities:checkin", args=[token])).status_code == 404
    assert client.post(reverse("activities:checkin", args=[str(signup.pk)])).status_code == 404
    signup.refresh_from_db()
    assert signup.attended_at is None


def test_no_qr_code_of_someone_elses_signup(client, cast, signup):
    client.force_login(f.UserFactory(role="family"))
    assert client.get(reverse("activities:checkin_qr", args=[signup.pk])).status_code == 404
