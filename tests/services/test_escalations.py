import datetime

from django.utils import timezone

from services.models import Notification, ServiceRequest, Visit
from services.notifications.escalations import escalations_raise
from services.notifications.tasks import task_raise_escalations
from tests import factories as f
from tests.services._reminders_support import NOON, care_visit, later


def test_visit_not_checked_in_alerts_community_staff_and_team_leader_once(cast):
    care = care_visit(cast, start=later(-0.6, now=NOON))
    assert escalations_raise(now=NOON) == 2
    assert escalations_raise(now=NOON) == 0
    alerted = set(Notification.objects.values_list("user", flat=True))
    assert alerted == {cast.community_staff.pk, care.leader.pk}
    assert str(care.visit.request.resident.name) in Notification.objects.first().body


def test_visit_within_grace_or_checked_in_alerts_nobody(cast):
    care_visit(cast, start=later(-0.4, now=NOON))
    checked_in = care_visit(cast, start=later(-1, now=NOON)).visit
    Visit.objects.filter(pk=checked_in.pk).update(
        status=Visit.Status.IN_PROGRESS, checked_in_at=later(-0.9, now=NOON)
    )
    assert escalations_raise(now=NOON) == 0
    assert not Notification.objects.exists()


def test_other_communitys_staff_is_not_alerted(cast):
    care_visit(cast, start=later(-1, now=NOON))
    outsider = f.StaffAssignmentFactory(community=cast.other_community).user
    escalations_raise(now=NOON)
    assert not Notification.objects.filter(user__in=[outsider, cast.other_street_staff]).exists()


def test_request_open_too_long_alerts_street_staff_once(cast, settings):
    settings.ESCALATION_UNMATCHED_DAYS = 3
    old = f.ServiceRequestFactory(
        resident=cast.resident, created_at=NOON - datetime.timedelta(days=3, minutes=1)
    )
    f.ServiceRequestFactory(resident=cast.resident, created_at=NOON - datetime.timedelta(days=2))
    f.ServiceRequestFactory(
        resident=cast.other_resident, created_at=NOON - datetime.timedelta(days=1)
    )
    matched = f.ServiceRequestFactory(
        resident=cast.resident, created_at=NOON - datetime.timedelta(days=9)
    )
    ServiceRequest.objects.filter(pk=matched.pk).update(status=ServiceRequest.Status.MATCHED)
    assert escalations_raise(now=NOON) == 1
    assert escalations_raise(now=NOON) == 0
    alert = Notification.objects.get()
    assert alert.user == cast.street_staff
    assert alert.dedupe_key == f"request-unmatched:{old.pk}:{cast.street_staff.pk}"


def test_escalation_task_runs_on_the_current_time(cast):
    care_visit(cast, start=timezone.now() - datetime.timedelta(minutes=45))
    assert task_raise_escalations.delay().get() == 2
