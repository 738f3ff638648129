"""Every resource, every role: in-scope objects listed, out-of-scope ones absent and 404."""

import pytest

from tests.api.conftest import client_for

# name → (ours, other): the east-side and west-side object of each resource.
OBJECTS = {
    "streets": lambda w: (w.cast.east_street, w.cast.west_street),
    "communities": lambda w: (w.cast.community, w.cast.other_community),
    "venues": lambda w: (w.ours.venue, w.other.venue),
    "residents": lambda w: (w.cast.resident, w.cast.other_resident),
    "organizations": lambda w: (w.cast.organization, w.cast.other_organization),
    "agreements": lambda w: (
        w.cast.organization.agreements.get(),
        w.cast.other_organization.agreements.get(),
    ),
    "social-workers": lambda w: (w.ours.worker, w.other.worker),
    "volunteer-teams": lambda w: (w.ours.team, w.other.team),
    "volunteers": lambda w: (w.ours.volunteer, w.other.volunteer),
    "offerings": lambda w: (w.ours.offering, w.other.offering),
    "requests": lambda w: (w.ours.request, w.other.request),
    "matches": lambda w: (w.ours.match, w.other.match),
    "visits": lambda w: (w.ours.visit, w.other.visit),
}
ALL_LISTS = [*OBJECTS, "districts", "service-types"]
# What each role sees of the east ("ours") side; the west side is always out of its scope.
SEES = {
    "street_staff": list(OBJECTS),
    "community_staff": list(OBJECTS),
    "member": [
        "residents",
        "organizations",
        "agreements",
        "social-workers",
        "offerings",
        "requests",
        "matches",
        "visits",
    ],
    "worker": [
        "social-workers",
        "volunteer-teams",
        "volunteers",
        "requests",
        "visits",
        "residents",
        "communities",
        "streets",
        "venues",
    ],
    "resident": ["residents", "requests", "visits", "communities", "streets", "venues"],
    "family": ["residents", "requests", "visits", "communities", "streets", "venues"],
}
# Resources that are deliberately public to a role on both sides (not personal data).
PUBLIC = {
    "member": {"communities", "streets", "venues"},
    "worker": {"offerings", "organizations"},
    "resident": {"offerings", "organizations"},
    "family": {"offerings", "organizations"},
}


def _user(both_sides, role):
    return (
        both_sides.worker
        if role == "worker"
        else getattr(both_sides.cast, role)
        if role != "resident"
        else both_sides.cast.resident.user
    )


def _ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def _role_cases():
    for role, seen in SEES.items():
        for name in OBJECTS:
            if name not in PUBLIC.get(role, ()):
                yield role, name, name in seen


@pytest.mark.parametrize(("role", "name", "sees_ours"), list(_role_cases()))
def test_resource_scope_per_role(both_sides, role, name, sees_ours):
    ours, other = OBJECTS[name](both_sides)
    client = client_for(_user(both_sides, role))
    listed = _ids(client.get(f"/api/v1/{name}/?page_size=100"))
    assert (ours.pk in listed) is sees_ours
    assert other.pk not in listed
    assert client.get(f"/api/v1/{name}/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/{name}/{ours.pk}/").status_code == (200 if sees_ours else 404)


@pytest.mark.parametrize("name", list(OBJECTS))
def test_resource_other_street_sees_only_west(both_sides, name):
    ours, other = OBJECTS[name](both_sides)
    client = client_for(both_sides.cast.other_street_staff)
    assert client.get(f"/api/v1/{name}/{ours.pk}/").status_code == 404
    assert client.get(f"/api/v1/{name}/{other.pk}/").status_code == 200


@pytest.mark.parametrize("name", list(OBJECTS))
def test_resource_civil_affairs_sees_both_sides(both_sides, name):
    ours, other = OBJECTS[name](both_sides)
    listed = _ids(client_for(both_sides.cast.civil).get(f"/api/v1/{name}/?page_size=100"))
    assert {ours.pk, other.pk} <= listed


@pytest.mark.parametrize("name", ALL_LISTS)
def test_resource_refused_to_dashboard_and_anonymous(both_sides, name):
    assert client_for(both_sides.dashboard).get(f"/api/v1/{name}/").status_code == 403
    assert client_for().get(f"/api/v1/{name}/").status_code in (401, 403)


def test_districts_listed_for_streets_in_scope(both_sides):
    district = both_sides.cast.east_street.district
    response = client_for(both_sides.cast.street_staff).get("/api/v1/districts/")
    assert _ids(response) == {district.pk}
    assert _ids(client_for(both_sides.cast.resident.user).get("/api/v1/districts/")) == {
        district.pk
    }


def test_service_types_are_a_catalogue_for_every_portal_user(both_sides):
    for user in (both_sides.cast.resident.user, both_sides.cast.member, both_sides.worker):
        assert both_sides.service_type.pk in _ids(client_for(user).get("/api/v1/service-types/"))
