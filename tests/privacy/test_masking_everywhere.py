"""Full ID-card and phone numbers appear nowhere except the reveal response and the access export.

The scan covers every GET page and API probe of the policy table for every role (both
sides), every API list, the staff exports, the log output at DEBUG, the Celery task
arguments, in-app notifications, e-mails and the texts of the SMS log.
"""

import json
import logging

import pytest
from celery.app.task import Task
from django.core import mail
from django.urls import reverse

from communities.models import Resident
from sanlian.policy import POLICY, ROLES
from services.models import Notification
from tests.policy.matrix import clients_for, probe_url
from tests.policy.world import build_world

API_LISTS = [
    "resident-list",
    "request-list",
    "match-list",
    "visit-list",
    "organization-list",
    "agreement-list",
    "offering-list",
    "social-worker-list",
    "volunteer-list",
    "volunteer-team-list",
]


def _full_values() -> list[str]:
    values = []
    for resident in Resident.objects.all():
        values += [resident.id_number or "", resident.phone, resident.emergency_contact_phone]
    return [value for value in values if value]


def _leaks(text: str, values: list[str]) -> list[str]:
    return [value for value in values if value in text]


def _text(response) -> str:
    """The body, a downloaded file's too (the test client closes a stream once read)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", "replace")


@pytest.fixture
def world(cast):
    world = build_world(cast)
    Resident.objects.filter(pk=cast.resident.pk).update(
        emergency_contact_name="李女儿", emergency_contact_phone="13912345678"
    )
    return world


@pytest.fixture
def task_calls(monkeypatch):
    """Every Celery enqueue: (task name, args, kwargs)."""
    calls = []
    original = Task.apply_async

    def recording(self, args=None, kwargs=None, **options):
        calls.append((self.name, args, kwargs))
        return original(self, args=args, kwargs=kwargs, **options)

    monkeypatch.setattr(Task, "apply_async", recording)
    return calls


def _gets(world) -> list[tuple[str, str]]:
    """(channel, url) of every GET probe of the policy table, on both sides."""
    urls = []
    for rule in POLICY:
        if rule.probe.method != "GET":
            continue
        for side in ("ours", "theirs") if rule.probe.target else ("ours",):
            urls.append((rule.channel, probe_url(rule, world.sides[side], with_query=True)))
    urls += [("api", reverse(f"api:{name}")) for name in API_LISTS]
    urls += [("page", url) for url in ("/", "/audit/", "/audit/access/", "/notifications/")]
    return urls


def test_pages_and_api_never_show_full_identifiers(world, caplog):
    caplog.set_level(logging.DEBUG)
    values = _full_values()
    clients = clients_for(world)
    hits, scanned = [], 0
    for channel, url in _gets(world):
        for role in ROLES:
            response = clients[channel][role].get(url)
            scanned += 1
            body = _text(response)
            hits += [(role, url, value) for value in _leaks(body, values)]
    assert scanned > 300
    assert hits == []
    assert _leaks(caplog.text, values) == []


def test_the_reveal_response_is_the_one_page_with_the_full_number(world):
    resident = world.sides["ours"].resident
    clients = clients_for(world)
    url = reverse("communities:resident_reveal", kwargs={"pk": resident.pk})
    response = clients["page"]["community_staff"].post(
        url, {"field": "phone", "purpose": "热线回拨核实身份"}
    )
    assert resident.phone in response.content.decode()
    detail = clients["page"]["community_staff"].get(
        reverse("communities:resident_detail", kwargs={"pk": resident.pk})
    )
    assert resident.phone not in detail.content.decode()
    assert resident.masked_phone in detail.content.decode()


def test_hotline_search_by_full_number_echoes_it_masked(world):
    resident = world.sides["ours"].resident
    clients = clients_for(world)
    for term in (resident.phone, resident.id_number):
        response = clients["page"]["community_staff"].post(reverse("services:hotline"), {"q": term})
        body = response.content.decode()
        assert resident.name in body  # found
        assert _leaks(body, _full_values()) == []


def test_staff_exports_mask_identifiers(world):
    exports = pytest.importorskip("sanlian.exports")
    values = _full_values()
    for role in ("civil_affairs", "street_staff", "community_staff", "organization"):
        user = world.users[role]
        for kind in exports.kinds_for(user):
            text = "".join(exports.export_csv_lines(user=user, kind=kind))
            assert _leaks(text, values) == [], (role, kind)


def test_messages_tasks_and_logs_never_carry_full_identifiers(
    world, caplog, task_calls, django_capture_on_commit_callbacks, tmp_path, settings
):
    """Run the flows that talk to people: reminders by SMS, in-app and e-mail, a review."""
    import datetime

    from django.utils import timezone

    from organizations.domain import organization_approve
    from services.reminders import reminders_plan_for_visit

    caplog.set_level(logging.DEBUG)
    settings.SMS_LOG_PATH = tmp_path / "sms.log"
    settings.SMS_QUIET_HOURS = ""
    ours = world.sides["ours"]
    visit = ours.visit_scheduled
    visit.scheduled_start = timezone.now() + datetime.timedelta(minutes=30)
    visit.save()
    world.users["social_worker"].email = "worker@example.org"
    world.users["social_worker"].save()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_plan_for_visit(visit=visit)
    with django_capture_on_commit_callbacks(execute=True):
        organization_approve(
            organization=ours.organization_submitted, reviewer=world.users["civil_affairs"]
        )
    values = _full_values()
    sms_lines = settings.SMS_LOG_PATH.read_text(encoding="utf-8").splitlines()
    assert sms_lines, "the flow sent no SMS: the scan would prove nothing"
    sms_texts = "\n".join(line.split("\t")[3] for line in sms_lines)
    notifications = " ".join(f"{n.title} {n.body}" for n in Notification.objects.all())
    emails = " ".join(f"{m.subject} {m.body}" for m in mail.outbox)
    assert notifications and emails and task_calls  # every channel was exercised
    assert _leaks(sms_texts, values) == []
    assert _leaks(notifications, values) == []
    assert _leaks(emails, values) == []
    assert _leaks(json.dumps(task_calls, default=str, ensure_ascii=False), values) == []
    assert _leaks(caplog.text, values) == []
