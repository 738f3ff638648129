"""The policy table walked over pages and the API: about 2,350 probes, zero violations."""

import sys

import pytest
from django.urls import get_resolver

from tests.policy.matrix import run_matrix
from tests.policy.policy import ALL, OWN, ROLES, SCOPE
from tests.policy.registry import APPS, OBJECTS, POLICY
from tests.policy.world import build_world


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the world writes an export file


def test_policy_table_names_every_object_and_only_known_cells():
    assert {rule.obj for rule in POLICY} == OBJECTS
    for app in APPS:
        assert {rule.obj for rule in app.RULES} == app.OBJECTS, app.__name__
    for rule in POLICY:
        assert set(rule.cells) <= set(ROLES), rule
        assert set(rule.cells.values()) <= {ALL, SCOPE, OWN}, rule


def test_policy_matrix_pages_and_api_agree_with_the_table(cast):
    world = build_world(cast)
    count, violations = run_matrix(world)
    assert count >= 2300
    assert violations == []


def _patch_everywhere(monkeypatch, module: str, name: str, replacement) -> None:
    # Every view module first: one imported during the run would bind the replacement
    # and keep it after monkeypatch restores the modules it patched.
    get_resolver().url_patterns  # noqa: B018
    original = getattr(sys.modules[module], name)
    for loaded in list(sys.modules.values()):
        if getattr(loaded, name, None) is original:
            monkeypatch.setattr(loaded, name, replacement)


def test_policy_matrix_turns_red_when_a_scope_filter_is_switched_off(cast, monkeypatch):
    from services.models import ServiceRequest

    world = build_world(cast)

    def every_request(user):
        return ServiceRequest.objects.select_related("resident__community__street")

    _patch_everywhere(monkeypatch, "services.care.queries", "requests_visible_to", every_request)
    _, violations = run_matrix(world, [rule for rule in POLICY if rule.obj == "requests"])
    assert any("requests.list" in v and "foreign names" in v for v in violations)
    assert any("requests.cancel" in v and "theirs" in v for v in violations)


def test_policy_matrix_turns_red_when_the_table_grants_too_much(cast):
    import dataclasses

    from tests.policy.policy import SW

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
        monkeypatch, "services.care.queries", "visits_visible_to", lambda user: Visit.objects.all()
    )
    _, violations = run_matrix(
        world, [rule for rule in POLICY if (rule.obj, rule.channel) == ("visits", "api")]
    )
    theirs = world.sides["theirs"].visit_scheduled.pk
    assert any("api visits.list as organization" in v and f"#{theirs}" in v for v in violations)
    assert any("visits.check_in as social_worker on theirs" in v for v in violations)


def test_policy_matrix_turns_red_when_run_and_statement_scopes_are_switched_off(cast, monkeypatch):
    from services.models import MatchingRun, SettlementStatement

    world = build_world(cast)
    _patch_everywhere(
        monkeypatch,
        "services.matching.queries",
        "runs_visible_to",
        lambda user: MatchingRun.objects.all(),
    )
    _patch_everywhere(
        monkeypatch,
        "services.allowances.queries",
        "settlements_visible_to",
        lambda user: SettlementStatement.objects.all(),
    )
    probed = {
        ("matches", "run_view"),
        ("matches", "confirm"),
        ("allowances", "view_statement"),
        ("allowances", "export_statement"),
        ("allowances", "list_statements"),
    }
    rules = [rule for rule in POLICY if (rule.obj, rule.action) in probed]
    _, violations = run_matrix(world, rules)
    assert (
        "page matches.run_view as street_staff on theirs: out-of-scope object answered 200, not 404"
        in violations
    )
    assert any("page matches.confirm as community_staff on theirs" in v for v in violations)
    assert any("allowances.view_statement as organization on theirs" in v for v in violations)
    assert any("api allowances.view_statement as street_staff on theirs" in v for v in violations)
    assert (
        "page allowances.export_statement as organization on theirs: "
        "changed although forbidden (200)" in violations
    )
    assert any(
        "api allowances.list_statements as organization" in v and "别家服务社" in v
        for v in violations
    )


def test_policy_matrix_turns_red_when_a_form_offers_foreign_choices(cast, monkeypatch):
    from communities.models import Resident
    from services.care import rules as care_rules
    from services.care.views import residents

    world = build_world(cast)
    monkeypatch.setattr(residents, "residents_visible_to", lambda user: Resident.objects.all())
    # request_create refuses through the same rule: switch that lock off too.
    monkeypatch.setattr(care_rules, "may_file_request", lambda user, resident=None: True)
    create = [rule for rule in POLICY if rule.probe.url == "services:request_new"]
    _, violations = run_matrix(world, [rule for rule in create if rule.probe.method == "POST"])
    assert (
        "page requests.create as resident on theirs: changed although forbidden (302)" in violations
    )
    assert (
        "page requests.create as family on theirs: changed although forbidden (302)" in violations
    )


def _schedule_form_offering(monkeypatch, change) -> None:
    from services.care.views import visits

    original = visits._schedule_form

    def changed(data, match):
        form = original(data, match)
        change(form)
        return form

    monkeypatch.setattr(visits, "_schedule_form", changed)


def test_policy_matrix_turns_red_when_a_foreign_worker_is_assigned(cast, monkeypatch):
    from services.care.domain import visits
    from socialworkers.models import SocialWorker, Volunteer

    world = build_world(cast)

    def everyone(form):
        form.fields["social_worker"].queryset = SocialWorker.objects.all()
        form.fields["volunteer"].queryset = Volunteer.objects.all()

    _schedule_form_offering(monkeypatch, everyone)
    monkeypatch.setattr(visits, "_check_assignees", lambda **people: None)
    assigning = [rule for rule in POLICY if rule.obj == "visits" and rule.probe.choice]
    _, violations = run_matrix(world, assigning)
    assert (
        "page visits.assign_worker as organization on theirs: foreign social_worker accepted (302)"
        in violations
    )
    assert (
        "page visits.assign_volunteer as civil_affairs on theirs: foreign volunteer accepted (302)"
        in violations
    )


def test_policy_matrix_turns_red_when_a_foreign_id_gets_only_the_generic_error(cast, monkeypatch):
    from django import forms

    world = build_world(cast)
    generic = forms.ModelChoiceField.default_error_messages["invalid_choice"]

    def vague(form):
        field = form.fields["social_worker"]
        field.error_messages = {**field.error_messages, "invalid_choice": generic}

    _schedule_form_offering(monkeypatch, vague)
    assign = [rule for rule in POLICY if (rule.obj, rule.action) == ("visits", "assign_worker")]
    _, violations = run_matrix(world, assign)
    refused = [v for v in violations if "not refused with a clear form error (200" in v]
    assert len(refused) == 4 and len(violations) == 4  # the four organizing roles on theirs


def test_policy_matrix_turns_red_when_export_files_are_everyones(cast, monkeypatch):
    from reporting import views_dashboard
    from reporting.models import ExportJob

    world = build_world(cast)
    monkeypatch.setattr(views_dashboard, "export_jobs_of", lambda user: ExportJob.objects.all())
    download = [rule for rule in POLICY if (rule.obj, rule.action) == ("exports", "download")]
    _, violations = run_matrix(world, download)
    assert "page exports.download as civil_affairs on ours: not refused (200)" in violations
    assert (
        "page exports.download as street_staff on theirs: out-of-scope object answered 200, not 404"
        in violations
    )


def test_policy_matrix_turns_red_when_the_registry_takes_foreign_edits(cast, monkeypatch):
    from sanlian import view_helpers
    from socialworkers import domain
    from socialworkers.models import SocialWorker, VolunteerTeam

    world = build_world(cast)
    # Other roles past the gates (the view's and the domain's), and every worker and team.
    monkeypatch.setattr(view_helpers, "require_role", lambda user, roles: None)
    monkeypatch.setattr(view_helpers, "require_allowed", lambda user, allowed: None)
    monkeypatch.setattr(domain, "_check_editor", lambda actor: None)
    for name, model in (
        ("social_workers_visible_to", SocialWorker),
        ("volunteer_teams_visible_to", VolunteerTeam),
    ):
        _patch_everywhere(
            monkeypatch, "socialworkers.queries", name, lambda u, m=model: m.objects.all()
        )
    writes = [r for r in POLICY if r.obj == "social_workers" and r.probe.method == "POST"]
    _, violations = run_matrix(world, writes)
    assert (
        "page social_workers.save as organization on ours: changed although forbidden (302)"
        in violations
    )
    assert (
        "page social_workers.deactivate as street_staff on theirs: "
        "out-of-scope object answered 200, not 404" in violations
    )
    assert (
        "page social_workers.assign_leader as street_staff on theirs: foreign leader accepted (302)"
        in violations
    )


def test_policy_matrix_turns_red_when_ledger_scopes_are_switched_off(cast, monkeypatch):
    from services.models import LedgerEntry

    world = build_world(cast)
    _patch_everywhere(
        monkeypatch,
        "services.allowances.queries",
        "ledger_entries_visible_to",
        lambda user: LedgerEntry.objects.select_related("account"),
    )
    ledger = {"reverse_entry", "list_entries", "view_entry"}
    _, violations = run_matrix(world, [rule for rule in POLICY if rule.action in ledger])
    theirs = world.sides["theirs"].entry.pk
    assert any(
        "allowances.reverse_entry as street_staff on theirs: changed" in v for v in violations
    )
    assert any(
        "api allowances.list_entries as resident" in v and f"#{theirs}" in v for v in violations
    )
    assert (
        "api allowances.view_entry as family on theirs: out-of-scope object answered 200, not 404"
        in violations
    )
