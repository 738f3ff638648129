"""Who may do what to care requests and visits: one `may_<action>(user, obj)` per action.

Each action's rule is written once, as `<action>_refusal(user, obj)`: None when the user
may act, else the exception the domain raises (PermissionDenied for the wrong person, a
ValidationError carrying the message for the wrong state or day). The domain functions
raise it (`refuse`); pages, templates and the API read the `may_*` booleans and
`visit_open_steps`, so a button is shown exactly when the domain would accept the step.
"""

import dataclasses

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Resident
from communities.privacy import care_stopped
from communities.queries import is_own_resident, staff_community_ids
from organizations.models import OrganizationMember
from sanlian.refusals import Refusal
from sanlian.roles import (
    ORGANIZATION_STAFF,
    REQUEST_FILERS,
    RESIDENT_SIDE,
    STAFF,
    VISIT_REVIEWERS,
    Role,
)
from services.care.models import ReviewState
from services.models import Feedback, Match, ServiceOffering, ServiceRequest, Visit
from socialworkers.models import SocialWorker

CANCELLABLE = (ServiceRequest.Status.OPEN, ServiceRequest.Status.MATCHED)
PENDING = (Visit.Status.SCHEDULED, Visit.Status.IN_PROGRESS)
NOT_TODAY = "not_today"


# --- who -------------------------------------------------------------------------------------


def is_organization_member(user, organization_id: int) -> bool:
    return OrganizationMember.objects.filter(user=user, organization_id=organization_id).exists()


def is_staff_for(user, resident: Resident) -> bool:
    """Government staff whose area holds the resident: the city, or their street/community."""
    if not user.is_authenticated or user.role not in STAFF:
        return False
    if user.role == Role.CIVIL_AFFAIRS:
        return True
    return staff_community_ids(user).filter(pk=resident.community_id).exists()


def is_organizer(user, *, offering: ServiceOffering, resident: Resident) -> bool:
    """Schedules, moves and cancels visits: the offering's organization, or staff in scope."""
    if is_staff_for(user, resident):
        return True
    return (
        user.is_authenticated
        and user.role in ORGANIZATION_STAFF
        and is_organization_member(user, offering.organization_id)
    )


def is_assignee(user, visit: Visit) -> bool:
    """The worker who carries the visit out in person (not the leader of their team)."""
    return user.is_authenticated and (
        visit.staff_member_id == user.pk
        or (visit.social_worker_id is not None and visit.social_worker.user_id == user.pk)
        or (visit.volunteer_id is not None and visit.volunteer.user_id == user.pk)
    )


# --- requests --------------------------------------------------------------------------------


def may_file_request(user, resident: Resident | None = None) -> bool:
    """Staff for residents of their area, a resident or family for their own (no resident:
    whether the user files requests through the request pages and API at all), and a social
    worker for a resident of a community they serve, from a case's care plan (casework).
    Consent is the domain's check on the resident."""
    if not user.is_authenticated:
        return False
    if user.role == Role.SOCIAL_WORKER:
        return resident is not None and _serves_community_of(user, resident)
    if user.role not in REQUEST_FILERS:
        return False
    if resident is None:
        return True
    return is_staff_for(user, resident) or is_own_resident(user, resident)


def _serves_community_of(user, resident: Resident) -> bool:
    return SocialWorker.objects.filter(
        user=user, active=True, communities=resident.community_id
    ).exists()


def cancel_request_refusal(user, service_request: ServiceRequest) -> Refusal | None:
    resident = service_request.resident
    if not (is_staff_for(user, resident) or is_own_resident(user, resident)):
        return PermissionDenied()
    if service_request.status not in CANCELLABLE:
        return ValidationError(
            _("此需求当前状态为“%(status)s”，不能取消。")
            % {"status": service_request.get_status_display()}
        )
    return None


def may_cancel_request(user, service_request: ServiceRequest) -> bool:
    return cancel_request_refusal(user, service_request) is None


# --- scheduling and organizing visits -----------------------------------------------------


def schedule_visit_refusal(user, match: Match) -> Refusal | None:
    """An accepted match, consent not withdrawn, and no visit or weekly plan still pending."""
    resident = match.request.resident
    if not is_organizer(user, offering=match.offering, resident=resident):
        return PermissionDenied()
    if match.status != Match.Status.ACCEPTED:
        return ValidationError(_("只有组织已接受的匹配才能排期。"))
    if care_stopped(resident):
        # PIPL art. 13: no new care records once consent is withdrawn.
        return ValidationError(_("该居民已撤回知情同意（或已匿名化），不能安排上门服务。"))
    if (
        match.visits.filter(status__in=PENDING).exists()
        or match.request.plans.filter(active=True).exists()
    ):
        return ValidationError(_("该匹配已有待进行的上门服务，请在服务详情中改期。"))
    return None


def may_schedule_visit(user, match: Match) -> bool:
    return schedule_visit_refusal(user, match) is None


def may_stop_plan(user, plan) -> bool:
    return is_organizer(user, offering=plan.offering, resident=plan.request.resident)


def _organizer_of_scheduled(user, visit: Visit, message) -> Refusal | None:
    if not is_organizer(user, offering=visit.offering, resident=visit.request.resident):
        return PermissionDenied()
    if visit.status != Visit.Status.SCHEDULED:
        return ValidationError(message)
    return None


def reschedule_refusal(user, visit: Visit) -> Refusal | None:
    return _organizer_of_scheduled(user, visit, _("只有待上门的服务可以改期。"))


def may_reschedule(user, visit: Visit) -> bool:
    return reschedule_refusal(user, visit) is None


def cancel_visit_refusal(user, visit: Visit) -> Refusal | None:
    return _organizer_of_scheduled(user, visit, _("只有待上门的服务可以取消。"))


def may_cancel_visit(user, visit: Visit) -> bool:
    return cancel_visit_refusal(user, visit) is None


# --- the assigned worker's steps -----------------------------------------------------------


def check_in_refusal(user, visit: Visit) -> Refusal | None:
    """By its assignee, while scheduled, on the visit's own (Asia/Shanghai) day."""
    if not is_assignee(user, visit):
        return PermissionDenied()
    if visit.status != Visit.Status.SCHEDULED:
        return ValidationError(_("此服务当前不能签到。"))
    if timezone.localtime(visit.scheduled_start).date() != timezone.localdate():
        return ValidationError(_("只能在预约当天签到。"), code=NOT_TODAY)
    return None


def may_check_in(user, visit: Visit) -> bool:
    return check_in_refusal(user, visit) is None


def check_out_refusal(user, visit: Visit) -> Refusal | None:
    if not is_assignee(user, visit):
        return PermissionDenied()
    if visit.status != Visit.Status.IN_PROGRESS or visit.checked_out_at is not None:
        return ValidationError(_("请先签到，再签退。"))
    return None


def may_check_out(user, visit: Visit) -> bool:
    return check_out_refusal(user, visit) is None


def complete_refusal(user, visit: Visit) -> Refusal | None:
    if not is_assignee(user, visit):
        return PermissionDenied()
    if visit.status != Visit.Status.IN_PROGRESS:
        return ValidationError(_("只有服务中的上门服务可以标记完成。"))
    return None


def may_complete(user, visit: Visit) -> bool:
    return complete_refusal(user, visit) is None


def mark_missed_refusal(user, visit: Visit) -> Refusal | None:
    if not is_assignee(user, visit):
        return PermissionDenied()
    if visit.status != Visit.Status.SCHEDULED:
        return ValidationError(_("只有待上门的服务可以标记为未上门。"))
    if visit.scheduled_start > timezone.now():
        return ValidationError(_("预约时间还没到，不能标记为未上门。"))
    return None


def may_mark_missed(user, visit: Visit) -> bool:
    return mark_missed_refusal(user, visit) is None


# --- reviewing flagged visits --------------------------------------------------------------


def is_reviewer(user, visit: Visit) -> bool:
    """The offering organization's staff and the social workers serving the resident's
    community, except whoever carried the visit out: nobody reviews their own visit."""
    if not user.is_authenticated or is_assignee(user, visit):
        return False
    if user.role not in VISIT_REVIEWERS:
        return False
    if user.role in ORGANIZATION_STAFF:
        return is_organization_member(user, visit.offering.organization_id)
    return _serves_community_of(user, visit.request.resident)


def review_visit_refusal(user, visit: Visit) -> Refusal | None:
    if not is_reviewer(user, visit):
        return PermissionDenied()
    if visit.review_state != ReviewState.PENDING:
        return ValidationError(_("这次服务没有待复核的核验标记。"))
    return None


def may_review_visit(user, visit: Visit) -> bool:
    return review_visit_refusal(user, visit) is None


# --- feedback ------------------------------------------------------------------------------


def _has_feedback(visit: Visit) -> bool:
    try:
        visit.feedback  # noqa: B018 -- select_related("feedback") makes this free on pages
    except Feedback.DoesNotExist:
        return False
    return True


def rate_refusal(user, visit: Visit) -> Refusal | None:
    """The resident or a registered family member, once, after the visit was completed."""
    if not (user.is_authenticated and user.role in RESIDENT_SIDE) or not is_own_resident(
        user, visit.request.resident
    ):
        return PermissionDenied()
    if visit.status != Visit.Status.COMPLETED:
        return ValidationError(_("服务完成后才能评价。"))
    if _has_feedback(visit):
        return ValidationError(_("这次服务已经评价过了，谢谢您！"))
    return None


def may_rate(user, visit: Visit) -> bool:
    return rate_refusal(user, visit) is None


# --- the steps a visit page offers ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class VisitSteps:
    check_in: bool
    check_in_later: bool  # the assignee may check in, but only on the visit's day
    check_out: bool
    complete: bool
    mark_missed: bool
    reschedule: bool
    cancel: bool
    rate: bool

    def as_context(self) -> dict[str, bool]:
        return {f"can_{name}": value for name, value in dataclasses.asdict(self).items()}


def visit_open_steps(visit: Visit, user) -> VisitSteps:
    """Which steps `user` may take on `visit` now: exactly those its domain function accepts."""
    check_in = check_in_refusal(user, visit)
    return VisitSteps(
        check_in=check_in is None,
        check_in_later=isinstance(check_in, ValidationError) and check_in.code == NOT_TODAY,
        check_out=may_check_out(user, visit),
        complete=may_complete(user, visit),
        mark_missed=may_mark_missed(user, visit),
        reschedule=may_reschedule(user, visit),
        cancel=may_cancel_visit(user, visit),
        rate=may_rate(user, visit),
    )
