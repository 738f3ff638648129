"""Writes on visits: scheduling from an accepted match, weekly plans, the worker's steps, feedback.

`visit_reschedule` and `visit_cancel` are the only places where a scheduled visit's
time or status changes outside the worker's own steps, so reminders can hook there.

Request status follows its visits (`_request_follow_visits`):
- scheduled while a visit is scheduled or in progress, or a weekly plan still runs;
- done once a visit was completed and nothing else is pending;
- otherwise back to matched: a missed or cancelled visit leaves the accepted match
  (and the capacity it holds) in place, so the organization schedules a new visit
  instead of the request going through matching again.

Capacity: every visit that takes place (scheduled, in progress or completed) counts once,
in the week it falls in. So `OfferingWeek.reserved`, the booked figure organizations see
and matching subtracts, is a week's visits plus the places matches keep there for a visit
still to come:
- a confirmed or accepted match holds one place, in `Match.week_start`; at most one visit
  rides on it: a live visit of that week whose `holds_week` is empty;
- a visit that needs a place in a week (scheduled, made by a plan, or moved to another
  week) takes the match's place when no other visit rides on it, and the place moves to
  that week with `Match.week_start`; otherwise it takes a place of that week of its own
  (`holds_week`). A full week refuses the visit and changes nothing;
- a cancelled or missed visit gives back its own place; the match keeps its place for
  the next visit. A completed visit keeps whichever place it had.
Visits only ever move the match's place, never give it back, so releasing it later
(request cancelled: `matches_withdraw_for_request`) frees the week actually held, once.
"""

import dataclasses
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from communities.privacy import care_stopped
from sanlian.audit import audit_record, snapshot
from sanlian.refusals import refuse
from services.allowances.domain import visit_charge
from services.care import rules
from services.care.models import ReviewState
from services.care.queries import assignable_workers
from services.care.rules import PENDING
from services.care.verification import (
    Position,
    is_early,
    is_short,
    moment_state,
    needs_review,
    worse_state,
)
from services.matching.domain import (
    offering_week_move,
    offering_week_release,
    offering_week_reserve,
)
from services.models import (
    CareMode,
    Feedback,
    Match,
    ServiceOffering,
    ServiceRequest,
    Visit,
    VisitPlan,
)
from services.notifications.reminders import (
    reminders_cancel_for_visit,
    reminders_move_for_visit,
    reminders_plan_for_visit,
)
from services.offerings.models import week_start_of
from socialworkers.models import SocialWorker, Volunteer

VISIT_AUDIT_FIELDS = [
    "scheduled_start",
    "status",
    "social_worker",
    "volunteer",
    "staff_member",
    "venue",
    "checked_in_at",
    "checked_out_at",
    "service_log",
    "condition_changed_at",
    "condition_note",
    # Verification states, not positions: the audit trail outlives anonymisation.
    "location_state",
    "manual_reason",
    "early_check_in",
    "short_visit",
    "late_sync",
    "review_state",
    "review_note",
]
# Visits that count against their week's capacity.
LIVE = (*PENDING, Visit.Status.COMPLETED)


# --- rules shared by the steps -------------------------------------------------------------


def visit_is_assigned_to(*, visit: Visit, user) -> bool:
    return rules.is_assignee(user, visit)


# Visits are planned at most this far ahead: a year 9999 or 2100 is a typo, not a plan.
SCHEDULE_HORIZON = datetime.timedelta(days=2 * 365)


def _check_in_window(*, offering: ServiceOffering, start: datetime.datetime) -> None:
    """The start must be in the future, within the horizon, and inside a weekly window."""
    if start <= timezone.now():
        raise ValidationError({"scheduled_start": _("服务时间必须晚于现在。")})
    if start > timezone.now() + SCHEDULE_HORIZON:
        raise ValidationError({"scheduled_start": _("服务时间最多可安排在两年之内。")})
    local = timezone.localtime(start)
    fits = offering.windows.filter(
        weekday=local.weekday(), start_time__lte=local.time(), end_time__gt=local.time()
    ).exists()
    if not fits:
        windows = pgettext("enumeration", "、").join(
            str(window) for window in offering.windows.all()
        ) or _("（未设置）")
        raise ValidationError(
            {
                "scheduled_start": _("该时间不在服务时段内。可选时段：%(windows)s")
                % {"windows": windows}
            }
        )


def _check_assignees(*, match: Match, social_worker, volunteer, staff_member) -> None:
    if social_worker is None and volunteer is None and staff_member is None:
        raise ValidationError(_("请至少指定一名上门服务人员（社工、志愿者或组织服务人员）。"))
    assignable = assignable_workers(match)
    if (
        social_worker is not None
        and not assignable.social_workers.filter(pk=social_worker.pk).exists()
    ):
        raise ValidationError({"social_worker": _("该社工不属于本组织，也不服务该居民所在社区。")})
    if volunteer is not None and not assignable.volunteers.filter(pk=volunteer.pk).exists():
        raise ValidationError({"volunteer": _("该志愿者所在服务队不服务该居民所在社区。")})
    if (
        staff_member is not None
        and not assignable.staff_members.filter(pk=staff_member.pk).exists()
    ):
        raise ValidationError({"staff_member": _("该人员不是本组织成员。")})


def _request_follow_visits(*, service_request: ServiceRequest, actor) -> None:
    """Move the request's status after its visits changed (rules in the module docstring)."""
    service_request = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if service_request.status == ServiceRequest.Status.CANCELLED:
        return
    today = timezone.localdate()
    visits = service_request.visits.all()
    plan_running = service_request.plans.filter(active=True).filter(
        Q(until__isnull=True) | Q(until__gt=today)
    )
    if visits.filter(status__in=PENDING).exists() or plan_running.exists():
        status = ServiceRequest.Status.SCHEDULED
    elif visits.filter(status=Visit.Status.COMPLETED).exists():
        status = ServiceRequest.Status.DONE
    else:
        status = ServiceRequest.Status.MATCHED
    if status == service_request.status:
        return
    before = snapshot(service_request, ["status"])
    service_request.status = status
    service_request.save(update_fields=["status"])
    audit_record(
        actor=actor,
        instance=service_request,
        action="status",
        before=before,
        after=snapshot(service_request, ["status"]),
        reason=str(_("随上门服务状态变化")),
    )


def _save_visit(*, visit: Visit, actor, before: dict | None, action: str, reason: str = "") -> None:
    visit.full_clean()
    visit.save()
    audit_record(
        actor=actor,
        instance=visit,
        action=action,
        before=before,
        after=snapshot(visit, VISIT_AUDIT_FIELDS),
        reason=reason,
    )


# --- capacity (rules in the module docstring) ------------------------------------------------


def _week_of(start: datetime.datetime) -> datetime.date:
    return week_start_of(timezone.localtime(start).date())


def _locked_match(visit: Visit) -> Match | None:
    """Lock the visit's match: decisions on its place queue here.

    Lock order: an existing visit or plan, then its match, then offering weeks (by date);
    `visit_schedule` starts at the match (the plan it makes is new).
    """
    if visit.match_id is None:
        return None
    return (
        Match.objects.select_for_update(of=("self",))
        .select_related("offering")
        .get(pk=visit.match_id)
    )


def _match_place_free(match: Match, *, visit: Visit) -> bool:
    """Whether the match holds a place that no visit but `visit` rides on."""
    if match.status not in Match.HOLDING:
        return False
    riders = match.visits.filter(
        status__in=LIVE,
        holds_week__isnull=True,
        scheduled_start__gte=_aware(match.week_start, datetime.time.min),
        scheduled_start__lt=_aware(
            match.week_start + datetime.timedelta(weeks=1), datetime.time.min
        ),
    )
    if visit.pk is not None:
        riders = riders.exclude(pk=visit.pk)
    return not riders.exists()


def _match_move_place(*, match: Match, week: datetime.date, actor) -> bool:
    """Move the match's place (and its week) to `week`; False (nothing changed) when full."""
    if week == match.week_start:
        return True
    if not offering_week_move(offering=match.offering, from_week=match.week_start, to_week=week):
        return False
    before = snapshot(match, ["week_start"])
    match.week_start = week
    match.save(update_fields=["week_start"])
    audit_record(
        actor=actor,
        instance=match,
        action="change",
        before=before,
        after=snapshot(match, ["week_start"]),
        reason=str(_("名额随上门服务移到这一周")),
    )
    return True


def _visit_take_place(*, visit: Visit, match: Match | None, week: datetime.date, actor) -> bool:
    """Give `visit` a place in `week`, giving back the one it held; False (nothing changed) if full.

    The caller holds the match's lock, so two visits cannot both take its free place.
    """
    if match is not None and _match_place_free(match, visit=visit):
        if not _match_move_place(match=match, week=week, actor=actor):
            return False
        _release_held_week(visit)
        return True
    if visit.holds_week is None:
        taken = offering_week_reserve(offering=visit.offering, week_start=week)
    else:
        taken = offering_week_move(
            offering=visit.offering, from_week=visit.holds_week, to_week=week
        )
    if taken:
        visit.holds_week = week
    return taken


def _release_held_week(visit: Visit) -> None:
    """Give back the visit's own place; a place it rides on stays with the match."""
    if visit.holds_week is not None:
        offering_week_release(offering_id=visit.offering_id, week_start=visit.holds_week)
        visit.holds_week = None


def _week_full(week: datetime.date) -> ValidationError:
    return ValidationError(
        {
            "scheduled_start": _("该服务项目 %(week)s 起的这一周名额已满，请另选一周。")
            % {"week": week.isoformat()}
        }
    )


# --- scheduling ----------------------------------------------------------------------------


def _aware(day: datetime.date, at: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, at))


@transaction.atomic
def visit_schedule(
    *,
    match: Match,
    scheduled_start: datetime.datetime,
    actor,
    social_worker: SocialWorker | None = None,
    volunteer: Volunteer | None = None,
    staff_member=None,
    weekly: bool = False,
    until: datetime.date | None = None,
) -> Visit:
    """Turn an accepted match into a visit (and, if weekly, a plan with its next visits).

    The visit takes the match's place, moved to the visit's week, unless an earlier
    completed visit still rides on it; then a place of its week of its own.
    """
    match = (
        Match.objects.select_for_update()
        .select_related("offering", "request__resident")
        .get(pk=match.pk)
    )
    offering = match.offering
    refuse(rules.schedule_visit_refusal(actor, match))
    _check_in_window(offering=offering, start=scheduled_start)
    _check_assignees(
        match=match,
        social_worker=social_worker,
        volunteer=volunteer,
        staff_member=staff_member,
    )
    local_start = timezone.localtime(scheduled_start)
    if until is not None and until < local_start.date():
        raise ValidationError({"until": _("截止日期不能早于第一次服务。")})
    if until is not None and until > (timezone.now() + SCHEDULE_HORIZON).date():
        raise ValidationError({"until": _("周期计划最多可安排在两年之内。")})
    visit = Visit(
        request=match.request,
        offering=offering,
        match=match,
        venue=offering.venue if offering.service_type.care_mode == CareMode.DAY_CARE else None,
        scheduled_start=scheduled_start,
        duration_minutes=offering.service_type.default_duration_minutes,
        social_worker=social_worker,
        volunteer=volunteer,
        staff_member=staff_member,
    )
    week = _week_of(scheduled_start)
    if not _visit_take_place(visit=visit, match=match, week=week, actor=actor):
        raise _week_full(week)
    plan = None
    if weekly:
        plan = VisitPlan(
            request=match.request,
            offering=offering,
            weekday=local_start.weekday(),
            start_time=local_start.time().replace(second=0, microsecond=0),
            until=until,
        )
        plan.full_clean()
        plan.save()
    visit.plan = plan
    _save_visit(visit=visit, actor=actor, before=None, action="create")
    reminders_plan_for_visit(visit=visit)
    if plan is not None:
        visit_plan_extend(plan=plan)
    _request_follow_visits(service_request=match.request, actor=actor)
    return visit


def _plan_slots(*, plan: VisitPlan, first_day: datetime.date, last_day: datetime.date):
    day = first_day + datetime.timedelta(days=(plan.weekday - first_day.weekday()) % 7)
    while day <= last_day and (plan.until is None or day <= plan.until):
        yield _aware(day, plan.start_time)
        day += datetime.timedelta(days=7)


@dataclasses.dataclass
class PlanExtension:
    """What `visit_plan_extend` did: the visits it created and the weeks it skipped as full."""

    created: list[Visit] = dataclasses.field(default_factory=list)
    full_weeks: list[datetime.date] = dataclasses.field(default_factory=list)


def _plan_visit_save(*, visit: Visit, match: Match | None) -> bool:
    """Save one plan visit with a place of its week; False (and nothing saved) when full."""
    if not _visit_take_place(
        visit=visit, match=match, week=_week_of(visit.scheduled_start), actor=None
    ):
        return False
    _save_visit(
        visit=visit, actor=None, before=None, action="create", reason=str(_("周期计划自动生成"))
    )
    return True


@transaction.atomic
def visit_plan_extend(*, plan: VisitPlan, horizon_weeks: int = 4) -> PlanExtension:
    """Create the plan's visits for the coming `horizon_weeks`; running it twice adds nothing.

    A week that already holds a visit of the plan (even one moved to another day) is
    skipped; the unique (plan, scheduled_start) constraint settles a race between two runs.
    Each visit takes a place of its week (rules in the module docstring); a full week gets
    no visit and is listed in `full_weeks`.
    """
    plan = (
        VisitPlan.objects.select_for_update(of=("self",)).select_related("offering").get(pk=plan.pk)
    )
    today = timezone.localdate()
    result = PlanExtension()
    if not plan.active or care_stopped(plan.request.resident):
        return result
    if plan.until is not None and plan.until < today:
        plan.active = False
        plan.save(update_fields=["active"])
        _request_follow_visits(service_request=plan.request, actor=None)
        return result
    template = plan.visits.order_by("-scheduled_start").first()
    first = plan.visits.order_by("scheduled_start").first()
    if template is None:
        return result
    match = _locked_match(template)
    first_day = max(today, timezone.localtime(first.scheduled_start).date())
    taken_weeks = {
        week_start_of(timezone.localtime(start).date())
        for start in plan.visits.values_list("scheduled_start", flat=True)
    }
    now = timezone.now()
    for start in _plan_slots(
        plan=plan, first_day=first_day, last_day=today + datetime.timedelta(weeks=horizon_weeks)
    ):
        if start <= now or week_start_of(start.date()) in taken_weeks:
            continue
        visit = Visit(
            request_id=plan.request_id,
            offering=plan.offering,
            match_id=template.match_id,
            plan=plan,
            venue_id=template.venue_id,
            scheduled_start=start,
            duration_minutes=template.duration_minutes,
            social_worker_id=template.social_worker_id,
            volunteer_id=template.volunteer_id,
            staff_member_id=template.staff_member_id,
        )
        try:
            with transaction.atomic():
                saved = _plan_visit_save(visit=visit, match=match)
        except (IntegrityError, ValidationError):
            if match is not None:
                match.refresh_from_db(fields=["week_start"])  # the savepoint undid a move
            continue  # another run created this slot first
        if saved:
            result.created.append(visit)
        else:
            result.full_weeks.append(week_start_of(start.date()))
    return result


@transaction.atomic
def visit_plan_stop(*, plan: VisitPlan, actor) -> VisitPlan:
    """End a weekly plan: no new visits; its future scheduled visits are cancelled."""
    if not rules.may_stop_plan(actor, plan):
        raise PermissionDenied
    plan = VisitPlan.objects.select_for_update().get(pk=plan.pk)
    plan.active = False
    plan.save(update_fields=["active"])
    for visit in plan.visits.filter(
        status=Visit.Status.SCHEDULED, scheduled_start__gt=timezone.now()
    ):
        visit_cancel(visit=visit, actor=actor, reason=str(_("周期计划已停止")))
    _request_follow_visits(service_request=plan.request, actor=actor)
    return plan


@transaction.atomic
def visit_reschedule(
    *, visit: Visit, scheduled_start: datetime.datetime, actor, reason: str = ""
) -> Visit:
    """Move a scheduled visit to another time inside the offering's windows.

    Within its week the visit keeps its place; to another week its place moves along (the
    match's place with `Match.week_start`, or its own), or it joins the match's place when
    that is free. A full week refuses the move and changes nothing.
    """
    visit = (
        Visit.objects.select_for_update(of=("self",)).select_related("offering").get(pk=visit.pk)
    )
    refuse(rules.reschedule_refusal(actor, visit))
    _check_in_window(offering=visit.offering, start=scheduled_start)
    before = snapshot(visit, VISIT_AUDIT_FIELDS)
    week = _week_of(scheduled_start)
    if week != _week_of(visit.scheduled_start) and not _visit_take_place(
        visit=visit, match=_locked_match(visit), week=week, actor=actor
    ):
        raise _week_full(week)
    visit.scheduled_start = scheduled_start
    _save_visit(visit=visit, actor=actor, before=before, action="change", reason=reason)
    reminders_move_for_visit(visit=visit)
    return visit


@transaction.atomic
def visit_cancel(*, visit: Visit, actor, reason: str = "") -> Visit:
    visit = Visit.objects.select_for_update().select_related("offering").get(pk=visit.pk)
    refuse(rules.cancel_visit_refusal(actor, visit))
    before = snapshot(visit, VISIT_AUDIT_FIELDS)
    visit.status = Visit.Status.CANCELLED
    _release_held_week(visit)
    _save_visit(visit=visit, actor=actor, before=before, action="status", reason=reason)
    reminders_cancel_for_visit(visit=visit)
    _request_follow_visits(service_request=visit.request, actor=actor)
    return visit


# --- the assigned worker's steps -----------------------------------------------------------


def _locked(visit: Visit) -> Visit:
    return (
        # of=self: PostgreSQL refuses to lock the nullable side of the outer joins.
        Visit.objects.select_for_update(of=("self",))
        .select_related("social_worker", "volunteer", "request__resident")
        .get(pk=visit.pk)
    )


def _flags(visit: Visit) -> tuple:
    return (visit.location_state, visit.early_check_in, visit.short_visit, visit.late_sync)


def _record_position(
    *, visit: Visit, moment: str, position: Position | None, manual_reason: str
) -> None:
    """Keep the fix of one moment ("check_in" or "check_out") and fold in its state."""
    if manual_reason.strip():
        visit.manual_reason = manual_reason.strip()[:200]
    resident = visit.request.resident
    state, meters = moment_state(
        position=position,
        home=(resident.latitude, resident.longitude),
        manual_reason=visit.manual_reason,
    )
    setattr(visit, f"{moment}_lat", position.lat if position else None)
    setattr(visit, f"{moment}_lon", position.lon if position else None)
    setattr(visit, f"{moment}_accuracy_m", position.accuracy_m if position else None)
    setattr(visit, f"{moment}_distance_m", meters)
    visit.location_state = worse_state(visit.location_state, state)


def _flag_for_review(visit: Visit, before: tuple) -> None:
    """A new flag puts the visit (back) on the review list; an unchanged one does not."""
    flagged = needs_review(
        location_state=visit.location_state,
        early_check_in=visit.early_check_in,
        short_visit=visit.short_visit,
        late_sync=visit.late_sync,
    )
    if flagged and _flags(visit) != before:
        visit.review_state = ReviewState.PENDING


def _check_out_now(
    visit: Visit, *, position: Position | None, manual_reason: str, at: datetime.datetime | None
) -> None:
    visit.checked_out_at = max(at or timezone.now(), visit.checked_in_at)
    _record_position(
        visit=visit, moment="check_out", position=position, manual_reason=manual_reason
    )
    visit.short_visit = is_short(
        checked_in_at=visit.checked_in_at,
        checked_out_at=visit.checked_out_at,
        duration_minutes=visit.duration_minutes,
    )


def _record_condition(visit: Visit, *, condition_changed: bool, condition_note: str) -> None:
    """A change of condition noticed on the visit; once flagged it stays flagged."""
    note = condition_note.strip()
    if note and not condition_changed:
        raise ValidationError(
            {"condition_changed": _("写了状况变化说明，请同时勾选“身体状况有变化”。")}
        )
    if condition_changed and not note:
        raise ValidationError({"condition_note": _("请简单说明居民的状况有什么变化。")})
    if condition_changed:
        visit.condition_changed_at = visit.condition_changed_at or timezone.now()
        visit.condition_note = note


@transaction.atomic
def visit_check_in(
    *,
    visit: Visit,
    actor,
    position: Position | None = None,
    manual_reason: str = "",
    at: datetime.datetime | None = None,
) -> Visit:
    """Start the visit where the phone is; an unverified place or an early hour is flagged,
    never refused (services.care.verification). `at` is the phone's time of a step sent
    later from its offline queue (services.care.domain.sync); otherwise now."""
    visit = _locked(visit)
    refuse(rules.check_in_refusal(actor, visit))
    before = snapshot(visit, VISIT_AUDIT_FIELDS)
    flags = _flags(visit)
    visit.status = Visit.Status.IN_PROGRESS
    visit.checked_in_at = at or timezone.now()
    _record_position(visit=visit, moment="check_in", position=position, manual_reason=manual_reason)
    visit.early_check_in = is_early(
        checked_in_at=visit.checked_in_at, scheduled_start=visit.scheduled_start
    )
    _flag_for_review(visit, flags)
    _save_visit(visit=visit, actor=actor, before=before, action="status")
    return visit


@transaction.atomic
def visit_check_out(
    *,
    visit: Visit,
    actor,
    service_log: str,
    position: Position | None = None,
    manual_reason: str = "",
    condition_changed: bool = False,
    condition_note: str = "",
    at: datetime.datetime | None = None,
) -> Visit:
    """Record leaving and what was done; the visit stays in progress until completed."""
    visit = _locked(visit)
    refuse(rules.check_out_refusal(actor, visit))
    if not service_log.strip():
        raise ValidationError({"service_log": _("请简单记录本次服务内容。")})
    before = snapshot(visit, VISIT_AUDIT_FIELDS)
    flags = _flags(visit)
    _record_condition(visit, condition_changed=condition_changed, condition_note=condition_note)
    _check_out_now(visit, position=position, manual_reason=manual_reason, at=at)
    visit.service_log = service_log.strip()
    _flag_for_review(visit, flags)
    _save_visit(visit=visit, actor=actor, before=before, action="change")
    return visit


@transaction.atomic
def visit_complete(
    *,
    visit: Visit,
    actor,
    service_log: str = "",
    position: Position | None = None,
    manual_reason: str = "",
    condition_changed: bool = False,
    condition_note: str = "",
    at: datetime.datetime | None = None,
) -> Visit:
    """Finish an in-progress visit; checks out now (at `position`) if not yet done.
    A service log is required; a change of the resident's condition may be flagged."""
    visit = _locked(visit)
    refuse(rules.complete_refusal(actor, visit))
    service_log = service_log.strip() or visit.service_log
    if not service_log:
        raise ValidationError({"service_log": _("请简单记录本次服务内容。")})
    before = snapshot(visit, VISIT_AUDIT_FIELDS)
    flags = _flags(visit)
    _record_condition(visit, condition_changed=condition_changed, condition_note=condition_note)
    visit.service_log = service_log
    if visit.checked_out_at is None:
        _check_out_now(visit, position=position, manual_reason=manual_reason, at=at)
    visit.status = Visit.Status.COMPLETED
    _flag_for_review(visit, flags)
    _save_visit(visit=visit, actor=actor, before=before, action="status")
    # Monetary care: charge the allowance / record the co-payment in the same transaction.
    visit_charge(visit=visit, actor=actor)
    _request_follow_visits(service_request=visit.request, actor=actor)
    return visit


@transaction.atomic
def visit_flag_late_sync(*, visit: Visit, actor) -> Visit:
    """A step from the phone's offline queue came long after the phone's time: review it."""
    visit = _locked(visit)
    before = snapshot(visit, VISIT_AUDIT_FIELDS)
    flags = _flags(visit)
    visit.late_sync = True
    _flag_for_review(visit, flags)
    _save_visit(visit=visit, actor=actor, before=before, action="change")
    return visit


@transaction.atomic
def visit_review(*, visit: Visit, actor, decision: str, note: str = "") -> Visit:
    """A reviewer accepts or disputes a flagged visit; a dispute says why."""
    visit = _locked(visit)
    refuse(rules.review_visit_refusal(actor, visit))
    if decision not in (ReviewState.ACCEPTED, ReviewState.DISPUTED):
        raise ValidationError({"decision": _("请选择复核结果。")})
    if decision == ReviewState.DISPUTED and not note.strip():
        raise ValidationError({"note": _("有异议时请写明原因。")})
    before = snapshot(visit, VISIT_AUDIT_FIELDS)
    visit.review_state = decision
    visit.review_note = note.strip()
    visit.reviewed_by = actor
    visit.reviewed_at = timezone.now()
    _save_visit(visit=visit, actor=actor, before=before, action="change", reason=note.strip())
    return visit


@transaction.atomic
def visit_mark_missed(*, visit: Visit, actor, reason: str) -> Visit:
    """The worker came (or the time passed) but the service could not take place."""
    visit = _locked(visit)
    refuse(rules.mark_missed_refusal(actor, visit))
    if not reason.strip():
        raise ValidationError({"reason": _("请说明未能上门服务的原因。")})
    before = snapshot(visit, VISIT_AUDIT_FIELDS)
    visit.status = Visit.Status.MISSED
    _release_held_week(visit)
    visit.service_log = reason.strip()
    _save_visit(visit=visit, actor=actor, before=before, action="status", reason=reason.strip())
    _request_follow_visits(service_request=visit.request, actor=actor)
    return visit


# --- feedback ------------------------------------------------------------------------------


@transaction.atomic
def feedback_give(*, visit: Visit, actor, rating: int, comment: str = "") -> Feedback:
    """The resident (or a linked family member) rates a completed visit, once."""
    visit = Visit.objects.select_for_update().select_related("request__resident").get(pk=visit.pk)
    refuse(rules.rate_refusal(actor, visit))
    feedback = Feedback(visit=visit, rating=rating, comment=comment.strip(), given_by=actor)
    feedback.full_clean()
    feedback.save()
    audit_record(
        actor=actor,
        instance=visit,
        action="change",
        after={"feedback_rating": rating},
        reason=str(_("居民评价")),
    )
    return feedback
