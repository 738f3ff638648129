"""Writes for organizations: registration, review, workspace, offerings and agreements."""

import datetime
import secrets
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.models import Community, Venue
from organizations.models import (
    Agreement,
    Organization,
    OrganizationMember,
    OrganizationStatusChange,
)
from organizations.queries import (
    agreements_visible_to,
    communities_open_to,
    organizations_visible_to,
)
from sanlian.audit import audit_record, snapshot
from sanlian.models import AuditEntry, Role, User
from services.models import (
    CareMode,
    OfferingWeek,
    OfferingWindow,
    PriceClass,
    ServiceOffering,
    ServiceType,
    week_start_of,
)

Status = Organization.Status
REVIEWER_ROLES = frozenset({Role.CIVIL_AFFAIRS, Role.STREET_STAFF})
AGREEMENT_DECIDER_ROLES = frozenset({Role.STREET_STAFF, Role.COMMUNITY_STAFF})
PROFILE_FIELDS = [
    "legal_representative",
    "contact_name",
    "contact_phone",
    "email",
    "address",
    "description",
]
_REVIEW_FIELDS = ["status", "reviewed_by", "reviewed_at", "review_reason"]


# --- registration -------------------------------------------------------------------------


@transaction.atomic
def organization_register(
    *,
    name: str,
    credit_code: str,
    category: str,
    legal_representative: str,
    contact_name: str,
    contact_phone: str,
    email: str,
    address: str,
    description: str = "",
    home_street=None,
    communities: Iterable[Community] = (),
    streets: Iterable = (),
    username: str,
    password: str,
) -> Organization:
    """Create a submitted organization, its first status row and its admin's account.

    A chosen street stands for all of its communities.
    """
    organization = Organization(
        name=name,
        credit_code=credit_code,
        category=category,
        legal_representative=legal_representative,
        contact_name=contact_name,
        contact_phone=contact_phone,
        email=email,
        address=address,
        description=description,
        home_street=home_street,
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    organization.full_clean()
    user = User(
        username=username,
        role=Role.ORGANIZATION,
        display_name=contact_name,
        phone=contact_phone,
        email=email,
    )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.full_clean()
    organization.save()
    user.save()
    served = {community.pk for community in communities}
    served |= set(Community.objects.filter(street__in=list(streets)).values_list("pk", flat=True))
    organization.wants_to_serve.set(served)
    OrganizationMember.objects.create(user=user, organization=organization, is_admin=True)
    OrganizationStatusChange.objects.create(
        organization=organization, to_status=Status.SUBMITTED, changed_by=user
    )
    audit_record(
        actor=user,
        instance=organization,
        action=AuditEntry.Action.CREATE,
        after=snapshot(organization, ["name", "credit_code", "category", "contact_phone"]),
    )
    return organization


# --- review -------------------------------------------------------------------------------


def _check_reviewer(*, organization: Organization, reviewer) -> None:
    if reviewer.role not in REVIEWER_ROLES:
        raise PermissionDenied(_("只有民政局和街道办工作人员可以审核社会组织。"))
    if not organizations_visible_to(reviewer).filter(pk=organization.pk).exists():
        raise PermissionDenied(_("该组织不在您的管辖范围内。"))


def _organization_transition(
    *,
    organization: Organization,
    reviewer,
    reason: str,
    allowed_from: tuple[str, ...],
    to_status: str,
    refused: str,
    kind: str,
) -> Organization:
    _check_reviewer(organization=organization, reviewer=reviewer)
    # Lock the row so two reviewers acting at once cannot both move it.
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.status not in allowed_from:
        raise ValidationError(refused)
    before = snapshot(organization, _REVIEW_FIELDS)
    from_status = organization.status
    organization.status = to_status
    organization.reviewed_by = reviewer
    organization.reviewed_at = timezone.now()
    organization.review_reason = reason.strip()
    organization.full_clean()
    organization.save(update_fields=_REVIEW_FIELDS)
    OrganizationStatusChange.objects.create(
        organization=organization,
        from_status=from_status,
        to_status=to_status,
        changed_by=reviewer,
        reason=organization.review_reason,
    )
    audit_record(
        actor=reviewer,
        instance=organization,
        action=AuditEntry.Action.STATUS,
        before=before,
        after=snapshot(organization, _REVIEW_FIELDS),
        reason=organization.review_reason,
    )
    _enqueue_review_email(organization_id=organization.pk, kind=kind)
    return organization


def _enqueue_review_email(*, organization_id: int, kind: str) -> None:
    from organizations.tasks import task_send_review_email

    transaction.on_commit(
        lambda: task_send_review_email.delay(organization_id=organization_id, kind=kind)
    )


def _require_reason(reason: str, message: str) -> None:
    if not reason or not reason.strip():
        raise ValidationError({"reason": message})


@transaction.atomic
def organization_approve(*, organization: Organization, reviewer, reason: str = "") -> Organization:
    return _organization_transition(
        organization=organization,
        reviewer=reviewer,
        reason=reason,
        allowed_from=(Status.SUBMITTED,),
        to_status=Status.APPROVED,
        refused=_("只有待审核的组织可以批准。"),
        kind="approved",
    )


@transaction.atomic
def organization_reject(*, organization: Organization, reviewer, reason: str) -> Organization:
    _require_reason(reason, _("驳回时必须填写原因。"))
    return _organization_transition(
        organization=organization,
        reviewer=reviewer,
        reason=reason,
        allowed_from=(Status.SUBMITTED,),
        to_status=Status.REJECTED,
        refused=_("只有待审核的组织可以驳回。"),
        kind="rejected",
    )


@transaction.atomic
def organization_suspend(*, organization: Organization, reviewer, reason: str) -> Organization:
    _require_reason(reason, _("暂停时必须填写原因。"))
    return _organization_transition(
        organization=organization,
        reviewer=reviewer,
        reason=reason,
        allowed_from=(Status.APPROVED,),
        to_status=Status.SUSPENDED,
        refused=_("只有已批准的组织可以暂停。"),
        kind="suspended",
    )


@transaction.atomic
def organization_reinstate(
    *, organization: Organization, reviewer, reason: str = ""
) -> Organization:
    return _organization_transition(
        organization=organization,
        reviewer=reviewer,
        reason=reason,
        allowed_from=(Status.SUSPENDED,),
        to_status=Status.APPROVED,
        refused=_("只有已暂停的组织可以恢复。"),
        kind="reinstated",
    )


@transaction.atomic
def organization_resubmit(*, organization: Organization, actor) -> Organization:
    """A rejected organization, its registration corrected, asks to be reviewed again."""
    _require_member(organization=organization, actor=actor, admin=True)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.status != Status.REJECTED:
        raise ValidationError(_("只有未通过审核的组织可以重新提交。"))
    fields = ["status", "submitted_at"]
    before = snapshot(organization, fields)
    organization.status = Status.SUBMITTED
    organization.submitted_at = timezone.now()
    organization.full_clean()
    organization.save(update_fields=fields)
    OrganizationStatusChange.objects.create(
        organization=organization,
        from_status=Status.REJECTED,
        to_status=Status.SUBMITTED,
        changed_by=actor,
        reason=_("修改后重新提交审核"),
    )
    audit_record(
        actor=actor,
        instance=organization,
        action=AuditEntry.Action.STATUS,
        before=before,
        after=snapshot(organization, fields),
        reason=_("修改后重新提交审核"),
    )
    return organization


REVIEW_EMAIL_SUBJECTS = {
    "approved": gettext_lazy("您的组织登记已通过审核"),
    "rejected": gettext_lazy("您的组织登记未通过审核"),
    "suspended": gettext_lazy("您的组织已被暂停"),
    "reinstated": gettext_lazy("您的组织已恢复正常"),
}


def organization_send_review_email(*, organization: Organization, kind: str) -> None:
    """Tell the organization's contact address the outcome of a review."""
    subject = str(REVIEW_EMAIL_SUBJECTS[kind])
    lines = [
        _("%(name)s：") % {"name": organization.name},
        _("%(subject)s。") % {"subject": subject},
    ]
    if organization.review_reason:
        lines.append(_("说明：%(reason)s") % {"reason": organization.review_reason})
    lines.append(_("三社联动服务平台"))
    send_mail(
        subject=subject,
        message="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[organization.email],
    )


# --- workspace ----------------------------------------------------------------------------


def _require_approved(organization: Organization, message: str) -> None:
    if organization.status != Status.APPROVED:
        raise ValidationError(message)


def _require_member(*, organization: Organization, actor, admin: bool = False) -> None:
    members = OrganizationMember.objects.filter(organization=organization, user=actor)
    if admin:
        members = members.filter(is_admin=True)
    if not members.exists():
        raise PermissionDenied(_("您不是该组织的管理员。") if admin else _("您不是该组织的成员。"))


@transaction.atomic
def organization_update_profile(
    *, organization: Organization, actor, wants_to_serve=None, **fields
) -> Organization:
    _require_member(organization=organization, actor=actor)
    # A rejected organization corrects its registration here before resubmitting it.
    if organization.status not in (Status.APPROVED, Status.REJECTED):
        raise ValidationError(_("只有已批准或未通过审核的组织可以修改资料。"))
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    before = snapshot(organization, PROFILE_FIELDS)
    for field, value in fields.items():
        setattr(organization, field, value)
    organization.full_clean()
    organization.save()
    if wants_to_serve is not None:
        organization.wants_to_serve.set(wants_to_serve)
    audit_record(
        actor=actor,
        instance=organization,
        action=AuditEntry.Action.CHANGE,
        before=before,
        after=snapshot(organization, PROFILE_FIELDS),
    )
    return organization


@transaction.atomic
def organization_member_invite(
    *, organization: Organization, actor, username: str, display_name: str, email: str = ""
) -> tuple[OrganizationMember, str]:
    """Create a member's account; returns the one-time password to hand over in person."""
    _require_member(organization=organization, actor=actor, admin=True)
    _require_approved(organization, _("只有已批准的组织可以添加成员。"))
    password = secrets.token_urlsafe(9)
    user = User(username=username, role=Role.ORGANIZATION, display_name=display_name, email=email)
    user.set_password(password)
    user.full_clean()
    user.save()
    member = OrganizationMember.objects.create(user=user, organization=organization)
    audit_record(
        actor=actor,
        instance=organization,
        action=AuditEntry.Action.CHANGE,
        after={"member_added": username},
    )
    return member, password


# --- offerings ----------------------------------------------------------------------------

_OFFERING_AUDIT_FIELDS = ["service_type", "weekly_capacity", "price_class", "price_fen"]


def _price_fen(*, price_class: str, price_yuan: Decimal | None) -> int:
    if price_class == PriceClass.FREE:
        if price_yuan:
            raise ValidationError({"price_yuan": _("免费项目不能填写价格。")})
        return 0
    if price_yuan is None or price_yuan <= 0:
        raise ValidationError({"price_yuan": _("补贴或有偿项目请填写大于0的价格。")})
    fen = price_yuan * 100
    if fen != fen.to_integral_value():
        raise ValidationError({"price_yuan": _("价格最多精确到分。")})
    return int(fen)


def _check_offering_venue(
    *, organization: Organization, service_type: ServiceType, venue: Venue | None
) -> None:
    if venue is None:
        if service_type.care_mode == CareMode.DAY_CARE:
            raise ValidationError({"venue": _("日托服务必须选择已签约社区的场地。")})
        return
    agreed = Agreement.objects.filter(
        organization=organization, community_id=venue.community_id, status=Agreement.Status.ACTIVE
    )
    if not agreed.exists():
        raise ValidationError({"venue": _("场地必须属于与本组织签有生效协议的社区。")})


def _check_windows(windows) -> list[tuple[int, datetime.time, datetime.time]]:
    windows = sorted(set(windows))
    if not windows:
        raise ValidationError({"weekdays": _("请至少选择一天和一个时段。")})
    for weekday, start, end in windows:
        if not 0 <= weekday <= 6:
            raise ValidationError({"weekdays": _("星期无效。")})
        if end <= start:
            raise ValidationError({"end_time": _("结束时间必须晚于开始时间。")})
    return windows


@transaction.atomic
def offering_publish(
    *,
    organization: Organization,
    actor,
    service_type: ServiceType,
    communities: Iterable[Community],
    weekly_capacity: int,
    price_class: str,
    price_yuan: Decimal | None,
    windows: Iterable[tuple[int, datetime.time, datetime.time]],
    venue: Venue | None = None,
    description: str = "",
) -> ServiceOffering:
    """Publish an offering with its weekly windows (weekday 0 = Monday)."""
    _require_member(organization=organization, actor=actor)
    _require_approved(organization, _("只有已批准的组织可以发布服务项目。"))
    communities, windows = _check_offering_input(
        organization=organization,
        service_type=service_type,
        communities=communities,
        weekly_capacity=weekly_capacity,
        venue=venue,
        windows=windows,
    )
    offering = ServiceOffering(
        organization=organization,
        service_type=service_type,
        venue=venue,
        weekly_capacity=weekly_capacity,
        price_class=price_class,
        price_fen=_price_fen(price_class=price_class, price_yuan=price_yuan),
        description=description,
    )
    offering.full_clean()
    offering.save()
    offering.communities.set(communities)
    _offering_set_windows(offering=offering, windows=windows)
    audit_record(
        actor=actor,
        instance=offering,
        action=AuditEntry.Action.CREATE,
        after=snapshot(offering, _OFFERING_AUDIT_FIELDS),
    )
    return offering


def _check_offering_input(
    *,
    organization: Organization,
    service_type: ServiceType,
    communities: Iterable[Community],
    weekly_capacity: int,
    venue: Venue | None,
    windows,
) -> tuple[list[Community], list[tuple[int, datetime.time, datetime.time]]]:
    """The rules an offering meets when published and after every edit."""
    communities = list(communities)
    if not communities:
        raise ValidationError({"communities": _("请至少选择一个服务社区。")})
    allowed = set(communities_open_to(organization).values_list("pk", flat=True))
    if any(community.pk not in allowed for community in communities):
        raise ValidationError({"communities": _("只能选择已签约或登记时意向服务的社区。")})
    if weekly_capacity is None or weekly_capacity < 1:
        raise ValidationError({"weekly_capacity": _("每周服务人次至少为1。")})
    _check_offering_venue(organization=organization, service_type=service_type, venue=venue)
    return communities, _check_windows(windows)


def _offering_set_windows(*, offering: ServiceOffering, windows) -> None:
    offering.windows.all().delete()
    OfferingWindow.objects.bulk_create(
        OfferingWindow(offering=offering, weekday=day, start_time=start, end_time=end)
        for day, start, end in windows
    )


def _offering_weeks_resize(*, offering: ServiceOffering, weekly_capacity: int) -> None:
    """This week's and later weeks' capacity follows the offering, never below what is booked."""
    weeks = OfferingWeek.objects.select_for_update().filter(
        offering=offering, week_start__gte=week_start_of(timezone.localdate())
    )
    booked = max((week.reserved for week in weeks), default=0)
    if booked > weekly_capacity:
        raise ValidationError(
            {
                "weekly_capacity": _(
                    "已有一周预订了%(booked)s人次，每周服务人次不能少于%(booked)s。"
                )
                % {"booked": booked}
            }
        )
    weeks.update(capacity=weekly_capacity)


@transaction.atomic
def offering_update(
    *,
    offering: ServiceOffering,
    actor,
    service_type: ServiceType,
    communities: Iterable[Community],
    weekly_capacity: int,
    price_class: str,
    price_yuan: Decimal | None,
    windows: Iterable[tuple[int, datetime.time, datetime.time]],
    venue: Venue | None = None,
    description: str = "",
) -> ServiceOffering:
    """Edit a published offering under the rules of `offering_publish`; windows are replaced."""
    organization = offering.organization
    _require_member(organization=organization, actor=actor)
    _require_approved(organization, _("只有已批准的组织可以修改服务项目。"))
    communities, windows = _check_offering_input(
        organization=organization,
        service_type=service_type,
        communities=communities,
        weekly_capacity=weekly_capacity,
        venue=venue,
        windows=windows,
    )
    offering = ServiceOffering.objects.select_for_update().get(pk=offering.pk)
    before = _offering_state(offering)
    offering.service_type = service_type
    offering.venue = venue
    offering.weekly_capacity = weekly_capacity
    offering.price_class = price_class
    offering.price_fen = _price_fen(price_class=price_class, price_yuan=price_yuan)
    offering.description = description
    offering.full_clean()
    _offering_weeks_resize(offering=offering, weekly_capacity=weekly_capacity)
    offering.save()
    offering.communities.set(communities)
    _offering_set_windows(offering=offering, windows=windows)
    audit_record(
        actor=actor,
        instance=offering,
        action=AuditEntry.Action.CHANGE,
        before=before,
        after=_offering_state(offering),
    )
    return offering


def _offering_state(offering: ServiceOffering) -> dict:
    state = snapshot(offering, [*_OFFERING_AUDIT_FIELDS, "venue", "description"])
    state["communities"] = sorted(offering.communities.values_list("pk", flat=True))
    state["windows"] = [str(window) for window in offering.windows.all()]
    return state


def _offering_set_status(*, offering: ServiceOffering, actor, status: str) -> ServiceOffering:
    _require_member(organization=offering.organization, actor=actor)
    if offering.status == status:
        raise ValidationError(_("服务项目已经是该状态。"))
    before = snapshot(offering, ["status"])
    offering.status = status
    offering.save(update_fields=["status"])
    audit_record(
        actor=actor,
        instance=offering,
        action=AuditEntry.Action.STATUS,
        before=before,
        after=snapshot(offering, ["status"]),
    )
    return offering


@transaction.atomic
def offering_pause(*, offering: ServiceOffering, actor) -> ServiceOffering:
    return _offering_set_status(
        offering=offering, actor=actor, status=ServiceOffering.Status.PAUSED
    )


@transaction.atomic
def offering_resume(*, offering: ServiceOffering, actor) -> ServiceOffering:
    _require_approved(offering.organization, _("组织未处于已批准状态，不能恢复服务项目。"))
    return _offering_set_status(
        offering=offering, actor=actor, status=ServiceOffering.Status.ACTIVE
    )


# --- agreements ---------------------------------------------------------------------------

_AGREEMENT_FIELDS = ["status", "end_date", "decided_by", "decided_at", "decision_reason"]


@transaction.atomic
def agreement_request(
    *,
    organization: Organization,
    actor,
    community: Community,
    venue: Venue | None,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    note: str = "",
) -> Agreement:
    _require_member(organization=organization, actor=actor)
    _require_approved(organization, _("只有已批准的组织可以申请入驻社区。"))
    if venue is not None and venue.community_id != community.pk:
        raise ValidationError({"venue": _("场地必须属于所选社区。")})
    open_statuses = (Agreement.Status.PENDING, Agreement.Status.ACTIVE)
    if Agreement.objects.filter(
        organization=organization, community=community, status__in=open_statuses
    ).exists():
        raise ValidationError({"community": _("本组织与该社区已有待确认或生效中的协议。")})
    agreement = Agreement(
        organization=organization,
        community=community,
        venue=venue,
        start_date=start_date,
        end_date=end_date,
        note=note,
        requested_by=actor,
    )
    agreement.full_clean()
    agreement.save()
    audit_record(
        actor=actor,
        instance=agreement,
        action=AuditEntry.Action.CREATE,
        after=snapshot(agreement, ["community", "venue", "start_date", "end_date", "status"]),
    )
    return agreement


def _agreement_decide(*, agreement: Agreement, actor, to_status: str, reason: str) -> Agreement:
    if actor.role not in AGREEMENT_DECIDER_ROLES:
        raise PermissionDenied(_("只有社区或街道工作人员可以处理入驻申请。"))
    if not agreements_visible_to(actor).filter(pk=agreement.pk).exists():
        raise PermissionDenied(_("该协议不在您的管辖范围内。"))
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != Agreement.Status.PENDING:
        raise ValidationError(_("只有待确认的申请可以处理。"))
    if to_status == Agreement.Status.ACTIVE and agreement.organization.status != Status.APPROVED:
        raise ValidationError(_("该组织当前不是已批准状态，不能签约。"))
    return _agreement_change(agreement=agreement, actor=actor, to_status=to_status, reason=reason)


def _agreement_change(*, agreement: Agreement, actor, to_status: str, reason: str) -> Agreement:
    before = snapshot(agreement, _AGREEMENT_FIELDS)
    agreement.status = to_status
    agreement.decided_by = actor
    agreement.decided_at = timezone.now()
    agreement.decision_reason = reason.strip()
    agreement.full_clean()
    agreement.save()
    audit_record(
        actor=actor,
        instance=agreement,
        action=AuditEntry.Action.STATUS,
        before=before,
        after=snapshot(agreement, _AGREEMENT_FIELDS),
        reason=agreement.decision_reason,
    )
    return agreement


@transaction.atomic
def agreement_accept(*, agreement: Agreement, actor, reason: str = "") -> Agreement:
    return _agreement_decide(
        agreement=agreement, actor=actor, to_status=Agreement.Status.ACTIVE, reason=reason
    )


@transaction.atomic
def agreement_decline(*, agreement: Agreement, actor, reason: str) -> Agreement:
    _require_reason(reason, _("拒绝时必须填写原因。"))
    return _agreement_decide(
        agreement=agreement, actor=actor, to_status=Agreement.Status.DECLINED, reason=reason
    )


@transaction.atomic
def agreement_end(*, agreement: Agreement, actor, reason: str = "") -> Agreement:
    """The organization leaves a community; the agreement ends today (or on its start day)."""
    _require_member(organization=agreement.organization, actor=actor)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != Agreement.Status.ACTIVE:
        raise ValidationError(_("只有生效中的协议可以结束。"))
    agreement.end_date = max(timezone.localdate(), agreement.start_date)
    return _agreement_change(
        agreement=agreement, actor=actor, to_status=Agreement.Status.ENDED, reason=reason
    )
