"""Alerts to staff when a visit is not checked in or a request waits too long.

Each alert reaches each person once: Notification.dedupe_key names the alert.
"""

import datetime

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_noop

from communities.models import StaffAssignment
from sanlian import stored_text
from services.models import ServiceRequest, Visit
from services.notifications.channels import notification_create

# Older visits are history, not an emergency: no alert a day later.
CHECKIN_LOOKBACK = datetime.timedelta(days=1)


def _link(name: str, pk: int) -> str:
    try:
        return reverse(name, kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


def visits_overdue_for_checkin(*, now: datetime.datetime):
    late = now - datetime.timedelta(minutes=settings.ESCALATION_CHECKIN_GRACE_MINUTES)
    return Visit.objects.filter(
        status=Visit.Status.SCHEDULED,
        checked_in_at__isnull=True,
        scheduled_start__lte=late,
        scheduled_start__gt=now - CHECKIN_LOOKBACK,
    ).select_related(
        "request__resident__community", "request__service_type", "volunteer__team__leader__user"
    )


def requests_unmatched_too_long(*, now: datetime.datetime):
    waited = now - datetime.timedelta(days=settings.ESCALATION_UNMATCHED_DAYS)
    return ServiceRequest.objects.filter(
        status=ServiceRequest.Status.OPEN, created_at__lte=waited
    ).select_related("resident__community", "service_type")


def _checkin_recipients(visit: Visit) -> set:
    community = visit.request.resident.community
    users = {
        a.user for a in StaffAssignment.objects.filter(community=community).select_related("user")
    }
    team = visit.volunteer.team if visit.volunteer else None
    if team is not None and team.leader is not None and team.leader.user is not None:
        users.add(team.leader.user)
    return {user for user in users if user.is_active}


def escalation_checkin_overdue(*, visit: Visit) -> int:
    body = stored_text.text(
        gettext_noop("%(resident)s %(when)s的%(service)s服务已超时未签到，请核实。"),
        resident=visit.request.resident.name,
        when=visit.scheduled_start,
        service=visit.request.service_type.name,
    )
    return sum(
        notification_create(
            user=user,
            title=stored_text.text(gettext_noop("上门服务未签到")),
            body=body,
            link=_link("services:visit_detail", visit.pk),
            dedupe_key=f"checkin-overdue:{visit.pk}:{user.pk}",
        )
        == "delivered"
        for user in _checkin_recipients(visit)
    )


def escalation_request_unmatched(*, service_request: ServiceRequest) -> int:
    street_id = service_request.resident.community.street_id
    staff = StaffAssignment.objects.filter(street_id=street_id, user__is_active=True)
    body = stored_text.text(
        gettext_noop("%(community)s居民%(resident)s的%(service)s需求已%(days)s天未匹配。"),
        community=service_request.resident.community.name,
        resident=service_request.resident.name,
        service=service_request.service_type.name,
        days=settings.ESCALATION_UNMATCHED_DAYS,
    )
    return sum(
        notification_create(
            user=assignment.user,
            title=stored_text.text(gettext_noop("服务需求长时间未匹配")),
            body=body,
            link=_link("services:request_detail", service_request.pk),
            dedupe_key=f"request-unmatched:{service_request.pk}:{assignment.user_id}",
        )
        == "delivered"
        for assignment in staff.select_related("user")
    )


def escalations_raise(*, now: datetime.datetime) -> int:
    """Raise every alert that is due and not yet raised; returns how many were new."""
    raised = sum(
        escalation_checkin_overdue(visit=visit) for visit in visits_overdue_for_checkin(now=now)
    )
    raised += sum(
        escalation_request_unmatched(service_request=request)
        for request in requests_unmatched_too_long(now=now)
    )
    return raised
