"""History: every domain path on the tracked models records who, when and what; bulk updates
go through audited domain functions; the audit and access-log pages are scoped."""

import ast
import datetime
import importlib
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from communities.domain import consent_record, resident_register
from communities.privacy import consent_withdraw, resident_anonymise, resident_correct
from organizations import domain as org
from organizations.models import Organization
from sanlian.models import AccessLog, AuditEntry
from services.care.domain import requests, visits
from services.matching import domain as matches
from services.models import Match, Visit
from tests import factories as f
from tests.policy.world import THEIRS_NAME, build_world

ROOT = Path(__file__).resolve().parents[2]


def _recorded(instance, action=None) -> bool:
    entries = AuditEntry.objects.filter(
        object_type=instance._meta.label_lower, object_id=str(instance.pk)
    )
    return entries.filter(action=action).exists() if action else entries.exists()


@pytest.fixture
def world(cast):
    return build_world(cast)


def _fresh_history():
    AuditEntry.objects.all().delete()


def test_organization_paths_record_history(world):
    civil, ours = world.users["civil_affairs"], world.sides["ours"]
    _fresh_history()
    submitted = ours.organization_submitted
    org.organization_approve(organization=submitted, reviewer=civil)
    org.organization_suspend(organization=submitted, reviewer=civil, reason="投诉核查")
    org.organization_reinstate(organization=submitted, reviewer=civil)
    assert AuditEntry.objects.filter(object_id=str(submitted.pk), action="status").count() == 3
    other = world.sides["theirs"].organization_submitted
    org.organization_reject(organization=other, reviewer=civil, reason="材料不全")
    assert _recorded(other, "status")
    registered = org.organization_register(
        name="新注册服务社",
        credit_code=f.credit_code(9_999_999),
        category="public_welfare",
        legal_representative="王",
        contact_name="赵",
        contact_phone="13800001234",
        email="new@example.org",
        address="太原",
        username="neworg",
        password="Taiyuan-Care-77",
    )
    assert _recorded(registered, "create")


def test_agreement_paths_record_history(world):
    ours, cast = world.sides["ours"], world.cast
    _fresh_history()
    pending = ours.agreement_pending
    org.agreement_accept(agreement=pending, actor=cast.street_staff)
    assert _recorded(pending, "status")
    declined = f.AgreementFactory(
        organization=f.OrganizationFactory(), community=cast.community, status="pending"
    )
    org.agreement_decline(agreement=declined, actor=cast.community_staff, reason="场地不足")
    assert _recorded(declined, "status")
    org.agreement_end(agreement=ours.agreement_active, actor=cast.member)
    assert _recorded(ours.agreement_active, "status")
    venue_free = f.CommunityFactory(street=cast.east_street)
    asked = org.agreement_request(
        organization=cast.organization,
        actor=cast.member,
        community=venue_free,
        venue=None,
        start_date=timezone.localdate(),
    )
    assert _recorded(asked, "create")


def test_resident_paths_record_history(world):
    cast, staff = world.cast, world.cast.community_staff
    _fresh_history()
    resident = resident_register(
        actor=staff,
        community=cast.community,
        name="张爷爷",
        sex="M",
        birth_date=datetime.date(1940, 3, 15),
        id_number=f.resident_id("140105", datetime.date(1940, 3, 15), 555),
        phone="13811112222",
        address="桃园北路1号",
        living_situation="alone",
        consent_given_by="self",
    )
    assert _recorded(resident, "create")
    create = AuditEntry.objects.get(object_id=str(resident.pk), action="create")
    assert create.changes["phone"] == [None, "138****2222"]  # masked in history
    consent_record(resident=resident, given_by="self", channel="web", actor=staff)
    resident_correct(actor=staff, resident=resident, reason="更正", address="桃园北路2号")
    consent_withdraw(actor=staff, resident=resident)
    resident_anonymise(actor=staff, resident=resident, reason="删除")
    actions = list(
        AuditEntry.objects.filter(object_id=str(resident.pk)).values_list("action", flat=True)
    )
    assert actions.count("change") >= 4 and "delete" in actions


def test_request_paths_record_history(world):
    cast, ours = world.cast, world.sides["ours"]
    _fresh_history()
    filed = requests.request_create(
        resident=ours.resident,
        service_type=f.ServiceTypeFactory(),
        preferred_days=[0],
        preferred_start=datetime.time(9),
        preferred_end=datetime.time(11),
        filed_by=cast.resident.user,
    )
    assert _recorded(filed, "create")
    requests.request_cancel(service_request=filed, actor=cast.community_staff, reason="不需要")
    assert _recorded(filed, "status")


def test_match_paths_record_history(world):
    cast, ours = world.cast, world.sides["ours"]
    _fresh_history()
    sibling = f.MatchFactory(
        request=ours.match_proposed.request, offering=ours.offering, status="proposed"
    )
    matches.match_confirm(match=ours.match_proposed, user=cast.community_staff)
    assert _recorded(ours.match_proposed, "status")
    assert _recorded(sibling, "status")  # withdrawn in bulk, still recorded
    matches.match_accept(match=ours.match_confirmed, user=cast.member)
    assert _recorded(ours.match_confirmed, "status")
    declined = f.MatchFactory(
        request=f.ServiceRequestFactory(resident=ours.resident, status="matched"),
        offering=ours.offering,
        status="confirmed",
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    matches.match_decline(match=declined, user=cast.member, reason="人手不足")
    assert _recorded(declined, "status")
    expiring = f.MatchFactory(
        request=f.ServiceRequestFactory(resident=ours.resident, status="matched"),
        offering=ours.offering,
        status="confirmed",
        expires_at=timezone.now() - datetime.timedelta(hours=1),
    )
    matches.match_expire_overdue(now=timezone.now())
    assert Match.objects.get(pk=expiring.pk).status == "expired"
    assert _recorded(expiring, "status")


def test_visit_paths_record_history(world):
    cast, ours = world.cast, world.sides["ours"]
    worker = world.users["social_worker"]
    _fresh_history()
    visits.visit_check_in(visit=ours.visit_scheduled, actor=worker)
    assert _recorded(ours.visit_scheduled, "status")
    visits.visit_check_out(visit=ours.visit_in_progress, actor=worker, service_log="理发")
    visits.visit_complete(visit=ours.visit_in_progress, actor=worker)
    assert AuditEntry.objects.filter(object_id=str(ours.visit_in_progress.pk)).count() >= 2
    visits.feedback_give(visit=ours.visit_completed, actor=cast.resident.user, rating=4)
    assert _recorded(ours.visit_completed, "change")
    later = f.VisitFactory(
        request=ours.request_visited,
        offering=ours.offering,
        scheduled_start=timezone.now() + datetime.timedelta(days=3),
    )
    visits.visit_cancel(visit=later, actor=cast.member, reason="住院")
    assert Visit.objects.get(pk=later.pk).status == "cancelled" and _recorded(later, "status")


def _receiver_chain(node) -> set:
    """The names along `Model.objects.filter(...).exclude(...)`, not inside the arguments:
    `Unserved.objects.filter(request_id__in=requests)` updates no request."""
    names = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            names.add(getattr(node, "id", None))
            return names


def test_bulk_updates_of_tracked_models_only_in_audited_domain_functions():
    """No `.update(` on organizations, agreements, residents, requests, matches or visits
    outside a domain module, and inside one only in a function that records history."""
    tracked = {"Organization", "Agreement", "Resident", "ServiceRequest", "Match", "Visit"}
    related = {"matches", "visits", "requests", "agreements", "residents", "organizations"}
    domain_files = {"domain.py", "privacy.py"}
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "bench"} or "migrations" in relative.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for call in ast.walk(function):
                if not (isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "update"):
                    continue
                names = _receiver_chain(call.func.value)
                if not names & (tracked | related):
                    continue
                in_domain = path.name in domain_files or relative.parts[1:2] == ("domain",)
                audited = "audit" in ast.unparse(function).lower()
                if not (in_domain and audited):
                    offenders.append(f"{relative}:{call.lineno} in {function.name}")
    assert offenders == []


# --- pages ----------------------------------------------------------------------------------


def test_audit_page_for_street_staff_lists_only_their_streets(client, world):
    client.force_login(world.cast.street_staff)
    body = client.get("/audit/").content.decode()
    assert world.sides["ours"].resident.name in body
    assert THEIRS_NAME not in body
    body = client.get("/audit/access/").content.decode()
    assert world.sides["ours"].resident.name in body and THEIRS_NAME not in body


def test_audit_page_for_civil_affairs_lists_everything_and_filters(client, world):
    client.force_login(world.cast.civil)
    # Residents' rows of both streets (the apps' world objects fill the first page otherwise).
    body = client.get("/audit/", {"object_type": "communities.resident"}).content.decode()
    assert world.sides["ours"].resident.name in body and THEIRS_NAME in body
    filtered = client.get("/audit/", {"text": THEIRS_NAME, "object_type": "communities.resident"})
    page = filtered.context["page_obj"]
    assert page.paginator.count == 1 and THEIRS_NAME in page[0].object_repr
    row = filtered.content.decode()
    assert "老年居民 #" in row and "communities.resident" not in row.split("<tbody>")[1]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert client.get("/audit/", {"date_from": tomorrow}).context["page_obj"].paginator.count == 0


def test_access_log_page_searches_by_kind_and_actor(client, world):
    resident = world.sides["ours"].resident
    AccessLog.objects.create(
        actor=world.cast.community_staff,
        resident=resident,
        kind="reveal",
        field="phone",
        purpose="热线回拨",
    )
    client.force_login(world.cast.civil)
    page = client.get("/audit/access/", {"kind": "reveal", "actor": "community"}).context[
        "page_obj"
    ]
    assert [log.purpose for log in page] == ["热线回拨"]
    assert (
        client.get("/audit/access/", {"actor": "nobody"}).context["page_obj"].paginator.count == 0
    )


@pytest.mark.parametrize("who", ["community_staff", "member", "family"])
def test_audit_pages_forbidden_to_other_roles(client, world, who):
    client.force_login(getattr(world.cast, who))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/access/").status_code == 403


def test_audit_entry_names_actor_time_and_old_and_new_values(world):
    civil = world.users["civil_affairs"]
    org.organization_approve(
        organization=world.sides["ours"].organization_submitted, reviewer=civil
    )
    entry = AuditEntry.objects.filter(object_type="organizations.organization").latest("id")
    assert entry.actor == civil and entry.at is not None
    assert entry.changes["status"] == [Organization.Status.SUBMITTED, Organization.Status.APPROVED]


def test_history_stored_before_masking_gets_its_birth_dates_masked(world):
    migration = importlib.import_module("sanlian.migrations.0005_mask_birth_dates_in_history")
    resident = world.sides["ours"].resident
    old = AuditEntry.objects.create(
        action="change",
        object_type="communities.resident",
        object_id=str(resident.pk),
        object_repr=resident.name,
        changes={"birth_date": ["1964-05-28", "1964-06-28"], "name": ["甲", "乙"]},
    )
    migration.mask_birth_dates(django_apps, None)
    migration.mask_birth_dates(django_apps, None)  # twice: nothing more changes
    old.refresh_from_db()
    assert old.changes == {"birth_date": ["1964-**-**", "1964-**-**"], "name": ["甲", "乙"]}
