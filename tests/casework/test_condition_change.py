"""A visit log that flags a change in the resident's condition makes a reassessment due."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from casework import domain
from casework.queries import assessments_due
from casework.reminders import casework_reminders_send
from communities.privacy import resident_anonymise
from sanlian.models import AuditEntry
from sanlian.roles import Role
from services.care.domain.visits import visit_complete
from services.models import Visit
from services.notifications.models import Notification
from tests import factories as f
from tests.casework.conftest import answers_for_total


def _signed(resident, worker, spec, total=90):
    assessment = domain.assessment_start(resident=resident, assessor=worker.user)
    domain.assessment_save(
        assessment=assessment,
        actor=worker.user,
        answers=answers_for_total(spec, total),
        adjustments=[],
    )
    return domain.assessment_sign(assessment=assessment, actor=worker.user)


@pytest.fixture
def worker_visit(cast):
    """An in-progress visit of the resident carried out by an organization volunteer."""
    user = f.UserFactory(username="vol", role=Role.VOLUNTEER)
    volunteer = f.VolunteerFactory(user=user)
    offering = f.OfferingFactory(organization=cast.organization, price_fen=0)
    return f.VisitFactory(
        request=f.ServiceRequestFactory(resident=cast.resident, service_type=offering.service_type),
        offering=offering,
        scheduled_start=timezone.now() - datetime.timedelta(minutes=40),
        status=Visit.Status.IN_PROGRESS,
        checked_in_at=timezone.now() - datetime.timedelta(minutes=35),
        volunteer=volunteer,
    )


def _due_pks(user):
    return set(assessments_due(user, today=timezone.localdate()).values_list("pk", flat=True))


def test_flag_on_completion_makes_reassessment_due_and_reminds_once(
    client, cast, sw, spec, worker_visit
):
    _signed(cast.resident, sw.sue, spec)
    assert cast.resident.pk not in _due_pks(cast.community_staff)
    casework_reminders_send(today=timezone.localdate())
    before = Notification.objects.count()

    client.force_login(worker_visit.volunteer.user)
    client.post(
        reverse("services:visit_complete", args=[worker_visit.pk]),
        {"service_log": "理发", "condition_changed": "on", "condition_note": "走路需要扶墙"},
    )
    worker_visit.refresh_from_db()
    assert worker_visit.status == "completed" and worker_visit.condition_changed_at is not None
    assert worker_visit.condition_note == "走路需要扶墙"
    visits = AuditEntry.objects.filter(object_type="services.visit")
    entry = visits.filter(object_id=str(worker_visit.pk)).latest("pk")
    assert "走路需要扶墙" in str(entry.changes)

    assert cast.resident.pk in _due_pks(cast.community_staff)
    assert cast.resident.pk in _due_pks(sw.sue.user)
    assert cast.resident.pk not in _due_pks(sw.sam.user)  # serves the other community
    client.force_login(cast.community_staff)
    page = client.get(reverse("casework:assessment_due")).content.decode()
    due = timezone.localdate() + datetime.timedelta(days=settings.ASSESSMENT_CHANGE_DAYS)
    assert "走路需要扶墙" in page and f"{due:%Y-%m-%d}" in page

    # Sue, Ann and Vera serve the resident's community; Sam does not. Each is told once.
    assert casework_reminders_send(today=timezone.localdate()) == 3
    assert casework_reminders_send(today=timezone.localdate()) == 0
    told = Notification.objects.filter(title="居民状况变化，需复评")
    assert Notification.objects.count() == before + 3
    assert set(told.values_list("user", flat=True)) == {
        sw.sue.user_id,
        sw.ann.user_id,
        sw.vera.user_id,
    }
    assert all("走路需要扶墙" in n.body for n in told)


def test_reassessment_after_the_flag_clears_it_and_a_new_flag_reminds_again(
    cast, sw, spec, worker_visit
):
    domain_visit_complete(worker_visit, note="记忆力明显下降")
    assert cast.resident.pk in _due_pks(sw.sue.user)  # never assessed, and flagged
    assert casework_reminders_send(today=timezone.localdate()) == 3

    Visit.objects.filter(pk=worker_visit.pk).update(
        condition_changed_at=timezone.now() - datetime.timedelta(days=1)
    )
    _signed(cast.resident, sw.sue, spec, total=50)
    assert cast.resident.pk not in _due_pks(sw.sue.user)
    assert casework_reminders_send(today=timezone.localdate()) == 0

    later = f.VisitFactory(
        request=worker_visit.request,
        offering=worker_visit.offering,
        status=Visit.Status.COMPLETED,
        condition_changed_at=timezone.now() + datetime.timedelta(seconds=1),
        condition_note="跌倒过一次",
    )
    assert cast.resident.pk in _due_pks(sw.sue.user)
    assert casework_reminders_send(today=timezone.localdate()) == 3
    assert Notification.objects.filter(body__contains="跌倒过一次").count() == 3
    assert later.pk


def domain_visit_complete(visit, *, note):
    return visit_complete(
        visit=visit,
        actor=visit.volunteer.user,
        service_log="陪同聊天",
        condition_changed=True,
        condition_note=note,
    )


@pytest.mark.parametrize(
    "data, message",
    [
        ({"condition_changed": "on"}, "请简单说明居民的状况有什么变化。"),
        ({"condition_note": "好像瘦了"}, "请同时勾选"),
    ],
)
def test_flag_and_note_go_together_or_nothing_changes(client, worker_visit, data, message):
    client.force_login(worker_visit.volunteer.user)
    response = client.post(
        reverse("services:visit_complete", args=[worker_visit.pk]),
        {"service_log": "理发", **data},
        follow=True,
    )
    assert message in response.content.decode()
    worker_visit.refresh_from_db()
    assert worker_visit.status == "in_progress"
    assert worker_visit.condition_changed_at is None and worker_visit.condition_note == ""


def test_flag_through_the_api_check_out_and_kept_at_completion(client, cast, sw, worker_visit):
    client.force_login(worker_visit.volunteer.user)
    response = client.post(
        f"/api/v1/visits/{worker_visit.pk}/check-out/",
        {"service_log": "送餐", "condition_changed": True, "condition_note": "食欲差"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["condition_note"] == "食欲差"
    client.post(f"/api/v1/visits/{worker_visit.pk}/complete/", {}, content_type="application/json")
    worker_visit.refresh_from_db()
    assert worker_visit.status == "completed" and worker_visit.condition_note == "食欲差"
    assert cast.resident.pk in _due_pks(sw.sue.user)


def test_condition_note_scrubbed_on_anonymisation(cast, worker_visit):
    domain_visit_complete(worker_visit, note="王奶奶糖尿病加重")
    resident_anonymise(resident=cast.resident, actor=cast.civil, reason="迁出")
    worker_visit.refresh_from_db()
    assert "糖尿病" not in worker_visit.condition_note
