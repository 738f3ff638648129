"""Who may do what in matching: one predicate per action.

Each `may_<action>` is "nothing refuses it": `<action>_refusal` names why not, as the
exception the domain raises (PermissionDenied for role and scope, ValidationError for the
object's state, each with the message users already know). Domain functions `refuse()`
through it, pages show their buttons from `may_<action>`, and the API answers with the
domain's refusal, so a button never offers what the domain turns down.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Community, Street
from communities.queries import communities_visible_to
from sanlian.refusals import Refusal
from sanlian.roles import CITY_STAFF, ORGANIZATION_STAFF, STAFF, role_of
from services.care.queries import requests_visible_to
from services.matching.queries import matches_visible_to, runs_visible_to, streets_runnable_by
from services.matching.weeks import service_week_is_past
from services.models import Match, MatchingRun, ServiceRequest


def refusal_text(refusal: Refusal) -> str:
    if isinstance(refusal, ValidationError):
        return "；".join(refusal.messages)
    return str(refusal)


def _past_week(week_start) -> ValidationError:
    return ValidationError(
        _("该匹配的服务周（%(week)s 起）已过去，不能再确认。") % {"week": week_start.isoformat()}
    )


# The scope of a city-wide run: every street.
CITY = "city"


def run_matching_refusal(user, scope: Street | Community | str | None = None) -> Refusal | None:
    """Without a scope: may this user open the matching desk at all. CITY: all streets."""
    if role_of(user) not in STAFF:
        return PermissionDenied(_("只有政府工作人员可以运行匹配。"))
    if scope == CITY:
        if role_of(user) not in CITY_STAFF:
            return PermissionDenied(_("只有民政局工作人员可以运行全市匹配。"))
        return None
    if isinstance(scope, Street):
        covered = streets_runnable_by(user)
    elif isinstance(scope, Community):
        covered = communities_visible_to(user)
    else:
        return None
    if not covered.filter(pk=scope.pk).exists():
        return PermissionDenied(_("该范围不在您的管辖范围内。"))
    return None


def may_run_matching(user, scope: Street | Community | str | None = None) -> bool:
    return run_matching_refusal(user, scope) is None


def confirm_run_refusal(user, run: MatchingRun) -> Refusal | None:
    if role_of(user) not in STAFF:
        return PermissionDenied(_("只有政府工作人员可以确认匹配。"))
    if not runs_visible_to(user).filter(pk=run.pk).exists():
        return PermissionDenied(_("该匹配不在您的管辖范围内。"))
    if service_week_is_past(run.week_start):
        return _past_week(run.week_start)
    return None


def may_confirm_run(user, run: MatchingRun) -> bool:
    return confirm_run_refusal(user, run) is None


def confirm_match_refusal(user, match: Match) -> Refusal | None:
    if role_of(user) not in STAFF:
        return PermissionDenied(_("只有政府工作人员可以确认匹配。"))
    if not matches_visible_to(user).filter(pk=match.pk).exists():
        return PermissionDenied(_("该匹配不在您的管辖范围内。"))
    if match.status != Match.Status.PROPOSED:
        return ValidationError(_("只能确认待确认的匹配。"))
    if service_week_is_past(match.week_start):
        return _past_week(match.week_start)
    return None


def may_confirm_match(user, match: Match) -> bool:
    return confirm_match_refusal(user, match) is None


def _member_refusal(user, match: Match) -> PermissionDenied | None:
    # .all(), not .filter(): a list page prefetches the members, so its rows cost no query.
    members = match.offering.organization.members.all()
    if role_of(user) in ORGANIZATION_STAFF and any(m.user_id == user.pk for m in members):
        return None
    return PermissionDenied(_("只有该社会组织的成员可以答复。"))


def accept_match_refusal(user, match: Match) -> Refusal | None:
    if refusal := _member_refusal(user, match):
        return refusal
    if match.status != Match.Status.CONFIRMED:
        return ValidationError(_("只能接受待答复的匹配。"))
    if match.expires_at and match.expires_at <= timezone.now():
        return ValidationError(_("答复期限已过。"))
    return None


def may_accept_match(user, match: Match) -> bool:
    return accept_match_refusal(user, match) is None


def decline_match_refusal(user, match: Match) -> Refusal | None:
    # No deadline: declining after it frees the place before the expiry task would.
    if refusal := _member_refusal(user, match):
        return refusal
    if match.status != Match.Status.CONFIRMED:
        return ValidationError(_("只能拒绝待答复的匹配。"))
    return None


def may_decline_match(user, match: Match) -> bool:
    return decline_match_refusal(user, match) is None


def assign_manually_refusal(user, request: ServiceRequest | None = None) -> Refusal | None:
    """Without a request: may this user open the manual assignment page at all."""
    if role_of(user) not in STAFF:
        return PermissionDenied(_("只有政府工作人员可以手工指派。"))
    if request is None:
        return None
    if not requests_visible_to(user).filter(pk=request.pk).exists():
        return PermissionDenied(_("该需求不在您的管辖范围内。"))
    if request.status != ServiceRequest.Status.OPEN:
        return ValidationError(_("该需求已不是待匹配状态。"))
    return None


def may_assign_manually(user, request: ServiceRequest | None = None) -> bool:
    return assign_manually_refusal(user, request) is None


def may_view_inbox(user) -> bool:
    """The organization's inbox of confirmed matches waiting for an answer."""
    return role_of(user) in ORGANIZATION_STAFF
