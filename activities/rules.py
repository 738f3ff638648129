"""Who may do what with activities, volunteer shifts, the time bank and suggestions.

Each `<action>_refusal(user, ...)` names why not (PermissionDenied for role and scope,
ValidationError for the object's state) or returns None; `may_<action>` is "nothing
refuses it". Domain functions raise the refusal, pages show buttons from `may_*`, the API
answers with the domain's refusal: the rule exists once.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Activity, HelpRecord, Shift, ShiftSignup, Signup, Suggestion
from communities.models import Community, FamilyMember, Resident, Venue
from communities.queries import communities_visible_to, residents_visible_to
from organizations.models import Agreement, Organization
from sanlian.refusals import Refusal
from sanlian.roles import (
    CASE_WORKERS,
    ORGANIZATION_STAFF,
    ORGANIZERS,
    RESIDENT_SIDE,
    STAFF,
    SUGGESTION_AUTHORS,
    TIME_BANK_USERS,
    Role,
    role_of,
)
from socialworkers.models import Volunteer, VolunteerTeam

# Who reaches the publish page and the sign-up action at all.
ACTIVITY_PUBLISHERS = ORGANIZERS | CASE_WORKERS
SIGNUP_TAKERS = STAFF | RESIDENT_SIDE
# Attendance opens this long before the start, so the door list works as people arrive.
ATTENDANCE_OPENS_BEFORE = datetime.timedelta(hours=1)


def refusal_text(refusal: Refusal) -> str:
    if isinstance(refusal, ValidationError):
        return "；".join(refusal.messages)
    return str(refusal)


def staff_covers(user, community: Community) -> bool:
    return role_of(user) in STAFF and communities_visible_to(user).filter(pk=community.pk).exists()


def _member_of(user, organization: Organization | None) -> bool:
    return (
        organization is not None
        and role_of(user) in ORGANIZATION_STAFF
        and organization.members.filter(user=user).exists()
    )


def _leads(user, team: VolunteerTeam | None) -> bool:
    return (
        team is not None
        and role_of(user) == Role.SOCIAL_WORKER
        and team.leader is not None
        and team.leader.user_id == user.pk
    )


def signup_channel(user, resident: Resident) -> str | None:
    """How `user` signs `resident` up (self, family, staff), or None if they may not."""
    role = role_of(user)
    if role == Role.RESIDENT and resident.user_id == user.pk:
        return Signup.Channel.SELF
    if role in RESIDENT_SIDE and FamilyMember.objects.filter(user=user, resident=resident).exists():
        return Signup.Channel.FAMILY
    if role in STAFF and residents_visible_to(user).filter(pk=resident.pk).exists():
        return Signup.Channel.STAFF
    return None


# --- activities ----------------------------------------------------------------------------


def may_publish_activities(user) -> bool:
    """The publish page: staff, organization members and team leaders; which venue and host
    each may use is publish_activity_refusal's."""
    return role_of(user) in ACTIVITY_PUBLISHERS


def may_sign_up_residents(user) -> bool:
    """The sign-up action: residents and family for themselves, staff at the desk; which
    resident each may sign up is signup_refusal's."""
    return role_of(user) in SIGNUP_TAKERS


def publish_activity_refusal(
    user, venue: Venue, organization: Organization | None = None, team: VolunteerTeam | None = None
) -> Refusal | None:
    if organization is not None and team is not None:
        return ValidationError(_("活动只能由一个组织或一个服务队主办。"))
    if organization is not None:
        if not (_member_of(user, organization) or staff_covers(user, venue.community)):
            return PermissionDenied(_("您不能以该组织的名义发布活动。"))
        entered = Agreement.objects.filter(
            organization=organization, community=venue.community, status=Agreement.Status.ACTIVE
        )
        if not entered.exists():
            return ValidationError(_("该组织尚未与此社区签订生效的入驻协议。"))
        return None
    if team is not None:
        if not (_leads(user, team) or staff_covers(user, venue.community)):
            return PermissionDenied(_("您不能以该服务队的名义发布活动。"))
        if team.community_id != venue.community_id:
            return ValidationError(_("服务队只能在本社区的场地举办活动。"))
        return None
    if not staff_covers(user, venue.community):
        return PermissionDenied(_("只有本社区的工作人员可以以社区名义发布活动。"))
    return None


def manage_activity_refusal(user, activity: Activity) -> Refusal | None:
    manages = (
        staff_covers(user, activity.community)
        or _member_of(user, activity.organization)
        or _leads(user, activity.team)
    )
    if not manages:
        return PermissionDenied(_("您不是该活动的组织方。"))
    return None


def may_manage_activity(user, activity: Activity) -> bool:
    return manage_activity_refusal(user, activity) is None


def cancel_activity_refusal(user, activity: Activity) -> Refusal | None:
    refusal = manage_activity_refusal(user, activity)
    if refusal is None and activity.status == Activity.Status.CANCELLED:
        return ValidationError(_("活动已经取消。"))
    if refusal is None and activity.starts_at <= timezone.now():
        return ValidationError(_("活动已经开始，不能取消。"))
    return refusal


def _open_for_signup(activity: Activity) -> ValidationError | None:
    if activity.status != Activity.Status.PUBLISHED:
        return ValidationError(_("活动已取消。"))
    if activity.starts_at <= timezone.now():
        return ValidationError(_("活动已经开始，不能再报名或取消报名。"))
    return None


def signup_refusal(user, activity: Activity, resident: Resident) -> Refusal | None:
    if signup_channel(user, resident) is None:
        return PermissionDenied(_("您不能为这位居民报名。"))
    closed = _open_for_signup(activity)
    if closed is not None:
        return closed
    if activity.open_to == Activity.OpenTo.COMMUNITY and resident.community_id != (
        activity.community_id
    ):
        return ValidationError(_("该活动仅限本社区居民报名。"))
    if resident.anonymised_at is not None:
        return ValidationError(_("该居民档案已注销。"))
    return None


def may_sign_up(user, activity: Activity, resident: Resident) -> bool:
    return signup_refusal(user, activity, resident) is None


def may_sign_up_at_the_desk(user, activity: Activity) -> bool:
    """Staff signing residents of the activity's community up; each one is checked on submit."""
    return staff_covers(user, activity.community) and _open_for_signup(activity) is None


def cancel_signup_refusal(user, signup: Signup) -> Refusal | None:
    if signup_channel(user, signup.resident) is None and not may_manage_activity(
        user, signup.activity
    ):
        return PermissionDenied(_("您不能取消这条报名。"))
    if signup.status == Signup.Status.CANCELLED:
        return ValidationError(_("报名已经取消。"))
    return _open_for_signup(signup.activity)


def may_cancel_signup(user, signup: Signup) -> bool:
    return cancel_signup_refusal(user, signup) is None


def attendance_refusal(user, signup: Signup) -> Refusal | None:
    refusal = manage_activity_refusal(user, signup.activity)
    if refusal is not None:
        return refusal
    if signup.activity.status != Activity.Status.PUBLISHED:
        return ValidationError(_("活动已取消。"))
    if signup.status != Signup.Status.CONFIRMED:
        return ValidationError(_("只有已报名（非候补）的居民可以签到。"))
    if timezone.now() < signup.activity.starts_at - ATTENDANCE_OPENS_BEFORE:
        return ValidationError(_("活动开始前一小时才能签到。"))
    return None


def may_take_attendance(user, signup: Signup) -> bool:
    return attendance_refusal(user, signup) is None


def feedback_refusal(user, signup: Signup) -> Refusal | None:
    if role_of(user) not in RESIDENT_SIDE or signup_channel(user, signup.resident) is None:
        return PermissionDenied(_("只有参加活动的居民或其家属可以评价。"))
    if signup.attended_at is None:
        return ValidationError(_("只有参加了活动才能评价。"))
    if signup.activity.ends_at > timezone.now():
        return ValidationError(_("活动结束后才能评价。"))
    if hasattr(signup, "feedback"):
        return ValidationError(_("已经评价过了。"))
    return None


def may_give_feedback(user, signup: Signup) -> bool:
    return feedback_refusal(user, signup) is None


# --- volunteer service ---------------------------------------------------------------------


def manage_posts_refusal(user, community: Community) -> Refusal | None:
    leads_here = (
        role_of(user) == Role.SOCIAL_WORKER
        and VolunteerTeam.objects.filter(community=community, leader__user=user).exists()
    )
    if not (staff_covers(user, community) or leads_here):
        return PermissionDenied(_("只有本社区的工作人员或带队社工可以管理志愿岗位。"))
    return None


def may_manage_posts(user, community: Community) -> bool:
    return manage_posts_refusal(user, community) is None


def shift_signup_refusal(user, shift: Shift, volunteer: Volunteer) -> Refusal | None:
    is_self = role_of(user) == Role.VOLUNTEER and volunteer.user_id == user.pk
    if not (is_self or may_manage_posts(user, shift.post.community)):
        return PermissionDenied(_("您不能为这位志愿者报名。"))
    if shift.starts_at <= timezone.now():
        return ValidationError(_("班次已经开始，不能再报名。"))
    return None


def may_sign_up_shift(user, shift: Shift, volunteer: Volunteer) -> bool:
    return shift_signup_refusal(user, shift, volunteer) is None


def credit_shift_refusal(user, signup: ShiftSignup) -> Refusal | None:
    refusal = manage_posts_refusal(user, signup.shift.post.community)
    if refusal is not None:
        return refusal
    if signup.cancelled_at is not None:
        return ValidationError(_("该报名已取消。"))
    if signup.shift.starts_at > timezone.now():
        return ValidationError(_("班次开始后才能登记到岗。"))
    return None


def may_credit_shift(user, signup: ShiftSignup) -> bool:
    return credit_shift_refusal(user, signup) is None


# --- mutual help ---------------------------------------------------------------------------


def may_use_time_bank(user) -> bool:
    """The time-bank page and its tab."""
    return role_of(user) in TIME_BANK_USERS


def may_report_help(user) -> bool:
    """Whether the page offers to record help; which community is report_help_refusal's."""
    return role_of(user) in STAFF


def report_help_refusal(user, helper: Resident, helped: Resident) -> Refusal | None:
    # Staff record help at the desk: a resident would otherwise browse neighbours' names.
    if not staff_covers(user, helper.community):
        return PermissionDenied(_("只有本社区的工作人员可以登记互助。"))
    if helper.pk == helped.pk:
        return ValidationError(_("不能为自己登记互助。"))
    if helper.community_id != helped.community_id:
        return ValidationError(_("互助限于同一社区的邻里之间。"))
    return None


def confirm_help_refusal(user, help_record: HelpRecord) -> Refusal | None:
    if not staff_covers(user, help_record.helper.community):
        return PermissionDenied(_("只有本社区的工作人员可以确认互助。"))
    if help_record.status != HelpRecord.Status.REPORTED:
        return ValidationError(_("这条互助记录已经处理过了。"))
    return None


def may_confirm_help(user, help_record: HelpRecord) -> bool:
    return confirm_help_refusal(user, help_record) is None


def spend_refusal(user, holder: Resident, beneficiary: Resident) -> Refusal | None:
    is_holder = role_of(user) == Role.RESIDENT and holder.user_id == user.pk
    if not (is_holder or staff_covers(user, holder.community)):
        return PermissionDenied(_("只有账户本人或社区工作人员可以兑换时间。"))
    family = holder.user_id is not None and FamilyMember.objects.filter(
        user_id=holder.user_id, resident=beneficiary
    )
    if beneficiary.pk != holder.pk and not (family and family.exists()):
        return ValidationError(_("时间只能兑换给本人或登记的家庭成员。"))
    return None


# --- suggestions ---------------------------------------------------------------------------


def may_post_suggestions(user) -> bool:
    """Whether the page offers a suggestion form; which community is the refusal's."""
    return role_of(user) in SUGGESTION_AUTHORS


def post_suggestion_refusal(user, community: Community) -> Refusal | None:
    role = role_of(user)
    if role in RESIDENT_SIDE:
        if communities_visible_to(user).filter(pk=community.pk).exists():
            return None
    elif role in ORGANIZATION_STAFF:
        entered = Agreement.objects.filter(
            organization__members__user=user,
            community=community,
            status=Agreement.Status.ACTIVE,
        )
        if entered.exists():
            return None
    return PermissionDenied(_("只有本社区居民和入驻组织可以向社区建言。"))


def answer_suggestion_refusal(user, suggestion: Suggestion) -> Refusal | None:
    if not staff_covers(user, suggestion.community):
        return PermissionDenied(_("只有本社区的工作人员可以答复。"))
    if suggestion.status == Suggestion.Status.DONE:
        return ValidationError(_("该建议已办结。"))
    return None


def may_answer_suggestion(user, suggestion: Suggestion) -> bool:
    return answer_suggestion_refusal(user, suggestion) is None


def close_suggestion_refusal(user, suggestion: Suggestion) -> Refusal | None:
    refusal = answer_suggestion_refusal(user, suggestion)
    if refusal is None and suggestion.status != Suggestion.Status.ANSWERED:
        return ValidationError(_("请先答复，再标记办结。"))
    return refusal


def may_close_suggestion(user, suggestion: Suggestion) -> bool:
    return close_suggestion_refusal(user, suggestion) is None


# --- rosters -------------------------------------------------------------------------------


def roster_import_refusal(user) -> Refusal | None:
    """Rows outside the importer's communities are reported row by row, not refused here."""
    if role_of(user) not in STAFF:
        return PermissionDenied(_("只有政府工作人员可以导入名册。"))
    return None


def may_import_roster(user) -> bool:
    return roster_import_refusal(user) is None
