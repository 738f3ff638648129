"""The policy table walked over pages and the API: about 1,900 probes, zero violations."""

import sys

from sanlian.policy import ALL, OWN, POLICY, ROLES, SCOPE
from tests.policy.matrix import run_matrix
from tests.policy.world import build_world

OBJECTS = {
    "social_workers",
    "communities",
    "allowances",
    "dashboard",
    "residents",
    "requests",
    "matches",
    "visits",
    "feedback",
    "organizations",
    "agreements",
    "offerings",
    "exports",
    "audit_log",
}


def test_policy_table_names_every_object_and_only_known_cells():
    assert {rule.obj for rule in POLICY} == OBJECTS
    for rule in POLICY:
        assert set(rule.cells) <= set(ROLES), rule
        assert set(rule.cells.values()) <= {ALL, SCOPE, OWN}, rule


def test_policy_matrix_pages_and_api_agree_with_the_table(cast):
    world = build_world(cast)
    count, violations = run_matrix(world)
    assert count >= 1900
    assert violations == []


def _patch_everywhere(monkeypatch, module: str, name: str, replacement) -> None:
    original = getattr(sys.modules[module], name)
    for loaded in list(sys.modules.values()):
        if getattr(loaded, name, None) is original:
            monkeypatch.setattr(loaded, name, replacement)


def test_policy_matrix_turns_red_when_a_scope_filter_is_switched_off(cast, monkeypatch):
    from services.models import ServiceRequest

    world = build_world(cast)

    def every_request(user):
        return ServiceRequest.objects.select_related("resident__community__street")

    _patch_everywhere(monkeypatch, "services.queries", "requests_visible_to", every_request)
    _, violations = run_matrix(world, [rule for rule in POLICY if rule.obj == "requests"])
    assert any("requests.list" in v and "foreign names" in v for v in violations)
    assert any("requests.cancel" in v and "theirs" in v for v in violations)


def test_policy_matrix_turns_red_when_the_table_grants_too_much(cast):
    import dataclasses

    from sanlian.policy import SW

    world = build_world(cast)
    cancel = next(r for r in POLICY if r.obj == "requests" and r.action == "cancel")
    generous = dataclasses.replace(cancel, cells={**cancel.cells, SW: OWN})
    _, violations = run_matrix(world, [generous])
    assert violations == [
        "page requests.cancel as social_worker on ours: allowed but refused (404)"
    ]


def test_policy_matrix_reports_foreign_ids_in_api_lists(cast, monkeypatch):
    from services.models import Visit

    world = build_world(cast)
    _patch_everywhere(
        monkeypatch, "services.queries", "visits_visible_to", lambda user: Visit.objects.all()
    )
    _, violations = run_matrix(
        world, [rule for rule in POLICY if (rule.obj, rule.channel) == ("visits", "api")]
    )
    theirs = world.sides["theirs"].visit_scheduled.pk
    assert any("api visits.list as organization" in v and f"#{theirs}" in v for v in violations)
    assert any("visits.check_in as social_worker on theirs" in v for v in violations)


def test_policy_matrix_turns_red_when_run_and_statement_scopes_are_switched_off(cast, monkeypatch):
    from services.models import MatchingRun, SettlementStatement
    from services.views import matching

    world = build_world(cast)
    monkeypatch.setattr(matching, "_runs_visible_to", lambda user: MatchingRun.objects.all())
    _patch_everywhere(
        monkeypatch,
        "services.queries",
        "settlements_visible_to",
        lambda user: SettlementStatement.objects.all(),
    )
    probed = {("matches", "run_view"), ("matches", "confirm"), ("allowances", "view_statement")}
    rules = [rule for rule in POLICY if (rule.obj, rule.action) in probed]
    _, violations = run_matrix(world, rules)
    assert (
        "page matches.run_view as street_staff on theirs: out-of-scope object answered 200, not 404"
        in violations
    )
    assert any("page matches.confirm as community_staff on theirs" in v for v in violations)
    assert any("allowances.view_statement as organization on theirs" in v for v in violations)


def test_policy_matrix_turns_red_when_a_form_offers_foreign_choices(cast, monkeypatch):
    from communities.models import Resident
    from services.views import residents

    world = build_world(cast)
    monkeypatch.setattr(residents, "residents_visible_to", lambda user: Resident.objects.all())
    create = [rule for rule in POLICY if rule.probe.url == "services:request_new"]
    _, violations = run_matrix(world, [rule for rule in create if rule.probe.method == "POST"])
    assert (
        "page requests.create as resident on theirs: changed although forbidden (302)" in violations
    )
    assert (
        "page requests.create as family on theirs: changed although forbidden (302)" in violations
    )
