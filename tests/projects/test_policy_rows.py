"""The projects rows of the shared access matrix (tests/policy/apps/projects.py): green on
their own, and red when a scope is switched off (the control)."""

import sys

import pytest
from django.urls import get_resolver

from projects import rules as project_rules
from projects.models import Contract, Incubation
from tests.policy.apps import projects as rows
from tests.policy.matrix import run_matrix
from tests.policy.world import build_world


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the world writes an export file


def _patch_everywhere(monkeypatch, module: str, name: str, replacement) -> None:
    get_resolver().url_patterns  # noqa: B018  (every view module imported first)
    original = getattr(sys.modules[module], name)
    for loaded in list(sys.modules.values()):
        if getattr(loaded, name, None) is original:
            monkeypatch.setattr(loaded, name, replacement)


def test_projects_rows_agree_with_pages_and_api(cast):
    world = build_world(cast)
    count, violations = run_matrix(world, rows.RULES)
    assert count == 10 * (2 * 13 + 8)  # ten roles; 13 rows with an object, 8 without
    assert violations == []


def test_rows_turn_red_when_the_contract_and_incubation_scopes_are_switched_off(cast, monkeypatch):
    world = build_world(cast)
    every_contract = lambda user: Contract.objects.select_related("organization")  # noqa: E731
    every_incubation = lambda user: Incubation.objects.select_related("organization")  # noqa: E731
    _patch_everywhere(monkeypatch, "projects.queries", "contracts_visible_to", every_contract)
    _patch_everywhere(monkeypatch, "projects.queries", "incubations_visible_to", every_incubation)
    picked = [r for r in rows.RULES if r.obj in {"project_contracts", "incubations"}]
    _, violations = run_matrix(world, picked)
    assert any("project_contracts.view as organization on theirs" in v for v in violations)
    assert any("project_contracts.list as street_staff" in v and "foreign" in v for v in violations)
    assert any("incubations.list as street_staff" in v and "foreign" in v for v in violations)
    assert any("incubations.end as street_staff on theirs" in v for v in violations)


def test_category_target_rows_turn_red_when_the_bureaus_rule_is_switched_off(cast, monkeypatch):
    world = build_world(cast)
    # The API's permission and the scoped list both read this predicate: everyone passes.
    monkeypatch.setattr(project_rules, "may_set_category_targets", lambda user: True)
    picked = [r for r in rows.RULES if r.obj == "category_targets" and r.channel == "api"]
    _, violations = run_matrix(world, picked)
    assert any("api category_targets.list as street_staff" in v for v in violations)
    assert any("api category_targets.view as organization on theirs" in v for v in violations)
    # The write itself still refuses through the refusal: nothing changes for other roles.
    assert not any("changed although forbidden" in v for v in violations)
    assert not any("created although forbidden" in v for v in violations)
