"""City-wide runs: civil-affairs staff match every street at once; nobody else may."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse

from services.matching.io import matching_run
from services.matching.jobs import matching_job_start
from services.matching.models import MatchingJob
from services.matching.rules import CITY, may_run_matching
from services.models import Match, MatchingRun
from tests import factories as f


@pytest.fixture
def city(cast):
    """One request and one offering on each street."""
    visits = f.ServiceTypeFactory(code="visits", name="探访")
    for organization, community in (
        (cast.organization, cast.community),
        (cast.other_organization, cast.other_community),
    ):
        offering = f.OfferingFactory(organization=organization, service_type=visits)
        f.OfferingWindowFactory(offering=offering, weekday=0)
        f.ServiceRequestFactory(
            resident=f.ResidentFactory(community=community), service_type=visits
        )
    return cast


def _midweek(week: datetime.date) -> str:
    return (week + datetime.timedelta(days=2)).isoformat()


def test_only_civil_affairs_may_run_city_wide(city):
    assert may_run_matching(city.civil, CITY)
    for user in (city.street_staff, city.community_staff, city.member, city.resident.user):
        assert not may_run_matching(user, CITY)


def test_city_wide_run_covers_every_street(city, clock):
    run = matching_run(user=city.civil, city=True, week_start=clock.next_monday)

    assert run.city_wide and run.scope_name == "全市"
    communities = set(
        Match.objects.filter(run=run).values_list("request__resident__community", flat=True)
    )
    assert communities == {city.community.pk, city.other_community.pk}
    assert run.stats["requests"] == 2 and run.stats["served"] == 2


def test_street_staff_cannot_run_city_wide(city, clock):
    with pytest.raises(PermissionDenied, match="只有民政局工作人员可以运行全市匹配"):
        matching_run(user=city.street_staff, city=True, week_start=clock.next_monday)
    with pytest.raises(PermissionDenied):
        matching_job_start(user=city.street_staff, city=True, week_start=clock.next_monday)
    assert not MatchingRun.objects.exists() and not MatchingJob.objects.exists()
    assert not Match.objects.exists()


def test_run_page_offers_city_wide_to_civil_affairs_only(client, city):
    client.force_login(city.civil)
    choices = dict(client.get(reverse("matching:run")).context["form"].fields["scope"].choices)
    assert choices["city"] == "全市（所有街道）"

    client.force_login(city.street_staff)
    choices = dict(client.get(reverse("matching:run")).context["form"].fields["scope"].choices)
    assert "city" not in choices


def test_street_staff_posting_city_is_refused_and_nothing_runs(client, city, clock):
    client.force_login(city.street_staff)
    response = client.post(
        reverse("matching:run"), {"scope": "city", "week_start": _midweek(clock.next_monday)}
    )

    assert response.status_code == 200
    assert "scope" in response.context["form"].errors
    assert not MatchingJob.objects.exists() and not Match.objects.exists()


def test_civil_affairs_runs_city_wide_from_the_page(client, city, clock):
    client.force_login(city.civil)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("matching:run"), {"scope": "city", "week_start": _midweek(clock.next_monday)}
        )

    job = MatchingJob.objects.get()
    assert job.city_wide and job.status == MatchingJob.Status.DONE, job.error
    assert response.status_code == 302
    assert Match.objects.filter(run=job.run).count() == 2
    page = client.get(reverse("matching:run_detail", args=[job.run_id])).content.decode()
    assert "全市" in page
    # The run is the city's: street staff do not see it.
    client.force_login(city.street_staff)
    assert client.get(reverse("matching:run_detail", args=[job.run_id])).status_code == 404


def test_api_starts_a_city_wide_job(client, city, clock):
    client.force_login(city.civil)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/api/v1/matching-jobs/",
            {"city": True, "week_start": _midweek(clock.next_monday)},
            content_type="application/json",
        )

    assert response.status_code == 201, response.content
    job = MatchingJob.objects.get(pk=response.json()["id"])
    assert job.city_wide and job.week_start == clock.next_monday
    body = client.get(f"/api/v1/matching-jobs/{job.pk}/").json()
    assert body["status"] == "done" and body["city_wide"] is True and body["run"]
    assert Match.objects.filter(run_id=body["run"]).count() == 2


def test_api_refuses_city_wide_to_street_staff(client, city, clock):
    client.force_login(city.street_staff)
    response = client.post(
        "/api/v1/matching-jobs/",
        {"city": True, "week_start": _midweek(clock.next_monday)},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not MatchingJob.objects.exists()


def test_api_refuses_another_street_and_two_scopes(client, city, clock):
    client.force_login(city.street_staff)
    week = _midweek(clock.next_monday)
    other = client.post(
        "/api/v1/matching-jobs/",
        {"street": city.west_street.pk, "week_start": week},
        content_type="application/json",
    )
    both = client.post(
        "/api/v1/matching-jobs/",
        {"street": city.east_street.pk, "city": True, "week_start": week},
        content_type="application/json",
    )

    assert other.status_code == 403
    assert both.status_code == 400
    assert not MatchingJob.objects.exists()
