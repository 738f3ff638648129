"""Control runs of the offline queue's matrix rows (tests/policy/apps/services.py): with the
visit scope or the assignee rule switched off, the walk reports the hole it opens."""

import pytest

from services.models import Visit
from tests.policy.apps import services
from tests.policy.matrix import run_matrix
from tests.policy.test_matrix import _patch_everywhere
from tests.policy.world import build_world


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the world writes an export file


def test_visit_step_rows_hold(cast):
    count, violations = run_matrix(build_world(cast), list(services.RULES))
    assert violations == []
    assert count == 3 * 2 * 10  # three steps, two sides, ten roles


def test_visit_step_rows_turn_red_when_the_visit_scope_is_switched_off(cast, monkeypatch):
    world = build_world(cast)
    everyone = lambda user: Visit.objects.all()  # noqa: E731
    _patch_everywhere(monkeypatch, "services.care.queries", "visits_visible_to", everyone)
    _, violations = run_matrix(world, list(services.RULES))
    # The other side's visit is found instead of "not found" (the assignee rule still
    # refuses the step itself, so nothing changes there).
    assert any(
        "page visits.step_check_in as social_worker on theirs: out-of-scope object answered 403"
        in v
        for v in violations
    ), violations


def test_visit_step_rows_turn_red_when_the_assignee_rule_is_switched_off(cast, monkeypatch):
    world = build_world(cast)
    _patch_everywhere(monkeypatch, "services.care.rules", "is_assignee", lambda user, visit: True)
    _, violations = run_matrix(world, list(services.RULES))
    assert any(
        "page visits.step_check_in as community_staff on ours: changed although forbidden" in v
        for v in violations
    ), violations
    assert any("page visits.step_complete as organization on ours" in v for v in violations)
