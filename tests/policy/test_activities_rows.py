"""The activities rows of the access matrix on their own (the whole table runs them too, in
test_matrix), and controls showing they turn red when an activities scope is switched off."""

import pytest

from activities.models import Activity, Signup, Suggestion, TimeBankAccount
from tests.policy.apps import activities as rows
from tests.policy.matrix import run_matrix
from tests.policy.test_matrix import _patch_everywhere
from tests.policy.world import build_world


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the world writes an export file


def test_activities_rows_agree_with_pages_and_api(cast):
    count, violations = run_matrix(build_world(cast), rows.RULES)
    assert count >= 700
    assert violations == []


def _rules(*objects):
    return [rule for rule in rows.RULES if rule.obj in objects]


def test_activities_rows_turn_red_when_activity_and_signup_scopes_are_switched_off(
    cast, monkeypatch
):
    world = build_world(cast)
    everything = Activity.objects.select_related("venue", "community", "organization", "team")
    _patch_everywhere(
        monkeypatch, "activities.queries", "activities_visible_to", lambda user: everything
    )
    _patch_everywhere(
        monkeypatch, "activities.queries", "activities_managed_by", lambda user: everything
    )
    every_signup = Signup.objects.select_related("activity__venue", "resident")
    _patch_everywhere(
        monkeypatch, "activities.queries", "signups_visible_to", lambda user: every_signup
    )
    _, violations = run_matrix(world, _rules("activities", "signups"))
    assert any("page activities.list as street_staff" in v and "foreign" in v for v in violations)
    assert (
        "page activities.view as resident on theirs: out-of-scope object answered 200, not 404"
        in violations
    )
    assert any("page activities.door_list as community_staff on theirs" in v for v in violations)
    # The domain still refuses the foreign cancel (403): the scope's 404 is what is missing.
    assert (
        "page signups.cancel as family on theirs: out-of-scope object answered 403, not 404"
        in violations
    )


def test_activities_rows_turn_red_when_time_bank_and_suggestion_scopes_are_switched_off(
    cast, monkeypatch
):
    world = build_world(cast)
    _patch_everywhere(
        monkeypatch,
        "activities.queries",
        "time_bank_accounts_visible_to",
        lambda user: TimeBankAccount.objects.select_related("resident__community"),
    )
    _patch_everywhere(
        monkeypatch,
        "activities.queries",
        "suggestions_visible_to",
        lambda user: Suggestion.objects.select_related("community", "organization", "author"),
    )
    _, violations = run_matrix(world, _rules("time_bank", "suggestions"))
    assert any("page time_bank.view as resident" in v and "坞城王奶奶" in v for v in violations)
    assert any("api time_bank.view as street_staff on theirs" in v for v in violations)
    assert any("page suggestions.answer as street_staff on theirs" in v for v in violations)
