"""Writes on service requests: filing one (web or hotline) and cancelling it."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Resident
from communities.privacy import consent_current
from organizations.models import Organization
from sanlian.audit import audit_record, snapshot
from sanlian.refusals import OutOfReach, StateConflict, refuse
from services.care import rules
from services.matching.domain import matches_withdraw_for_request
from services.models import RequestChannel, ServiceRequest, ServiceType
from services.offerings.models import days_to_mask
from services.offerings.queries import organizations_serving

REQUEST_AUDIT_FIELDS = [
    "resident",
    "service_type",
    "preferred_days",
    "preferred_start",
    "preferred_end",
    "notes",
    "urgent",
    "channel",
    "status",
    "preferred_organization",
    "excluded_organization",
]
# A request in one of these is still being handled: a second one of the same type waits.
IN_PROGRESS = (
    ServiceRequest.Status.OPEN,
    ServiceRequest.Status.MATCHED,
    ServiceRequest.Status.SCHEDULED,
)


def _check_can_file(*, resident: Resident, service_type: ServiceType) -> None:
    # The resident's state refuses the request, not its fields: the API answers 409.
    if resident.anonymised_at is not None:
        raise StateConflict(_("该居民信息已匿名化，不能再登记服务需求。"))
    if consent_current(resident) is None:
        raise StateConflict(
            _("该居民尚未签署（或已撤回）知情同意，不能登记服务需求。请先记录知情同意。")
        )
    duplicate = ServiceRequest.objects.filter(
        resident=resident, service_type=service_type, status__in=IN_PROGRESS
    )
    if duplicate.exists():
        raise StateConflict({"service_type": _("该居民已有同类服务需求正在处理中，无需重复提交。")})


def _check_choice(*, resident: Resident, service_type: ServiceType, preferred, excluded) -> None:
    """Only organizations serving the resident's community may be named or excluded."""
    serving = organizations_serving([resident.community_id])
    offering_it = organizations_serving([resident.community_id], service_type=service_type)
    out_of_reach = {}
    if preferred is not None and not offering_it.filter(pk=preferred.pk).exists():
        out_of_reach["preferred_organization"] = _(
            "该机构没有为该居民所在社区提供这项服务，不能指定。请从列出的机构中选择。"
        )
    if excluded is not None and not serving.filter(pk=excluded.pk).exists():
        out_of_reach["excluded_organization"] = _(
            "该机构不为该居民所在社区提供服务，无需回避。请从列出的机构中选择。"
        )
    if out_of_reach:
        raise OutOfReach(out_of_reach)
    if preferred is not None and excluded is not None and preferred.pk == excluded.pk:
        raise ValidationError({"excluded_organization": _("同一家机构不能既指定又回避。")})


@transaction.atomic
def request_create(
    *,
    resident: Resident,
    service_type: ServiceType,
    preferred_days: list[int],
    preferred_start: datetime.time,
    preferred_end: datetime.time,
    filed_by,
    notes: str = "",
    urgent: bool = False,
    channel: str = RequestChannel.WEB,
    preferred_organization: Organization | None = None,
    excluded_organization: Organization | None = None,
) -> ServiceRequest:
    """File a request for `resident`; refuses without a current consent.

    The resident may name an organization they would like, of those offering this service
    in their community, and one they would rather not have, of those serving it at all.
    """
    if not rules.may_file_request(filed_by, resident):
        raise PermissionDenied
    if not preferred_days:
        raise ValidationError({"preferred_days": _("请至少选择一天。")})
    # Lock the resident so two quick submissions cannot both pass the duplicate check.
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    _check_can_file(resident=resident, service_type=service_type)
    _check_choice(
        resident=resident,
        service_type=service_type,
        preferred=preferred_organization,
        excluded=excluded_organization,
    )
    service_request = ServiceRequest(
        resident=resident,
        service_type=service_type,
        preferred_days=days_to_mask(preferred_days),
        preferred_start=preferred_start,
        preferred_end=preferred_end,
        notes=notes.strip(),
        urgent=urgent,
        channel=channel,
        filed_by=filed_by,
        preferred_organization=preferred_organization,
        excluded_organization=excluded_organization,
    )
    service_request.full_clean()
    service_request.save()
    audit_record(
        actor=filed_by,
        instance=service_request,
        action="create",
        after=snapshot(service_request, REQUEST_AUDIT_FIELDS),
    )
    return service_request


@transaction.atomic
def request_cancel(*, service_request: ServiceRequest, actor, reason: str = "") -> ServiceRequest:
    """Cancel an open or matched request; matches are withdrawn and their places freed."""
    service_request = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("resident")
        .get(pk=service_request.pk)
    )
    refuse(rules.cancel_request_refusal(actor, service_request))
    before = snapshot(service_request, ["status", "cancel_reason"])
    service_request.status = ServiceRequest.Status.CANCELLED
    service_request.cancelled_at = timezone.now()
    service_request.cancel_reason = reason.strip()[:200]
    service_request.full_clean()
    service_request.save()
    matches_withdraw_for_request(
        service_request=service_request, actor=actor, reason=str(_("服务需求已取消"))
    )
    audit_record(
        actor=actor,
        instance=service_request,
        action="status",
        before=before,
        after=snapshot(service_request, ["status", "cancel_reason"]),
        reason=service_request.cancel_reason,
    )
    return service_request
