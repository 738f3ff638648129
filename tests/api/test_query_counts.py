"""Every list endpoint costs the same number of queries for 1 and for 50 items, pinned."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanlian.api.domain import dashboard_token_issue
from sanlian.roles import Role
from services.models import Match, Visit
from tests import factories as f
from tests.api.conftest import client_for


def _community():
    return f.CommunityFactory()


def _social_worker():
    worker = f.SocialWorkerFactory(organization=f.OrganizationFactory())
    worker.communities.set([_community()])
    worker.skills.set([f.SkillFactory(), f.SkillFactory()])
    return worker


def _offering():
    offering = f.OfferingFactory(communities=[_community()])
    f.OfferingWindowFactory(offering=offering)
    return offering


def _organization():
    organization = f.OrganizationFactory()
    organization.wants_to_serve.set([_community()])
    return organization


def _volunteer():
    volunteer = f.VolunteerFactory()
    volunteer.skills.set([f.SkillFactory()])
    return volunteer


def _visit():
    visit = f.VisitFactory(social_worker=f.SocialWorkerFactory(), status=Visit.Status.COMPLETED)
    f.FeedbackFactory(visit=visit)
    return visit


MAKERS = {
    "districts": lambda civil: f.StreetFactory(),
    "streets": lambda civil: f.StreetFactory(),
    "communities": lambda civil: f.AgreementFactory(community=_community()),
    "venues": lambda civil: f.VenueFactory(),
    "residents": lambda civil: f.ResidentFactory(),
    "organizations": lambda civil: _organization(),
    "agreements": lambda civil: f.AgreementFactory(),
    "social-workers": lambda civil: _social_worker(),
    "volunteer-teams": lambda civil: f.VolunteerFactory(),
    "volunteers": lambda civil: _volunteer(),
    "service-types": lambda civil: f.ServiceTypeFactory(),
    "offerings": lambda civil: _offering(),
    "requests": lambda civil: f.ServiceRequestFactory(),
    "matches": lambda civil: f.MatchFactory(status=Match.Status.CONFIRMED),
    "visits": lambda civil: _visit(),
    "dashboard-tokens": lambda civil: dashboard_token_issue(name="大屏", issued_by=civil),
}
# Queries per list page for civil-affairs staff (authentication is forced, so not counted):
# count + page, plus one per prefetched to-many relation.
PINNED = {
    **dict.fromkeys(MAKERS, 2),
    "organizations": 3,  # + wants_to_serve
    "social-workers": 4,  # + communities, skills
    "volunteers": 3,  # + skills
    "offerings": 4,  # + communities, windows
}


def _count(client, name) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/{name}/?page_size=100")
    assert response.status_code == 200
    return len(queries), response.json()["count"]


@pytest.mark.parametrize("name", list(MAKERS))
def test_list_query_count_constant(db, name):
    civil = f.UserFactory(role=Role.CIVIL_AFFAIRS)
    client = client_for(civil)
    MAKERS[name](civil)
    one, count_one = _count(client, name)
    for _ in range(49):
        MAKERS[name](civil)
    fifty, count_fifty = _count(client, name)
    assert count_one >= 1 and count_fifty >= 50
    assert one == fifty
    assert fifty == PINNED[name], f"{name}: {fifty} queries"
