"""The services side of residents' rights (communities/privacy.py calls it via hooks).

Registered in ServicesConfig.ready(): what services keep about a resident for an access
request, which of its audited objects concern them, what withdrawing consent stops, and
what anonymisation scrubs.
"""

from django.urls import reverse

from communities.hooks import ResidentData
from communities.models import Resident
from communities.privacy import ANONYMISED_NAME, rows_of, scrub_text
from services.care.domain.requests import request_cancel
from services.care.domain.visits import visit_cancel, visit_plan_stop
from services.care.models import Feedback, ServiceRequest, Visit, VisitPlan
from services.care.rules import CANCELLABLE
from services.matching.models import Match
from services.notifications.models import Notification


def services_held_about(resident: Resident) -> dict:
    requests = resident.requests.select_related("service_type").order_by("pk")
    return {
        "requests": rows_of(
            requests,
            ["pk", "service_type", "status", "urgent", "channel", "notes", "created_at"],
        ),
        "matches": rows_of(
            Match.objects.filter(request__resident=resident).select_related("offering"),
            ["pk", "request_id", "offering", "status", "reason", "week_start"],
        ),
        "visits": rows_of(
            Visit.objects.filter(request__resident=resident).order_by("scheduled_start"),
            ["pk", "request_id", "scheduled_start", "status", "service_log"],
        ),
        "feedback": rows_of(
            Feedback.objects.filter(visit__request__resident=resident),
            ["visit_id", "rating", "comment"],
        ),
    }


def services_audited_objects(resident: Resident) -> dict:
    request_ids = list(
        ServiceRequest.objects.filter(resident=resident).values_list("pk", flat=True)
    )
    return {
        "services.servicerequest": request_ids,
        "services.match": list(
            Match.objects.filter(request_id__in=request_ids).values_list("pk", flat=True)
        ),
        "services.visit": list(
            Visit.objects.filter(request_id__in=request_ids).values_list("pk", flat=True)
        ),
    }


def services_care_stop(*, actor, resident: Resident, note: str) -> None:
    """Open requests and scheduled visits are cancelled, weekly plans stop."""
    for service_request in resident.requests.filter(status__in=CANCELLABLE):
        request_cancel(service_request=service_request, actor=actor, reason=note)
    for plan in VisitPlan.objects.filter(request__resident=resident, active=True):
        visit_plan_stop(plan=plan, actor=actor)
    for visit in Visit.objects.filter(request__resident=resident, status=Visit.Status.SCHEDULED):
        visit_cancel(visit=visit, actor=actor, reason=note)


def _scrub_notifications(resident: Resident, values: list[str]) -> None:
    """In-app messages about the resident's visits and requests name them."""
    links = [
        reverse("services:visit_detail", kwargs={"pk": pk})
        for pk in Visit.objects.filter(request__resident=resident).values_list("pk", flat=True)
    ] + [
        reverse("services:request_detail", kwargs={"pk": pk})
        for pk in resident.requests.values_list("pk", flat=True)
    ]
    for notification in Notification.objects.filter(link__in=links):
        notification.title = scrub_text(notification.title, values)
        notification.body = scrub_text(notification.body, values)
        notification.save(update_fields=["title", "body"])


def _scrub_free_text(resident: Resident) -> None:
    """Notes, service logs, feedback and match reasons are free text that may describe the
    person (illness, family, address): replaced whole, since no list of values catches it all."""
    texts = [
        (ServiceRequest.objects.filter(resident=resident), "notes"),
        (ServiceRequest.objects.filter(resident=resident), "cancel_reason"),
        (Visit.objects.filter(request__resident=resident), "service_log"),
        (Feedback.objects.filter(visit__request__resident=resident), "comment"),
        (Match.objects.filter(request__resident=resident), "reason"),
        (Match.objects.filter(request__resident=resident), "response_note"),
    ]
    for rows, field in texts:
        rows.exclude(**{field: ""}).update(**{field: ANONYMISED_NAME})


def services_scrub(resident: Resident, values: list[str]) -> None:
    _scrub_notifications(resident, values)
    _scrub_free_text(resident)


SERVICES_RESIDENT_DATA = ResidentData(
    held_about=services_held_about,
    audited_objects=services_audited_objects,
    care_stop=services_care_stop,
    scrub=services_scrub,
)
