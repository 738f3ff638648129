"""Control runs of casework's matrix rows (tests/policy/apps/casework.py): with a scope or a
rule switched off, the walk reports the leak it opens."""

import pytest

from casework import rules
from casework.models import Callback, Case
from tests.policy.apps import casework
from tests.policy.matrix import run_matrix
from tests.policy.test_matrix import _patch_everywhere
from tests.policy.world import build_world


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the world writes an export file


def _rows(*objects):
    return [rule for rule in casework.RULES if rule.obj in objects]


def test_casework_rows_hold(cast):
    count, violations = run_matrix(build_world(cast), list(casework.RULES))
    assert violations == [] and count == 500


def test_casework_rows_turn_red_when_the_case_scope_is_switched_off(cast, monkeypatch):
    world = build_world(cast)
    everyone = lambda user: Case.objects.select_related("resident__community")  # noqa: E731
    _patch_everywhere(monkeypatch, "casework.queries", "cases_visible_to", everyone)
    _, violations = run_matrix(world, _rows("cases"))
    theirs = world.sides["theirs"].case.pk
    assert any("page cases.view as street_staff on theirs" in v for v in violations)
    assert any("page cases.list as community_staff on ours: foreign names" in v for v in violations)
    assert any("api cases.list as street_staff" in v and f"#{theirs}" in v for v in violations)
    assert any("cases.read_notes as social_worker on theirs" in v for v in violations)


def test_casework_rows_turn_red_when_the_callback_scope_is_switched_off(cast, monkeypatch):
    world = build_world(cast)
    everyone = lambda user: Callback.objects.all()  # noqa: E731
    _patch_everywhere(monkeypatch, "casework.queries", "callbacks_visible_to", everyone)
    _, violations = run_matrix(world, _rows("callbacks"))
    assert any("callbacks.record as social_worker on theirs" in v for v in violations)
    assert any("callbacks.follow_up as social_worker on theirs" in v for v in violations)
    assert any("callbacks.results as organization on ours: foreign names" in v for v in violations)


def test_casework_rows_turn_red_when_the_callback_record_rule_is_switched_off(cast, monkeypatch):
    """Without its rule, recording a callback through the API is open to anyone who sees it."""
    world = build_world(cast)
    monkeypatch.setattr(rules, "record_callback_refusal", lambda user, callback: None)
    _, violations = run_matrix(world, [r for r in casework.RULES if r.action == "record"])
    assert any("api callbacks.record as organization on ours" in v for v in violations)
    assert any("api callbacks.record as civil" in v for v in violations)
