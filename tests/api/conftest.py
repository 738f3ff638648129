"""The API cast: the shared `cast` plus services on both sides and a worker and a dashboard."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from sanlian.roles import Role
from services.models import Match, Visit
from tests import factories as f


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def today_at(hour: int) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time(hour, 0))
    )


def _side(*, organization, community, resident, service_type, worker_user=None):
    worker = f.SocialWorkerFactory(user=worker_user, organization=organization)
    worker.communities.set([community])
    offering = f.OfferingFactory(
        organization=organization, service_type=service_type, communities=[community]
    )
    f.OfferingWindowFactory(offering=offering)
    team = f.VolunteerTeamFactory(community=community, leader=worker)
    volunteer = f.VolunteerFactory(team=team)
    request = f.ServiceRequestFactory(resident=resident, service_type=service_type)
    match = f.MatchFactory(request=request, offering=offering, status=Match.Status.CONFIRMED)
    visit = f.VisitFactory(
        request=request,
        offering=offering,
        match=match,
        social_worker=worker,
        scheduled_start=today_at(12),
    )
    venue = f.VenueFactory(community=community)
    return SimpleNamespace(
        worker=worker,
        offering=offering,
        team=team,
        volunteer=volunteer,
        request=request,
        match=match,
        visit=visit,
        venue=venue,
    )


@pytest.fixture
def both_sides(cast):
    """Service rows on both sides of the cast: `ours` (east) and `other` (west)."""
    service_type = f.ServiceTypeFactory(name="理发")
    worker_user = f.UserFactory(username="worker", role=Role.SOCIAL_WORKER)
    ours = _side(
        organization=cast.organization,
        community=cast.community,
        resident=cast.resident,
        service_type=service_type,
        worker_user=worker_user,
    )
    other = _side(
        organization=cast.other_organization,
        community=cast.other_community,
        resident=cast.other_resident,
        service_type=service_type,
    )
    dashboard = f.UserFactory(username="dashboard", role=Role.DASHBOARD)
    return SimpleNamespace(
        cast=cast,
        service_type=service_type,
        worker=worker_user,
        dashboard=dashboard,
        ours=ours,
        other=other,
    )


@pytest.fixture
def completed_visit(both_sides):
    visit = both_sides.ours.visit
    visit.status = Visit.Status.COMPLETED
    visit.checked_in_at = visit.scheduled_start
    visit.checked_out_at = visit.scheduled_start + datetime.timedelta(hours=1)
    visit.service_log = "理发一次"
    visit.save()
    return visit
