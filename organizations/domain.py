"""Writes for organizations: registration, review, workspace and agreements.

Offerings are written next to their capacity, in services/offerings/domain.py.
"""

import datetime
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from communities.models import Community, Venue
from organizations import rules
from organizations.models import (
    Agreement,
    Organization,
    OrganizationMember,
    OrganizationStatusChange,
)
from organizations.tasks import task_send_review_email, task_send_username_taken_email
from sanlian import stored_text
from sanlian.audit import audit_record, snapshot
from sanlian.job_queue import notice_send_after_commit
from sanlian.models import AuditEntry, User
from sanlian.refusals import OutOfReach, StateConflict
from sanlian.roles import Role

Status = Organization.Status
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
) -> Organization | None:
    """Create a submitted organization, its first status row and its admin's account.

    A chosen street stands for all of its communities. When the username is taken,
    nothing is saved and the registrant hears so by e-mail, and None is returned: the
    page and the API answer exactly as for a registration, so they tell nobody which
    accounts exist (issue 19). The password is hashed either way, for the same timing.
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
    if User.objects.filter(username__iexact=username).exists():
        _enqueue_username_taken_email(email=email, username=username)
        return None
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
    if not rules.may_review_organization(reviewer):
        raise PermissionDenied(_("只有民政局和街道办工作人员可以审核社会组织。"))
    if not rules.may_review_organization(reviewer, organization):
        raise PermissionDenied(_("该组织不在您的管辖范围内。"))


def _organization_transition(
    *,
    organization: Organization,
    reviewer,
    reason: str,
    action: str,
    to_status: str,
    refused: str,
    kind: str,
) -> Organization:
    _check_reviewer(organization=organization, reviewer=reviewer)
    # Lock the row so two reviewers acting at once cannot both move it.
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not rules.may_review_organization(reviewer, organization, action):
        raise StateConflict(refused)
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


def _enqueue_username_taken_email(*, email: str, username: str) -> None:
    # No account to keep a language on: the registrant's page language is theirs.
    notice_send_after_commit(
        task_send_username_taken_email,
        email=email,
        username=username,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )


def _enqueue_review_email(*, organization_id: int, kind: str) -> None:
    notice_send_after_commit(task_send_review_email, organization_id=organization_id, kind=kind)


def _require_reason(reason: str, message: str) -> None:
    if not reason or not reason.strip():
        raise ValidationError({"reason": message})


@transaction.atomic
def organization_approve(*, organization: Organization, reviewer, reason: str = "") -> Organization:
    return _organization_transition(
        organization=organization,
        reviewer=reviewer,
        reason=reason,
        action="approve",
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
        action="reject",
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
        action="suspend",
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
        action="reinstate",
        to_status=Status.APPROVED,
        refused=_("只有已暂停的组织可以恢复。"),
        kind="reinstated",
    )


@transaction.atomic
def organization_resubmit(*, organization: Organization, actor) -> Organization:
    """A rejected organization, its registration corrected, asks to be reviewed again."""
    require_member(organization=organization, actor=actor, admin=True)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not rules.may_resubmit(actor, organization):
        raise StateConflict(_("只有未通过审核的组织可以重新提交。"))
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
        reason=stored_text.text(gettext_noop("修改后重新提交审核")),
    )
    return organization


# --- workspace ----------------------------------------------------------------------------


def require_member(*, organization: Organization, actor, admin: bool = False) -> None:
    if not rules.is_member(actor, organization, admin=admin):
        raise PermissionDenied(_("您不是该组织的管理员。") if admin else _("您不是该组织的成员。"))


@transaction.atomic
def organization_update_profile(
    *, organization: Organization, actor, wants_to_serve=None, **fields
) -> Organization:
    require_member(organization=organization, actor=actor)
    if not rules.may_edit_profile(actor, organization):
        raise StateConflict(_("只有已批准或未通过审核的组织可以修改资料。"))
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
    require_member(organization=organization, actor=actor, admin=True)
    if not rules.may_invite_member(actor, organization):
        raise StateConflict(_("只有已批准的组织可以添加成员。"))
    password = secrets.token_urlsafe(9)
    user = User(
        username=username,
        role=Role.ORGANIZATION,
        display_name=display_name,
        email=email,
        must_change_password=True,
    )
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
    require_member(organization=organization, actor=actor)
    if not rules.may_request_agreement(actor, organization):
        raise StateConflict(_("只有已批准的组织可以申请入驻社区。"))
    if venue is not None and venue.community_id != community.pk:
        raise OutOfReach({"venue": _("场地必须属于所选社区。")})
    open_statuses = (Agreement.Status.PENDING, Agreement.Status.ACTIVE)
    if Agreement.objects.filter(
        organization=organization, community=community, status__in=open_statuses
    ).exists():
        # A conflict with an agreement that exists, not a bad field: the API answers 409.
        raise StateConflict({"community": _("本组织与该社区已有待确认或生效中的协议。")})
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
    if not rules.may_decide_agreement(actor):
        raise PermissionDenied(_("只有社区或街道工作人员可以处理入驻申请。"))
    if not rules.agreement_in_scope(actor, agreement):
        raise PermissionDenied(_("该协议不在您的管辖范围内。"))
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if not rules.may_decide_agreement(actor, agreement):
        raise StateConflict(_("只有待确认的申请可以处理。"))
    if to_status == Agreement.Status.ACTIVE and not rules.is_approved(agreement.organization):
        raise StateConflict(_("该组织当前不是已批准状态，不能签约。"))
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
    require_member(organization=agreement.organization, actor=actor)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if not rules.may_end_agreement(actor, agreement):
        raise StateConflict(_("只有生效中的协议可以结束。"))
    agreement.end_date = max(timezone.localdate(), agreement.start_date)
    return _agreement_change(
        agreement=agreement, actor=actor, to_status=Agreement.Status.ENDED, reason=reason
    )
