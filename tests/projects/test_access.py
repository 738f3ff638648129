"""Organizations see only their own applications and contracts; reviewers only what they
review; other streets and wrong roles see nothing (shared cast)."""

import pytest

from projects import domain
from projects.queries import applications_visible_to, calls_visible_to, contracts_visible_to
from sanlian.roles import Role
from tests import factories as f
from tests.projects._support import apply, awarded_contract, publish


@pytest.fixture
def world(cast):
    contract = awarded_contract(cast, actor=cast.street_staff, street=cast.east_street)
    call = publish(cast, communities=[cast.other_community], title="坞城项目")
    ours = apply(cast, call)
    theirs = apply(cast, call, organization=cast.other_organization, member=cast.other_member)
    return contract, call, ours, theirs


def test_organizations_see_only_their_own(world, cast):
    contract, _call, ours, theirs = world
    assert set(applications_visible_to(cast.member)) == {contract.application, ours}
    assert set(applications_visible_to(cast.other_member)) == {theirs}
    assert list(contracts_visible_to(cast.member)) == [contract]
    assert not contracts_visible_to(cast.other_member).exists()


def test_reviewers_see_only_the_calls_they_review(world, cast):
    _contract, call, ours, theirs = world
    expert = f.UserFactory(username="expert", role=Role.COMMUNITY_STAFF)
    assert not applications_visible_to(expert).exists()
    domain.call_add_reviewer(call=call, reviewer=expert, actor=cast.civil)
    assert set(applications_visible_to(expert)) == {ours, theirs}


def test_streets_see_their_own_calls_and_contracts(world, cast):
    contract, _call, _ours, _theirs = world
    assert list(contracts_visible_to(cast.street_staff)) == [contract]
    assert not contracts_visible_to(cast.other_street_staff).exists()
    assert set(applications_visible_to(cast.street_staff)) == {contract.application}
    assert not applications_visible_to(cast.other_street_staff).exists()


def test_wrong_roles_see_nothing(world, cast):
    for outsider in (cast.resident.user, cast.family):
        assert not calls_visible_to(outsider).exists()
        assert not applications_visible_to(outsider).exists()
        assert not contracts_visible_to(outsider).exists()


def test_pages_answer_404_outside_scope_and_403_for_wrong_roles(client, world, cast):
    contract, _call, _ours, theirs = world
    client.force_login(cast.member)
    assert client.get(f"/projects/applications/{theirs.pk}/").status_code == 404
    assert client.get(f"/projects/contracts/{contract.pk}/").status_code == 200
    client.force_login(cast.other_member)
    assert client.get(f"/projects/contracts/{contract.pk}/").status_code == 404
    client.force_login(cast.other_street_staff)
    assert client.get(f"/projects/contracts/{contract.pk}/").status_code == 404
    assert (
        client.post(f"/projects/contracts/{contract.pk}/suspend/", {"reason": "x"}).status_code
        == 404
    )
    client.force_login(cast.family)
    assert client.get("/projects/").status_code == 403
    assert client.get(f"/projects/contracts/{contract.pk}/").status_code == 403


def test_organization_cannot_approve_its_own_payment(client, world, cast):
    contract, *_ = world
    client.force_login(cast.member)
    assert (
        client.post(f"/projects/contracts/{contract.pk}/suspend/", {"reason": "x"}).status_code
        == 403
    )
    contract.refresh_from_db()
    assert contract.status == "active"
