"""The predicates of socialworkers/rules.py against the shared cast."""

import pytest
from django.contrib.auth.models import AnonymousUser

from socialworkers import rules
from tests import factories as f


@pytest.fixture
def registry(cast):
    worker = f.SocialWorkerFactory()
    worker.communities.set([cast.community])
    other_worker = f.SocialWorkerFactory()
    other_worker.communities.set([cast.other_community])
    team = f.VolunteerTeamFactory(community=cast.community, leader=worker)
    other_team = f.VolunteerTeamFactory(community=cast.other_community, leader=other_worker)
    return {
        "ours": [worker, team, f.VolunteerFactory(team=team)],
        "theirs": [other_worker, other_team, f.VolunteerFactory(team=other_team)],
    }


def test_registry_pages_are_for_staff(cast):
    for user in (cast.civil, cast.street_staff, cast.community_staff):
        assert rules.may_view_registry(user)
    for user in (cast.member, cast.resident.user, cast.family, AnonymousUser()):
        assert not rules.may_view_registry(user)


def test_view_registry_entry_in_scope(cast, registry):
    for entry in registry["ours"]:
        assert rules.may_view_registry(cast.community_staff, entry)
        assert rules.may_view_registry(cast.civil, entry)
        assert not rules.may_view_registry(cast.other_street_staff, entry)
        assert not rules.may_view_registry(cast.member, entry)


def test_edit_registry_is_for_supervisors(cast):
    assert rules.may_edit_registry(cast.civil)
    assert rules.may_edit_registry(cast.street_staff)
    assert not rules.may_edit_registry(cast.community_staff)
    assert not rules.may_edit_registry(cast.member)
    assert not rules.may_edit_registry(AnonymousUser())


def test_edit_registry_entry_in_scope(cast, registry):
    for entry in registry["ours"]:
        assert rules.may_edit_registry(cast.street_staff, entry)
        assert rules.may_edit_registry(cast.civil, entry)
        assert not rules.may_edit_registry(cast.other_street_staff, entry)
        assert not rules.may_edit_registry(cast.community_staff, entry)  # sees, may not edit
    for entry in registry["theirs"]:
        assert not rules.may_edit_registry(cast.street_staff, entry)
        assert rules.may_edit_registry(cast.other_street_staff, entry)
