"""Steps sent from the phone's offline queue: once per key, in order, at the phone's time."""

import datetime
import threading
import uuid

import pytest
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse

from sanlian.models import AuditEntry
from sanlian.roles import Role
from services.models import Visit, VisitStep
from tests import factories as f
from tests.services._races import RACES_ON_POSTGRESQL
from tests.services.test_visit_verification import NEAR, field_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def field(cast, clock):
    return field_visit(cast, clock)


def _send(client, visit, step, *, key=None, device_at, user=None, **data):
    url = reverse("services:visit_step", args=[visit.pk])
    payload = {"key": str(key or uuid.uuid4()), "step": step, "device_at": device_at.isoformat()}
    return client.post(url, {**payload, **data})


def _minutes(field, minutes: int) -> datetime.datetime:
    return field.clock.now + datetime.timedelta(minutes=minutes)


def _offline_visit(client, field, *, arrival_after: int = 90):
    """Check-in at 10:00, check-out at 10:50 and completion at 10:51, all queued on the
    phone and sent when the network came back `arrival_after` minutes past 10:00."""
    device = {"check_in": _minutes(field, 0), "check_out": _minutes(field, 50)}
    device["complete"] = _minutes(field, 51)
    field.clock.freeze(_minutes(field, arrival_after))
    client.force_login(field.worker.user)
    answers = [
        _send(client, field.visit, "check_in", device_at=device["check_in"], **NEAR),
        _send(
            client,
            field.visit,
            "check_out",
            device_at=device["check_out"],
            service_log="理发",
            **NEAR,
        ),
        _send(client, field.visit, "complete", device_at=device["complete"]),
    ]
    field.visit.refresh_from_db()
    return device, answers


def test_queued_steps_keep_the_phones_times_and_the_arrival_time(client, field):
    device, answers = _offline_visit(client, field)

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    visit = field.visit
    assert visit.status == Visit.Status.COMPLETED
    assert visit.checked_in_at == device["check_in"]
    assert visit.checked_out_at == device["check_out"]
    assert visit.service_log == "理发"
    assert visit.location_state == "verified" and not visit.late_sync
    steps = list(VisitStep.objects.filter(visit=visit).order_by("device_at"))
    assert [step.kind for step in steps] == ["check_in", "check_out", "complete"]
    assert [step.device_at for step in steps] == list(device.values())
    assert {step.received_at for step in steps} == {field.clock.now}
    assert [step.gap_seconds for step in steps] == [90 * 60, 40 * 60, 39 * 60]
    assert answers[2].json()["status"] == "completed"


def test_a_replayed_key_gets_the_same_answer_and_no_second_effect(client, field):
    client.force_login(field.worker.user)
    key = uuid.uuid4()
    first = _send(client, field.visit, "check_in", key=key, device_at=field.clock.now, **NEAR)
    audits = AuditEntry.objects.count()
    field.clock.freeze(_minutes(field, 5))
    again = _send(client, field.visit, "check_in", key=key, device_at=field.clock.now, **NEAR)

    assert first.status_code == again.status_code == 200
    assert {**first.json(), "replayed": True} == again.json()
    assert first.json()["replayed"] is False
    assert VisitStep.objects.count() == 1
    assert AuditEntry.objects.count() == audits  # nothing written the second time
    field.visit.refresh_from_db()
    assert field.visit.checked_in_at == datetime.datetime.fromisoformat(first.json()["device_at"])


def test_a_replayed_completion_charges_nothing_twice(client, field):
    _offline_visit(client, field)
    step = VisitStep.objects.get(kind="complete")
    audits = AuditEntry.objects.count()
    again = _send(client, field.visit, "complete", key=step.key, device_at=step.device_at)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert AuditEntry.objects.count() == audits
    assert VisitStep.objects.filter(visit=field.visit).count() == 3


def test_check_out_before_check_in_is_refused_and_changes_nothing(client, field):
    client.force_login(field.worker.user)
    key = uuid.uuid4()
    answer = _send(
        client, field.visit, "check_out", key=key, device_at=field.clock.now, service_log="理发"
    )
    assert answer.status_code == 409
    assert answer.json()["errors"]
    field.visit.refresh_from_db()
    assert (field.visit.status, field.visit.checked_out_at) == (Visit.Status.SCHEDULED, None)
    assert not VisitStep.objects.exists()
    # The key was not spent: once the check-in arrives, the same check-out goes through.
    _send(client, field.visit, "check_in", device_at=field.clock.now, **NEAR)
    later = _send(
        client, field.visit, "check_out", key=key, device_at=field.clock.now, service_log="理发"
    )
    assert later.status_code == 200


def test_a_gap_beyond_the_limit_is_flagged_for_review(client, field, settings):
    settings.VISIT_SYNC_GAP_MINUTES = 60
    _offline_visit(client, field, arrival_after=61)

    visit = field.visit
    assert visit.late_sync is True and visit.review_state == "pending"
    assert list(VisitStep.objects.order_by("device_at").values_list("late", flat=True)) == [
        True,
        False,
        False,
    ]


def test_a_gap_within_the_limit_is_not_flagged(client, field, settings):
    settings.VISIT_SYNC_GAP_MINUTES = 60
    _offline_visit(client, field, arrival_after=59)
    assert field.visit.late_sync is False and field.visit.review_state == ""


def test_a_phone_clock_ahead_cannot_date_a_step_in_the_future(client, field, settings):
    settings.VISIT_SYNC_GAP_MINUTES = 60
    client.force_login(field.worker.user)
    ahead = _minutes(field, 120)
    assert _send(client, field.visit, "check_in", device_at=ahead, **NEAR).status_code == 200
    field.visit.refresh_from_db()
    assert field.visit.checked_in_at == field.clock.now
    assert field.visit.late_sync is True
    assert VisitStep.objects.get().device_at == ahead


def test_another_worker_of_the_same_organization_is_refused(client, field):
    colleague = f.SocialWorkerFactory(
        user=f.UserFactory(username="colleague", role=Role.SOCIAL_WORKER),
        organization=field.cast.organization,
    )
    client.force_login(colleague.user)
    answer = _send(client, field.visit, "check_in", device_at=field.clock.now, **NEAR)
    assert answer.status_code in (403, 404)
    field.visit.refresh_from_db()
    assert field.visit.status == Visit.Status.SCHEDULED and not VisitStep.objects.exists()


def test_another_organization_cannot_reach_the_visit(client, field):
    client.force_login(field.cast.other_member)
    answer = _send(client, field.visit, "check_in", device_at=field.clock.now, **NEAR)
    assert answer.status_code == 404
    field.visit.refresh_from_db()
    assert field.visit.status == Visit.Status.SCHEDULED and not VisitStep.objects.exists()


def test_a_key_spent_on_another_step_is_refused_without_its_answer(client, field):
    client.force_login(field.worker.user)
    key = uuid.uuid4()
    _send(client, field.visit, "check_in", key=key, device_at=field.clock.now, **NEAR)
    clash = _send(
        client, field.visit, "check_out", key=key, device_at=field.clock.now, service_log="理发"
    )
    assert clash.status_code == 409 and "status" not in clash.json()
    field.visit.refresh_from_db()
    assert field.visit.checked_out_at is None


@pytest.mark.parametrize(
    "data",
    [
        {"key": "not-a-uuid", "step": "check_in", "device_at": "2026-12-01T10:00:00+08:00"},
        {"key": str(uuid.uuid4()), "step": "fly", "device_at": "2026-12-01T10:00:00+08:00"},
        {"key": str(uuid.uuid4()), "step": "check_in", "device_at": "yesterday"},
        {
            "key": str(uuid.uuid4()),
            "step": "check_in",
            "device_at": "2026-12-01T10:00:00+08:00",
            "lat": "91",
        },
    ],
)
def test_bad_input_is_refused_with_a_message(client, field, data):
    client.force_login(field.worker.user)
    answer = client.post(reverse("services:visit_step", args=[field.visit.pk]), data)
    assert answer.status_code == 400 and answer.json()["errors"]
    field.visit.refresh_from_db()
    assert field.visit.status == Visit.Status.SCHEDULED and not VisitStep.objects.exists()


def test_the_service_worker_is_served_from_the_root_without_inline_script(client):
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Service-Worker-Allowed"] == "/"
    assert "no-cache" in answer["Cache-Control"]
    assert "script-src 'self'" in answer["Content-Security-Policy"]
    assert b"caches" in answer.content


def test_the_manifest_starts_at_my_visits_in_the_readers_language(client):
    client.cookies["django_language"] = "en"
    answer = client.get("/manifest.webmanifest")
    data = answer.json()
    assert answer["Content-Type"] == "application/manifest+json"
    assert data["start_url"] == reverse("services:my_visits")
    assert data["short_name"] == "My tasks"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}


@RACES_ON_POSTGRESQL[0]
@RACES_ON_POSTGRESQL[1]
def test_two_replays_of_one_key_at_once_take_effect_once(field):
    key = uuid.uuid4()
    answers = []
    barrier = threading.Barrier(2)

    def replay():
        try:
            client = Client()
            client.force_login(field.worker.user)
            barrier.wait(timeout=10)
            answers.append(
                _send(client, field.visit, "check_in", key=key, device_at=field.clock.now, **NEAR)
            )
        finally:
            close_old_connections()

    threads = [threading.Thread(target=replay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answer.status_code for answer in answers) == [200, 200]
    assert sorted(answer.json()["replayed"] for answer in answers) == [False, True]
    assert VisitStep.objects.count() == 1


def test_the_service_worker_imports_the_shared_queue_by_its_static_address(client):
    """Background Sync runs the page's queue code (static/js/step_queue.js) in the worker,
    at the address the static storage serves it under (hashed in production)."""
    answer = client.get("/sw.js").content.decode()
    assert 'importScripts("/static/js/step_queue.js")' in answer
    assert "__STEP_QUEUE_URL__" not in answer
    assert 'addEventListener("sync"' in answer
