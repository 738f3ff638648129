"""Full ID-card and phone numbers appear nowhere except the reveal response and the access export.

Nor does a resident's full birth date: it is exactly the 8 digits the masked ID number hides
(GB 11643), so printed beside it, it gives the full number back. Pages show year and age.

The scan covers every GET page and API probe of the policy table for every role (both
sides), every API list, the staff exports, the log output at DEBUG, the Celery task
arguments, in-app notifications, e-mails and the texts of the SMS log.
"""

import datetime
import io
import json
import logging

import pytest
from celery.app.task import Task
from django.core import mail
from django.urls import reverse
from django.utils import dateformat, translation
from openpyxl import load_workbook

from communities.domain import resident_register
from communities.models import Resident
from communities.privacy import resident_correct
from organizations.domain import organization_approve
from reporting import exports
from sanlian.masking import birth_year_and_age, mask_birth_date
from sanlian.models import AuditEntry
from services.models import Notification
from services.notifications.reminders import reminders_plan_for_visit
from tests import factories as f
from tests.policy.matrix import clients_for, probe_url
from tests.policy.policy import ROLES
from tests.policy.registry import POLICY
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


def _birth_date_texts(resident: Resident) -> list[str]:
    """The full birth date as the portal could print it, in both languages and as digits."""
    day = resident.birth_date
    with translation.override("en"):
        english = dateformat.format(day, "N j, Y")  # Jan. 2, 2026
    return [
        day.isoformat(),
        f"{day:%Y/%m/%d}",
        f"{day.year}年{day.month}月{day.day}日",
        english,
        f"{day:%Y%m%d}",
    ]


def _full_values() -> list[str]:
    values = []
    for resident in Resident.objects.all():
        values += [resident.id_number or "", resident.phone, resident.emergency_contact_phone]
        values += _birth_date_texts(resident)
    return [value for value in values if value]


def test_birth_date_texts_catch_every_printed_form(cast):
    """The scan is only as good as its list of forms: each one printed is found."""
    resident = cast.resident
    resident.birth_date = datetime.date(1944, 1, 2)
    texts = _birth_date_texts(resident)
    for printed in ("1944-01-02", "1944年1月2日", "Jan. 2, 1944", "19440102"):
        assert _leaks(f"<dd>{printed}</dd>", texts) == [printed]
    assert _leaks("1944年（82岁）", texts) == []


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


def test_resident_pages_show_birth_year_and_age_in_both_languages(world):
    resident = world.sides["ours"].resident
    client = clients_for(world)["page"]["community_staff"]
    values = _full_values()
    pages = [
        reverse("communities:resident_detail", kwargs={"pk": resident.pk}),
        reverse("communities:resident_list"),
        reverse("communities:resident_edit", kwargs={"pk": resident.pk}),
    ]
    for language in ("zh-hans", "en"):
        client.post(reverse("set_language"), {"language": language})
        body = _text(client.get(pages[0]))
        assert resident.masked_id_number in body
        assert f"{resident.birth_date.year}" in body and f"{resident.age}" in body
        for url in pages:
            assert _leaks(_text(client.get(url)), values) == [], (language, url)


def test_hotline_search_by_full_number_echoes_it_masked(world):
    resident = world.sides["ours"].resident
    clients = clients_for(world)
    for term in (resident.phone, resident.id_number):
        response = clients["page"]["community_staff"].post(
            reverse("services:hotline"), {"q": term, "purpose": "居民来电求助"}
        )
        body = response.content.decode()
        assert resident.name in body  # found
        assert _leaks(body, _full_values()) == []


def test_staff_exports_mask_identifiers(world):
    values = _full_values()
    for role in ("civil_affairs", "street_staff", "community_staff", "organization"):
        user = world.users[role]
        for kind in exports.kinds_for(user):
            text = "".join(exports.export_csv_lines(user=user, kind=kind))
            assert _leaks(text, values) == [], (role, kind)


def test_residents_xlsx_shows_birth_year_and_age_not_the_date(world, settings, tmp_path):

    settings.MEDIA_ROOT = tmp_path
    user = world.users["civil_affairs"]
    job = exports.export_start(user=user, kind="residents", file_format="xlsx", purpose="核对")
    exports.export_build(job=job)
    job.refresh_from_db()
    sheet = load_workbook(io.BytesIO(exports.export_job_path(job).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) > 1
    text = "\n".join("\t".join(str(cell) for cell in row) for row in rows)
    resident = world.sides["ours"].resident
    assert resident.masked_id_number in text
    assert _leaks(text, _full_values()) == []


def test_messages_tasks_and_logs_never_carry_full_identifiers(
    world, caplog, task_calls, django_capture_on_commit_callbacks, tmp_path, settings
):
    """Run the flows that talk to people: reminders by SMS, in-app and e-mail, a review."""
    import datetime

    from django.utils import timezone

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
    sms_texts = "\n".join(sms_lines)  # recipients as well as texts
    notifications = " ".join(f"{n.title} {n.body}" for n in Notification.objects.all())
    emails = " ".join(f"{m.subject} {m.body}" for m in mail.outbox)
    assert notifications and emails and task_calls  # every channel was exercised
    assert _leaks(sms_texts, values) == []
    assert _leaks(notifications, values) == []
    assert _leaks(emails, values) == []
    assert _leaks(json.dumps(task_calls, default=str, ensure_ascii=False), values) == []
    assert _leaks(caplog.text, values) == []


def test_admin_resident_list_shows_birth_year_and_age(world, admin_client):
    resident = world.sides["ours"].resident
    body = _text(admin_client.get(reverse("admin:communities_resident_changelist")))
    assert resident.masked_id_number in body and resident.name in body
    assert f"{resident.birth_date.year}" in body
    assert _leaks(body, _full_values()) == []


def test_history_of_a_registration_or_correction_keeps_no_full_birth_date(world):

    staff = world.users["community_staff"]
    ours = world.sides["ours"]
    born = datetime.date(1944, 6, 1)
    registered = resident_register(
        actor=staff,
        community=ours.resident.community,
        name="赵新登记",
        sex="F",
        birth_date=born,
        id_number=f.resident_id("140105", born, 778),
        phone="13700002222",
        address="新街1号",
        living_situation="alone",
        consent_given_by="self",
    )
    corrected = datetime.date(1944, 7, 1)
    resident_correct(
        actor=staff,
        resident=registered,
        reason="出生日期登记错误",
        birth_date=corrected,
        id_number=f.resident_id("140105", corrected, 778),
    )
    entries = AuditEntry.objects.filter(object_id=str(registered.pk))
    history = json.dumps([entry.changes for entry in entries], ensure_ascii=False)
    assert entries.count() >= 2 and "1944" in history
    assert _leaks(history, [*_full_values(), "1944-06-01", "19440601"]) == []


def test_birth_year_and_age_reads_in_both_languages():

    born = datetime.date(1964, 5, 28)
    assert birth_year_and_age(born, 62) == "1964年（62岁）"
    with translation.override("en"):
        assert birth_year_and_age(born, 62) == "1964 (age 62)"
    assert birth_year_and_age(None, None) == ""
    assert mask_birth_date(born) == mask_birth_date("1964-05-28") == "1964-**-**"
    assert mask_birth_date(None) == ""


def test_correction_left_without_a_birth_date_keeps_it(world):
    resident = world.sides["ours"].resident
    born = resident.birth_date
    client = clients_for(world)["page"]["community_staff"]
    response = client.post(
        reverse("communities:resident_edit", kwargs={"pk": resident.pk}),
        {
            "name": resident.name,
            "sex": resident.sex,
            "birth_date": "",
            "address": "新地址9号",
            "living_situation": resident.living_situation,
            "care_level": resident.care_level,
            "reason": "居民来电更正",
        },
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.birth_date, resident.address) == (born, "新地址9号")
