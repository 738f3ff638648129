"""The reporting pages' predicates, against the shared cast; the menu reads the same ones."""

import pytest
from django.contrib.auth.models import AnonymousUser

from reporting import rules

pytestmark = pytest.mark.django_db


def test_dashboard_is_for_staff_only(cast):
    assert rules.may_view_dashboard(cast.civil)
    assert rules.may_view_dashboard(cast.street_staff)
    assert rules.may_view_dashboard(cast.community_staff)
    assert not rules.may_view_dashboard(cast.member)
    assert not rules.may_view_dashboard(cast.resident.user)


def test_exports_for_staff_and_organizations_not_residents(cast):
    assert rules.may_export(cast.community_staff)
    assert rules.may_export(cast.member)
    assert not rules.may_export(cast.family)


def test_audit_for_supervisors_only(cast):
    assert rules.may_view_audit(cast.civil)
    assert rules.may_view_audit(cast.street_staff)
    assert not rules.may_view_audit(cast.community_staff)
    assert not rules.may_view_audit(cast.member)


def test_pages_answer_as_the_predicates_say(client, cast):
    for user, allowed in ((cast.community_staff, True), (cast.member, False)):
        client.force_login(user)
        assert (client.get("/audit/").status_code == 200) is rules.may_view_audit(user)
        assert (client.get("/dashboard/").status_code == 200) is allowed


def test_anonymous_may_do_nothing():
    for predicate in (rules.may_view_dashboard, rules.may_export, rules.may_view_audit):
        assert not predicate(AnonymousUser())
