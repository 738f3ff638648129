"""The checker: walks tests.policy.registry.POLICY for every role over pages and the API and
returns the violations (an empty list when pages, API and table agree)."""

import datetime
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from communities.models import Resident
from organizations.models import Agreement
from sanlian.models import AccessLog, AuditEntry
from services.matching.models import MatchingJob
from services.models import (
    AllowanceRule,
    Feedback,
    LedgerEntry,
    ServiceOffering,
    ServiceRequest,
    SettlementStatement,
    Visit,
)
from socialworkers.models import SocialWorker, Volunteer, VolunteerTeam
from tests.policy.policy import ALL, ROLES, Rule
from tests.policy.registry import APP_EFFECTS, APP_EXTRA_DATA, POLICY

LOGIN = "/accounts/login/"


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def _status_is(value: str) -> Callable:
    return lambda obj: _fresh(obj).status == value


def _logged(kind: str) -> Callable:
    return lambda resident: AccessLog.objects.filter(resident=resident, kind=kind).count()


def _named(*fields: str) -> Callable:
    return lambda obj: tuple(getattr(_fresh(obj), name) for name in ("name", *fields))


def _exported(statement) -> int:
    entries = AuditEntry.objects.filter(object_type="services.settlementstatement", action="export")
    return entries.filter(object_id=str(statement.pk)).count()


def _visits_of(match) -> int:
    return Visit.objects.filter(request=match.request).count()


# (object, action) → a reading of the target that an allowed probe changes and a refused
# one leaves as it was.
EFFECTS: dict[tuple, Callable] = {
    ("residents", "view", "page"): _logged(AccessLog.Kind.VIEW),
    ("residents", "view", "api"): _logged(AccessLog.Kind.VIEW),
    ("residents", "change"): lambda r: _fresh(r).address == "桃园南路更正1号",
    ("residents", "delete"): lambda r: _fresh(r).anonymised_at is not None,
    ("residents", "reveal"): _logged(AccessLog.Kind.REVEAL),
    ("residents", "withdraw_consent"): lambda r: (
        not r.consents.filter(withdrawn_at__isnull=True).exists()
    ),
    ("exports", "export"): _logged(AccessLog.Kind.EXPORT),
    ("requests", "cancel"): _status_is("cancelled"),
    ("matches", "confirm"): _status_is("confirmed"),
    ("matches", "accept"): _status_is("accepted"),
    ("matches", "decline"): _status_is("declined"),
    ("visits", "cancel"): _status_is("cancelled"),
    ("visits", "check_in"): _status_is("in_progress"),
    ("visits", "check_out"): lambda v: _fresh(v).checked_out_at is not None,
    ("visits", "complete"): _status_is("completed"),
    ("feedback", "create"): lambda v: Feedback.objects.filter(visit=v).exists(),
    ("organizations", "approve"): _status_is("approved"),
    ("organizations", "reject"): _status_is("rejected"),
    ("organizations", "suspend"): _status_is("suspended"),
    ("agreements", "accept"): _status_is("active"),
    ("agreements", "decline"): _status_is("declined"),
    ("offerings", "suspend"): _status_is("paused"),
    ("requests", "create"): lambda r: ServiceRequest.objects.filter(resident=r).count(),
    ("visits", "schedule"): lambda m: Visit.objects.filter(request=m.request).count(),
    ("visits", "reschedule"): lambda v: _fresh(v).scheduled_start,
    ("visits", "missed"): _status_is("missed"),
    ("offerings", "create"): lambda c: ServiceOffering.objects.filter(communities=c).count(),
    ("offerings", "change"): lambda o: _fresh(o).weekly_capacity,
    ("offerings", "resume"): _status_is("active"),
    ("agreements", "create"): lambda c: Agreement.objects.filter(community=c).count(),
    ("agreements", "end"): _status_is("ended"),
    ("organizations", "reinstate"): _status_is("approved"),
    ("matches", "run"): lambda c: MatchingJob.objects.count(),
    ("allowances", "approve_statement"): _status_is("approved"),
    ("allowances", "create_rule"): lambda _none: AllowanceRule.objects.count(),
    ("matches", "confirm", "page"): lambda run: run.matches.filter(status="confirmed").count(),
    ("allowances", "generate_statement"): lambda _none: SettlementStatement.objects.filter(
        generated_by__isnull=False
    ).count(),
    ("allowances", "export_statement"): _exported,
    ("allowances", "reverse_entry"): lambda e: LedgerEntry.objects.filter(reverses=e).exists(),
    ("allowances", "edit_rule"): lambda r: _fresh(r).monthly_amount_fen,
    ("social_workers", "create"): lambda c: SocialWorker.objects.filter(communities=c).count(),
    ("social_workers", "save"): _named(),
    ("social_workers", "deactivate"): lambda w: _fresh(w).active,
    ("social_workers", "create_team"): lambda c: VolunteerTeam.objects.filter(community=c).count(),
    ("social_workers", "save_team"): _named(),
    ("social_workers", "create_volunteer"): lambda t: Volunteer.objects.filter(team=t).count(),
    ("social_workers", "save_volunteer"): _named(),
    ("social_workers", "assign_leader"): _named("leader_id"),
    ("social_workers", "assign_team"): _named("team_id"),
    ("visits", "assign_worker"): _visits_of,
    ("visits", "assign_volunteer"): _visits_of,
}


def _resident_form(resident: Resident) -> dict:
    """The rest of the correction form: everything as it is, identifiers left empty."""
    return {
        "name": resident.name,
        "sex": resident.sex,
        "birth_date": resident.birth_date.isoformat(),
        "living_situation": resident.living_situation,
        "care_level": resident.care_level,
        "emergency_contact_name": resident.emergency_contact_name,
    }


EXTRA_DATA = {("residents", "change"): _resident_form}
# Each app's rows bring their own readings (tests/policy/apps/).
EFFECTS.update(APP_EFFECTS)
EXTRA_DATA.update(APP_EXTRA_DATA)


@dataclass
class Probe:
    rule: Rule
    role: str
    side: str
    status: int
    location: str
    body: str
    changed: bool | None
    errors: dict  # the form's (page) or the 400 answer's (API) errors by field


def clients_for(world) -> dict:
    clients = {"page": {}, "api": {}}
    for role in ROLES:
        user = world.users[role]
        page, api = Client(), APIClient()
        if user is not None:
            page.force_login(user)
            # A real token, as API and dashboard clients send it.
            token, _created = Token.objects.get_or_create(user=user)
            api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        clients["page"][role], clients["api"][role] = page, api
    return clients


def _send(client, rule: Rule, url: str, data: dict, query: dict):
    if rule.probe.method == "GET":
        return client.get(url, query)
    if rule.channel == "api":
        return getattr(client, rule.probe.method.lower())(url, data, format="json")
    return client.post(url, data)


def _resolve(values: dict, side) -> dict:
    """Replace "@name" by the id of the side's object `name`, "@monday" by next Monday's
    date (10:00 is inside the world offerings' window), "@month" by last month."""
    resolved = {}
    for key, value in values.items():
        if isinstance(value, str) and value.startswith("@monday"):
            today = timezone.localdate()
            monday = today + datetime.timedelta(days=7 - today.weekday())
            value = monday.isoformat() + value.removeprefix("@monday")
        elif value == "@month":  # last month: a running month is not settled yet
            last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
            value = f"{last_month:%Y-%m}"
        elif isinstance(value, str) and "@" in value:
            prefix, _at, name = value.partition("@")
            pk = getattr(side, name).pk
            value = f"{prefix}{pk}" if prefix else pk
        resolved[key] = value
    return resolved


def probe_url(rule: Rule, objects, *, with_query: bool = False) -> str:
    """The probed path for the side `objects` (and its query string if asked)."""
    target = getattr(objects, rule.probe.target) if rule.probe.target else None
    kwargs = dict(rule.probe.url_kwargs)
    if target is not None and rule.probe.kwarg:
        kwargs[rule.probe.kwarg] = target.pk
    url = reverse(rule.probe.url, kwargs=kwargs or None)
    query = _resolve(rule.probe.query, objects)
    return f"{url}?{urlencode(query)}" if with_query and query else url


def _form_errors(response) -> dict:
    # The API names the field in a 400, or in a 404 when the id names no row in reach.
    if response.status_code in (400, 404) and isinstance(getattr(response, "data", None), dict):
        return dict(response.data)
    context = getattr(response, "context", None)
    form = context.get("form") if context is not None else None
    return dict(getattr(form, "errors", None) or {})


def probe(world, clients, rule: Rule, role: str, side: str) -> Probe:
    # A posted-id probe acts on the east side's object; only its `choice` comes from `side`.
    objects = world.sides["ours" if rule.probe.choice else side]
    target = getattr(objects, rule.probe.target) if rule.probe.target else None
    url = probe_url(rule, objects)
    data = _resolve(rule.probe.data, objects)
    if rule.probe.choice:
        choice = {rule.probe.choice: rule.probe.data[rule.probe.choice]}
        data.update(_resolve(choice, world.sides[side]))
    query = _resolve(rule.probe.query, objects)
    if (rule.obj, rule.action) in EXTRA_DATA:
        data.update(EXTRA_DATA[(rule.obj, rule.action)](target))
    effect = EFFECTS.get((rule.obj, rule.action, rule.channel)) or EFFECTS.get(
        (rule.obj, rule.action)
    )
    with transaction.atomic():
        cache.clear()  # throttles and lockouts belong to other tests
        # A create without a target reads a count: effect(None).
        watched = target is not None or rule.probe.method == "POST"
        before = effect(target) if effect and watched else None
        try:
            response = _send(clients[rule.channel][role], rule, url, data, query)
        except Exception as error:  # a server error is a violation, not a crash of the walk
            transaction.set_rollback(True)
            return Probe(rule, role, side, 500, "", repr(error), None, {})
        changed = effect(target) != before if before is not None else None
        transaction.set_rollback(True)
    body = b"" if response.get("Content-Disposition") else response.content
    return Probe(
        rule,
        role,
        side,
        response.status_code,
        response.get("Location", ""),
        body.decode("utf-8", "replace"),
        changed,
        _form_errors(response),
    )


def _denied(p: Probe) -> bool:
    return p.status in (401, 403, 404, 405) or (p.status == 302 and LOGIN in p.location)


def _succeeded(p: Probe) -> bool:
    return p.status in (200, 201) or (p.status == 302 and LOGIN not in p.location)


def _clear_error(p: Probe, field: str) -> bool:
    """An error on `field` that says more than Django's "select a valid choice"."""
    with translation.override(settings.LANGUAGE_CODE):
        generic = str(forms.ModelChoiceField.default_error_messages["invalid_choice"])
    return any(str(message) != generic for message in p.errors.get(field, []))


def _empty_api_list(p: Probe) -> bool:
    try:
        return p.status == 200 and json.loads(p.body).get("count") == 0
    except ValueError:
        return False


# The other side's objects of each listed kind (by object, or by object and action where
# one object lists several kinds), whose ids must not be in a scoped API list.
FOREIGN_KEYS = {
    ("allowances", "list_statements"): ["statement"],
    ("allowances", "list_accounts"): ["account"],
    ("allowances", "list_entries"): ["entry"],
    "residents": ["resident"],
    "requests": ["request_open", "request_visited"],
    "matches": ["match_proposed", "match_confirmed", "match_accepted"],
    "visits": ["visit_scheduled", "visit_in_progress", "visit_completed"],
    "organizations": ["organization", "organization_submitted"],
    "agreements": ["agreement_active", "agreement_pending"],
    "offerings": ["offering"],
}


def _foreign_ids(world, p: Probe) -> list[str]:
    if p.rule.channel != "api":
        return []
    listed = {row.get("id") for row in json.loads(p.body).get("results", [])}
    theirs = world.sides["theirs"]
    keys = FOREIGN_KEYS.get((p.rule.obj, p.rule.action)) or FOREIGN_KEYS.get(p.rule.obj, [])
    return [f"#{getattr(theirs, key).pk}" for key in keys if getattr(theirs, key).pk in listed]


def judge(world, p: Probe) -> str | None:
    """None when the probe matches the table, else what went wrong."""
    cell = p.rule.cell(p.role)
    if p.status >= 500:
        return f"server error {p.body[:200]}"
    if not p.rule.probe.target and p.rule.probe.method == "POST":
        if not cell:
            if p.changed:
                return f"created although forbidden ({p.status})"
            return None if _denied(p) else f"not refused ({p.status})"
        if not _succeeded(p):
            return f"allowed but refused ({p.status})"
        return f"answered {p.status} but nothing changed" if p.changed is False else None
    if not p.rule.probe.target:
        if not cell:
            ok = _denied(p) or _empty_api_list(p)
            return None if ok else f"list open to a forbidden role ({p.status})"
        if p.status != 200:
            return f"list refused ({p.status})"
        if cell != ALL:
            leaked = [name for name in world.foreign_names if name in p.body]
            leaked += _foreign_ids(world, p)
            return f"foreign names listed: {leaked}" if leaked else None
        return None
    choice = p.rule.probe.choice
    if choice and cell and cell != ALL and p.side == "theirs":
        # The other side's id in the body of a page the user may use: a form error, no change.
        if p.changed:
            return f"foreign {choice} accepted ({p.status})"
        if p.changed is False and p.status in (200, 400, 404) and _clear_error(p, choice):
            return None
        return f"foreign {choice} not refused with a clear form error ({p.status}, {p.errors})"
    reaches = cell and (cell == ALL or p.side == "ours")
    if not reaches:
        if p.changed:
            return f"changed although forbidden ({p.status})"
        if cell and p.side == "theirs" and p.rule.probe.form_refusal:
            # The foreign choice is not offered: the form answers again, nothing changed.
            ok = p.changed is False and (p.status in (200, 400) or _denied(p))
            return None if ok else f"out-of-scope choice not refused by the form ({p.status})"
        if cell and p.side == "theirs" and p.status != 404:
            return f"out-of-scope object answered {p.status}, not 404"
        return None if _denied(p) else f"not refused ({p.status})"
    if not _succeeded(p):
        return f"allowed but refused ({p.status})"
    if p.changed is False:
        return f"answered {p.status} but nothing changed"
    return None


def run_matrix(world, rules=POLICY) -> tuple[int, list[str]]:
    """Probe every rule for every role; objects on both sides. Returns (probes, violations)."""
    quiet = logging.getLogger("django.request")
    level, quiet.level = quiet.level, logging.CRITICAL  # hundreds of expected 403/404 warnings
    try:
        return _walk(world, rules)
    finally:
        quiet.level = level


def _walk(world, rules) -> tuple[int, list[str]]:
    clients = clients_for(world)
    count, violations = 0, []
    for rule in rules:
        sides = ("ours", "theirs") if rule.probe.target else ("ours",)
        for role in ROLES:
            for side in sides:
                result = probe(world, clients, rule, role, side)
                count += 1
                problem = judge(world, result)
                if problem:
                    violations.append(
                        f"{rule.channel} {rule.obj}.{rule.action} as {role} on {side}: {problem}"
                    )
    return count, violations
