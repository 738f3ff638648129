"""The casework list endpoints: constant query counts, pinned, and scope."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.instruments import instrument_current
from casework.models import Assessment, Callback, Case
from sanlian.roles import Role
from services.models import Visit
from tests import factories as f
from tests.api.conftest import client_for


def _assessment(user):
    Assessment.objects.create(
        resident=f.ResidentFactory(), instrument=instrument_current(), assessor=user
    )


def _case(user):
    case = Case.objects.create(
        resident=f.ResidentFactory(), source="referral", presenting_need="x", opened_by=user
    )
    case.social_workers.add(f.SocialWorkerFactory())


def _callback(user):
    visit = f.VisitFactory(status=Visit.Status.COMPLETED)
    Callback.objects.create(
        visit=visit,
        social_worker=f.SocialWorkerFactory(),
        week_start=timezone.localdate() - datetime.timedelta(days=7),
    )


MAKERS = {"assessments": _assessment, "cases": _case, "callbacks": _callback}
PINNED = {"assessments": 2, "cases": 3, "callbacks": 2}  # count + page (+ social_workers)


def _count(client, name):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/{name}/?page_size=100")
    assert response.status_code == 200
    return len(queries), response.json()["count"]


@pytest.mark.parametrize("name", list(MAKERS))
def test_casework_list_query_count_constant(db, name):
    civil = f.UserFactory(role=Role.CIVIL_AFFAIRS)
    client = client_for(civil)
    MAKERS[name](civil)
    one, count_one = _count(client, name)
    for _ in range(29):
        MAKERS[name](civil)
    thirty, count_thirty = _count(client, name)
    assert (count_one, count_thirty) == (1, 30)
    assert one == thirty == PINNED[name]


def test_casework_api_scoped_to_other_street_and_organization(cast):
    civil_user = cast.civil
    _case(civil_user)
    _callback(civil_user)
    for user in (cast.other_street_staff, cast.other_member, cast.family):
        client = client_for(user)
        assert client.get("/api/v1/cases/").json()["count"] == 0
        assert client.get("/api/v1/callbacks/").json()["count"] == 0
