"""What schemathesis found the API answering against its own schema, each kept fixed here
in a fast test (tests/api/test_schemathesis.py finds them again, slowly):

- a refusal for the object's state that a domain function raised as a plain
  ValidationError answered 400 (approve an organization no longer submitted, accept an
  agreement no longer pending, match a week already gone): it is a 409;
- a well-formed body naming a row that does not exist answered 400: it is a 404 naming the
  field, documented on every write whose body names rows;
- a form body (which cannot say null) was parsed against the JSON body's schema: the API
  takes JSON only, and answers a form 415;
- the matching job's "exactly one scope" rule was not in the schema: it is a oneOf;
- `?pilot_batch=` on the stats and `?happened_as_logged=null` on the callbacks were taken
  as "no filter", where the schema refuses them: they are a 400;
- a registration's password rules were not in the schema: the field has the `password`
  format, a minimum length and the rules in its description;
- reject, suspend and decline took `{}` in the schema but the domain wanted a reason: the
  reason is required (and not blank) in the schema too;
- a malformed call id (`null,null`) on project-calls/{id}/decide/ was a 500: it is a 404.
"""

import jsonschema
import pytest
from django.utils import timezone
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from drf_spectacular.plumbing import force_instance
from rest_framework import serializers
from rest_framework.authtoken.models import Token

from casework.models import Callback
from organizations.models import Agreement, Organization
from projects import domain as projects_domain
from sanlian.api.inputs import StrictTextField
from services.models import ServiceRequest
from tests import factories as f
from tests.api.conftest import client_for
from tests.projects._support import apply, close, publish


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


# --- state refusals answer 409 --------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("approve", Organization.Status.APPROVED),
        ("reject", Organization.Status.APPROVED),
        ("reinstate", Organization.Status.APPROVED),
        ("suspend", Organization.Status.SUBMITTED),
    ],
)
def test_reviewing_an_organization_in_the_wrong_state_is_a_conflict(cast, action, status):
    organization = f.OrganizationFactory(status=status, home_street=cast.east_street)
    answer = client_for(cast.civil).post(
        f"/api/v1/organizations/{organization.pk}/{action}/", {"reason": "核实"}, format="json"
    )
    assert answer.status_code == 409, answer.content
    assert answer.json()["detail"]
    organization.refresh_from_db()
    assert organization.status == status


def test_reviewing_a_submitted_organization_still_succeeds(cast):
    organization = f.OrganizationFactory(status=Organization.Status.SUBMITTED)
    answer = client_for(cast.civil).post(f"/api/v1/organizations/{organization.pk}/approve/")
    assert answer.status_code == 200, answer.content
    organization.refresh_from_db()
    assert organization.status == Organization.Status.APPROVED


@pytest.mark.parametrize("verb", ["accept", "decline"])
def test_deciding_an_agreement_no_longer_pending_is_a_conflict(cast, verb):
    agreement = Agreement.objects.get(organization=cast.organization, community=cast.community)
    assert agreement.status == Agreement.Status.ACTIVE
    answer = client_for(cast.street_staff).post(
        f"/api/v1/agreements/{agreement.pk}/{verb}/", {"reason": "场地不足"}, format="json"
    )
    assert answer.status_code == 409, answer.content
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE


def test_starting_matching_for_a_week_gone_is_a_conflict_and_this_week_is_not(cast, clock):
    client = client_for(cast.street_staff)
    gone = {"street": cast.east_street.pk, "week_start": str(clock.week(-1))}
    answer = client.post("/api/v1/matching-jobs/", gone, format="json")
    assert answer.status_code == 409, answer.content
    assert list(answer.json()["errors"]) == ["week_start"]
    this_week = {"street": cast.east_street.pk, "week_start": str(clock.monday)}
    assert client.post("/api/v1/matching-jobs/", this_week, format="json").status_code == 201


# --- a body naming a missing row answers 404 -------------------------------------------------


def _request_body(cast, **changes) -> dict:
    body = {
        "resident": cast.resident.pk,
        "service_type": f.ServiceTypeFactory().pk,
        "preferred_days": [1, 3],
        "preferred_start": "09:00",
        "preferred_end": "11:00",
    }
    return {**body, **changes}


def test_a_body_naming_a_row_that_does_not_exist_is_a_404_naming_the_field(cast):
    missing = 10**9
    answer = client_for(cast.street_staff).post(
        "/api/v1/requests/", _request_body(cast, resident=missing), format="json"
    )
    assert answer.status_code == 404, answer.content
    assert list(answer.json()["errors"]) == ["resident"]
    assert not ServiceRequest.objects.exists()


def test_a_missing_row_beside_a_malformed_field_is_still_a_400(cast):
    body = _request_body(cast, resident=10**9, preferred_days=["monday"])
    answer = client_for(cast.street_staff).post("/api/v1/requests/", body, format="json")
    assert answer.status_code == 400, answer.content
    assert set(answer.json()["errors"]) == {"resident", "preferred_days"}


def test_control_the_same_body_naming_a_row_that_exists_is_created(cast):
    f.ConsentFactory(resident=cast.resident)
    answer = client_for(cast.street_staff).post(
        "/api/v1/requests/", _request_body(cast), format="json"
    )
    assert answer.status_code == 201, answer.content
    assert ServiceRequest.objects.get().resident == cast.resident


def test_writes_whose_body_names_rows_document_the_404_and_others_do_not(schema):
    paths = schema["paths"]
    for path in ("/api/v1/requests/", "/api/v1/agreements/", "/api/v1/matching-jobs/"):
        assert "404" in paths[path]["post"]["responses"], path
    assert "404" not in paths["/api/v1/auth/token/"]["post"]["responses"]


def test_filing_the_same_service_again_while_one_is_in_progress_is_a_conflict(cast):
    f.ConsentFactory(resident=cast.resident)
    client, body = client_for(cast.street_staff), _request_body(cast)
    assert client.post("/api/v1/requests/", body, format="json").status_code == 201
    again = client.post("/api/v1/requests/", body, format="json")
    assert again.status_code == 409, again.content
    assert list(again.json()["errors"]) == ["service_type"]
    assert ServiceRequest.objects.count() == 1


# --- bodies are JSON, the one media type the schema describes --------------------------------


def test_a_form_body_is_refused_and_the_schema_offers_json_only(cast, schema):
    organization = f.OrganizationFactory(status=Organization.Status.SUBMITTED)
    url = f"/api/v1/organizations/{organization.pk}/reject/"
    form = client_for(cast.civil).post(url, {"reason": "材料不全"}, format="multipart")
    assert form.status_code == 415
    organization.refresh_from_db()
    assert organization.status == Organization.Status.SUBMITTED
    body = schema["paths"]["/api/v1/requests/"]["post"]["requestBody"]["content"]
    assert list(body) == ["application/json"]


# --- the matching job's scope is stated as a oneOf -----------------------------------------


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        ({"city": True}, True),
        ({"street": 3}, True),
        ({"community": 5, "street": None, "city": False}, True),
        ({}, False),
        ({"city": False}, False),
        ({"city": True, "street": 3}, False),
        ({"street": 3, "community": 5}, False),
    ],
)
def test_the_schema_says_exactly_one_matching_scope(schema, body, accepted):
    request = schema["components"]["schemas"]["MatchingJobCreateRequest"]
    validator = jsonschema.Draft4Validator(_nullable_to_json_schema(request))
    assert validator.is_valid({**body, "week_start": "2099-01-05"}) is accepted


def _nullable_to_json_schema(node):
    """OpenAPI 3.0's `nullable` in JSON Schema terms, as schemathesis reads it."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_to_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False) and "type" in node:
        node["type"] = [node["type"], "null"]
    return node


def test_the_api_refuses_two_matching_scopes_as_the_schema_does(cast, clock):
    body = {"city": True, "street": cast.east_street.pk, "week_start": str(clock.monday)}
    answer = client_for(cast.civil).post("/api/v1/matching-jobs/", body, format="json")
    assert answer.status_code == 400, answer.content


# --- empty or null query values the schema refuses answer 400 ---------------------------------


@pytest.mark.parametrize("path", ["/api/v1/stats/weekly/", "/api/v1/stats/unmet-demand/"])
def test_an_empty_pilot_batch_is_refused_as_the_schema_says(cast, path):
    dashboard = f.UserFactory(role="dashboard")
    client = client_for(dashboard)
    assert client.get(path, {"pilot_batch": ""}).status_code == 400
    assert client.get(path, {"pilot_batch": "city"}).status_code == 200  # control


def test_a_boolean_filter_takes_true_or_false_and_nothing_else(both_sides):
    visit = both_sides.ours.visit
    Callback.objects.create(
        visit=visit,
        social_worker=both_sides.ours.worker,
        week_start=visit.scheduled_start.date(),
        status=Callback.Status.DONE,
        happened_as_logged=True,
        quality_score=5,
        done_at=timezone.now(),
    )
    client = client_for(both_sides.cast.civil)
    found = client.get("/api/v1/callbacks/", {"happened_as_logged": "true"}).json()
    assert [row["visit"] for row in found["results"]] == [visit.pk]
    assert client.get("/api/v1/callbacks/", {"happened_as_logged": "false"}).json()["results"] == []
    for bad in ("null", "", "1", "unknown"):
        answer = client.get("/api/v1/callbacks/", {"happened_as_logged": bad})
        assert answer.status_code == 400, (bad, answer.content)


# --- the password's rules are in the schema -------------------------------------------------


def test_the_registration_password_states_its_rules(schema):
    request = schema["components"]["schemas"]["OrganizationRegistrationRequest"]
    password = request["properties"]["password"]
    assert password["format"] == "password" and password["minLength"] == 8
    assert "common" in password["description"]


# --- a refusal's reason is required in the schema as in the domain --------------------------


def test_a_refusal_without_a_reason_is_refused_by_the_schema_and_the_api(cast, schema):
    paths = schema["paths"]
    for path in ("/api/v1/organizations/{id}/reject/", "/api/v1/agreements/{id}/decline/"):
        ref = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert body["required"] == ["reason"], path
    assert "required" not in _body_schema(schema, "/api/v1/organizations/{id}/approve/")
    organization = f.OrganizationFactory(status=Organization.Status.SUBMITTED)
    url = f"/api/v1/organizations/{organization.pk}/reject/"
    client = client_for(cast.civil)
    for bad in ({}, {"reason": "   "}, {"reason": 0}, {"reason": 1.5}, {"reason": ["x"]}):
        answer = client.post(url, bad, format="json")
        assert answer.status_code == 400 and list(answer.json()["errors"]) == ["reason"], bad
        organization.refresh_from_db()
        assert organization.status == Organization.Status.SUBMITTED
    assert client.post(url, {"reason": "材料不全"}, format="json").status_code == 200


def test_a_decline_reason_given_as_a_number_is_refused_not_stored_as_its_digits(cast):
    # DRF's CharField would take {"reason": 0} as the reason "0"; the schema says a string.
    agreement = Agreement.objects.get(organization=cast.organization, community=cast.community)
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.PENDING)
    client = client_for(cast.street_staff)
    url = f"/api/v1/agreements/{agreement.pk}/decline/"
    answer = client.post(url, {"reason": 0}, format="json")
    assert answer.status_code == 400 and list(answer.json()["errors"]) == ["reason"]
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.PENDING
    # control: the same decline with words is taken
    assert client.post(url, {"reason": "场地不足"}, format="json").status_code == 200


def _body_schema(schema, path) -> dict:
    content = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    return schema["components"]["schemas"][content["schema"]["$ref"].rsplit("/", 1)[1]]


def test_a_malformed_call_id_is_a_404_not_a_server_error(cast):
    answer = client_for(cast.civil).post(
        "/api/v1/project-calls/null,null/decide/", {"awarded": [], "reasons": {}}, format="json"
    )
    assert answer.status_code == 404


# --- a row that exists but does not fit the rest of the body answers 404 too -----------------


@pytest.mark.parametrize("field", ["preferred_organization", "excluded_organization"])
def test_an_organization_not_serving_the_residents_community_is_a_404_naming_the_field(cast, field):
    f.ConsentFactory(resident=cast.resident)
    body = _request_body(cast, **{field: cast.other_organization.pk})
    answer = client_for(cast.street_staff).post("/api/v1/requests/", body, format="json")
    assert answer.status_code == 404, answer.content
    assert list(answer.json()["errors"]) == [field]
    assert not ServiceRequest.objects.exists()


def test_control_an_organization_offering_the_service_there_may_be_preferred(cast):
    f.ConsentFactory(resident=cast.resident)
    service_type = f.ServiceTypeFactory()
    f.OfferingFactory(
        organization=cast.organization, service_type=service_type, communities=[cast.community]
    )
    body = _request_body(
        cast, service_type=service_type.pk, preferred_organization=cast.organization.pk
    )
    answer = client_for(cast.street_staff).post("/api/v1/requests/", body, format="json")
    assert answer.status_code == 201, answer.content
    assert ServiceRequest.objects.get().preferred_organization == cast.organization


def _agreement_body(cast, venue) -> dict:
    start = timezone.localdate().isoformat()
    return {"community": cast.other_community.pk, "venue": venue.pk, "start_date": start}


def test_a_venue_of_another_community_is_a_404_naming_the_field(cast):
    body = _agreement_body(cast, f.VenueFactory(community=cast.community))
    answer = client_for(cast.member).post("/api/v1/agreements/", body, format="json")
    assert answer.status_code == 404, answer.content
    assert list(answer.json()["errors"]) == ["venue"]
    assert not Agreement.objects.filter(organization=cast.organization).exclude(
        community=cast.community
    )


def test_control_a_venue_of_the_chosen_community_is_accepted(cast):
    venue = f.VenueFactory(community=cast.other_community)
    answer = client_for(cast.member).post(
        "/api/v1/agreements/", _agreement_body(cast, venue), format="json"
    )
    assert answer.status_code == 201, answer.content
    assert Agreement.objects.get(organization=cast.organization, venue=venue)


# --- the API index's schema describes the index it answers ----------------------------------


def test_the_api_index_matches_its_schema(cast, schema):
    answer = client_for(cast.member).get("/api/v1/")
    described = schema["paths"]["/api/v1/"]["get"]["responses"]["200"]
    validator = jsonschema.Draft4Validator(described["content"]["application/json"]["schema"])
    assert list(validator.iter_errors(answer.json())) == []
    assert answer.json()["visits"].endswith("/api/v1/visits/")


# --- a PATCH changes what it names; the decision's reasons are keyed by application ---------


def test_an_empty_patch_of_a_category_target_changes_nothing_and_answers_it(cast):
    district = f.StreetFactory().district
    [target] = projects_domain.category_targets_set(
        district=district, targets={"culture_sports": 3}, actor=cast.civil
    )
    url = f"/api/v1/project-category-targets/{target.pk}/"
    client = client_for(cast.civil)
    answer = client.patch(url, {}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["target"] == 3
    # control: a PATCH naming the count changes it
    assert client.patch(url, {"target": 5}, format="json").json()["target"] == 5
    target.refresh_from_db()
    assert target.target == 5


def test_a_decision_reason_keyed_by_no_application_is_a_404_naming_the_field(cast):
    call = publish(cast, actor=cast.street_staff, street=cast.east_street)
    ours = apply(cast, call)
    close(call)
    url = f"/api/v1/project-calls/{call.pk}/decide/"
    body = {"awarded": [], "reasons": {str(ours.pk): "好", "x-extra": "好"}}
    answer = client_for(cast.street_staff).post(url, body, format="json")
    assert answer.status_code == 404, answer.content
    assert list(answer.json()["errors"]) == ["reasons"]
    ours.refresh_from_db()
    assert ours.status == "submitted"


# --- text fields take text: a number is refused, not stored as its digits ------------------


def _writable_text_fields(field, name: str):
    if isinstance(field, serializers.BaseSerializer):
        field = getattr(field, "child", field)
        for sub_name, sub in getattr(field, "fields", {}).items():
            if not sub.read_only:
                yield from _writable_text_fields(sub, f"{name}.{sub_name}")
    elif isinstance(field, serializers.ListField | serializers.DictField):
        yield from _writable_text_fields(field.child, f"{name}[]")
    elif isinstance(field, serializers.CharField):
        yield name, field


def test_every_text_a_request_body_writes_refuses_a_number():
    generator, found, lenient = SchemaGenerator(), [], []
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        if method not in ("POST", "PUT", "PATCH"):
            continue
        view = generator.create_view(callback, method)
        body = force_instance(view.schema.get_request_serializer())
        if not isinstance(body, serializers.BaseSerializer):
            continue
        for name, field in _writable_text_fields(body, f"{method} {path} {type(body).__name__}"):
            found.append(name)
            # An e-mail address has an "@", which no number's digits have: refused anyway.
            if not isinstance(field, StrictTextField | serializers.EmailField):
                lenient.append(name)
    assert len(found) > 20  # the walk reaches the bodies: registration, check-out, decide, …
    assert lenient == []


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/v1/dashboard-tokens/", {"name": 0}), ("/api/v1/auth/token/", {"username": 0})],
)
def test_a_number_where_the_schema_says_a_string_is_a_400_and_creates_nothing(cast, path, body):
    tokens = Token.objects.count()
    answer = client_for(cast.civil).post(path, {"password": "x", **body}, format="json")
    assert answer.status_code == 400, answer.content
    assert list(answer.json()["errors"]) == list(body)
    assert Token.objects.count() == tokens


def test_control_a_dashboard_token_named_in_text_is_issued(cast):
    body = {"name": "大屏"}
    answer = client_for(cast.civil).post("/api/v1/dashboard-tokens/", body, format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["name"] == "大屏"


def test_a_cancel_reason_given_as_a_number_is_refused_and_the_request_stays(cast):
    request = f.ServiceRequestFactory(resident=cast.resident)
    url = f"/api/v1/requests/{request.pk}/cancel/"
    answer = client_for(cast.street_staff).post(url, {"reason": 0}, format="json")
    assert answer.status_code == 400, answer.content
    request.refresh_from_db()
    assert request.status != ServiceRequest.Status.CANCELLED
    # control: a reason in words cancels it
    answer = client_for(cast.street_staff).post(url, {"reason": "已住院"}, format="json")
    assert answer.status_code == 200, answer.content
    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.CANCELLED
