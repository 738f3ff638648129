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
from services.care.verification import masked_degrees
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
        "visits": _visits_held(resident),
        "feedback": rows_of(
            Feedback.objects.filter(visit__request__resident=resident),
            ["visit_id", "rating", "comment"],
        ),
    }


def _visits_held(resident: Resident) -> list[dict]:
    """The visits, with check-in/out positions rounded (masked) like every export."""
    visits = Visit.objects.filter(request__resident=resident).order_by("scheduled_start")
    rows = rows_of(
        visits,
        [
            "pk",
            "request_id",
            "scheduled_start",
            "status",
            "service_log",
            "condition_note",
            "location_state",
        ],
    )
    for row, visit in zip(rows, visits, strict=True):
        for field in ("check_in_lat", "check_in_lon", "check_out_lat", "check_out_lon"):
            masked = masked_degrees(getattr(visit, field))
            row[field] = None if masked is None else str(masked)
    return rows


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
        (Visit.objects.filter(request__resident=resident), "manual_reason"),
        (Visit.objects.filter(request__resident=resident), "condition_note"),
        (Feedback.objects.filter(visit__request__resident=resident), "comment"),
        (Match.objects.filter(request__resident=resident), "reason"),
        (Match.objects.filter(request__resident=resident), "response_note"),
    ]
    for rows, field in texts:
        rows.exclude(**{field: ""}).update(**{field: ANONYMISED_NAME})


def _scrub_positions(resident: Resident) -> None:
    """Where a worker stood at check-in and check-out points at the resident's home.

    Recorded by the anonymisation's own audit entry (`resident_anonymise`); positions never
    enter the audit trail themselves (VISIT_AUDIT_FIELDS leaves them out)."""
    Visit.objects.filter(request__resident=resident).update(
        check_in_lat=None,
        check_in_lon=None,
        check_in_accuracy_m=None,
        check_in_distance_m=None,
        check_out_lat=None,
        check_out_lon=None,
        check_out_accuracy_m=None,
        check_out_distance_m=None,
    )


def services_scrub(resident: Resident, values: list[str]) -> None:
    _scrub_notifications(resident, values)
    _scrub_free_text(resident)
    _scrub_positions(resident)


SERVICES_RESIDENT_DATA = ResidentData(
    held_about=services_held_about,
    audited_objects=services_audited_objects,
    care_stop=services_care_stop,
    scrub=services_scrub,
)
