"""The API keeps its own schema: fields that can be null say so; no credentials is a 401."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests import factories as f
from tests.api.conftest import client_for

NULLABLE = {
    "Visit": [
        "social_worker_name",
        "volunteer_name",
        "check_in_distance_m",
        "check_out_distance_m",
    ],
    "Agreement": ["venue_name"],
    "Organization": ["home_street_name"],
    "SocialWorker": ["organization_name"],
}


@pytest.fixture(scope="module")
def components():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


@pytest.mark.parametrize(("component", "fields"), NULLABLE.items())
def test_fields_that_answer_null_are_nullable_in_the_schema(components, component, fields):
    for field in fields:
        assert components[component]["properties"][field].get("nullable") is True, field


def test_a_social_worker_without_organization_answers_null(cast):
    worker = f.SocialWorkerFactory(organization=None)
    body = client_for(cast.civil).get(f"/api/v1/social-workers/{worker.pk}/").json()
    assert body["organization_name"] is None  # what the schema now allows


@pytest.mark.parametrize("header", [None, "Token not-a-real-token"])
def test_missing_or_bad_credentials_answer_401_with_a_challenge(cast, header):
    client = client_for()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/requests/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_signed_in_but_not_allowed_is_still_403(cast):
    dashboard = f.UserFactory(role="dashboard")
    assert client_for(dashboard).get("/api/v1/requests/").status_code == 403
