"""The visit domain functions keep reminders in step (services/care/domain/visits.py)."""

import datetime

from django.utils import timezone

from sanlian.roles import Role
from services.care.domain.visits import visit_cancel, visit_reschedule, visit_schedule
from services.models import Reminder
from tests import factories as f
from tests.services._reminders_support import sms_log

__all__ = ["sms_log"]


def monday(at: datetime.time, weeks_ahead: int) -> datetime.datetime:
    today = timezone.localdate()
    day = today + datetime.timedelta(days=(0 - today.weekday()) % 7 or 7, weeks=weeks_ahead)
    return timezone.make_aware(datetime.datetime.combine(day, at))


def scheduled_visit(cast):
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    f.OfferingWindowFactory(offering=offering, weekday=0)
    request = f.ServiceRequestFactory(
        resident=cast.resident, service_type=offering.service_type, status="matched"
    )
    match = f.MatchFactory(request=request, offering=offering, status="accepted")
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(role=Role.SOCIAL_WORKER), organization=cast.organization
    )
    start = monday(datetime.time(10, 0), weeks_ahead=1)
    return visit_schedule(
        match=match, scheduled_start=start, actor=cast.member, social_worker=worker
    )


def test_scheduling_a_visit_plans_its_reminders(cast, sms_log):
    visit = scheduled_visit(cast)
    reminders = Reminder.objects.filter(visit=visit)
    assert set(reminders.values_list("offset_minutes", flat=True)) == {1440, 60}
    assert reminders.filter(recipient_user=visit.social_worker.user).exists()


def test_rescheduling_moves_the_pending_reminders(cast, sms_log):
    visit = scheduled_visit(cast)
    new_start = monday(datetime.time(11, 0), weeks_ahead=2)
    visit_reschedule(visit=visit, scheduled_start=new_start, actor=cast.member)
    due = set(
        Reminder.objects.filter(visit=visit, offset_minutes=60).values_list("due_at", flat=True)
    )
    assert due == {new_start - datetime.timedelta(hours=1)}


def test_cancelling_cancels_the_pending_reminders(cast, sms_log):
    visit = scheduled_visit(cast)
    visit_cancel(visit=visit, actor=cast.member, reason="家属取消")
    statuses = set(Reminder.objects.filter(visit=visit).values_list("status", flat=True))
    assert statuses == {Reminder.Status.CANCELLED}
