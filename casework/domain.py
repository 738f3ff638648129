"""Writes of social work: assessments and the resident's care level, cases, callbacks.

Every function is keyword-only, refuses through casework.rules, validates, saves and
records history. Progress-note text never reaches the audit trail or a log line.
"""

import datetime
import math
import random

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import rules
from casework.instruments import instrument_current, spec_of
from casework.models import Assessment, Callback, Case, PlannedService, ProgressNote, Review
from casework.queries import latest_effective, organization_mean_ratings, social_worker_of
from casework.scoring import InvalidAnswer, score
from communities.models import Resident
from communities.privacy import access_log_record
from sanlian.audit import audit_record, snapshot
from sanlian.models import AccessLog, AuditEntry
from sanlian.refusals import refuse
from services.allowances.domain import ledger_entry_reverse
from services.care.domain.requests import request_create
from services.care.models import ReviewState
from services.models import LedgerEntry, ServiceType, Visit
from socialworkers.models import SocialWorker

# A change of this many levels or more needs a second assessor's signature.
SECOND_SIGN_STEPS = 2
ASSESSMENT_AUDIT_FIELDS = ["status", "total", "level_name", "care_level", "signed_by"]
CASE_AUDIT_FIELDS = ["status", "source", "presenting_need", "outcome", "outcome_note"]


# --- Assessments -------------------------------------------------------------------------


@transaction.atomic
def assessment_start(*, resident: Resident, assessor) -> Assessment:
    refuse(rules.assess_refusal(assessor, resident))
    instrument = instrument_current()
    if instrument is None:
        raise ValidationError(_("尚未加载评估量表。"))
    draft = Assessment.objects.filter(
        resident=resident, assessor=assessor, status=Assessment.Status.DRAFT
    ).first()
    if draft is not None:
        return draft  # a visit interrupted is resumed, not started twice
    assessment = Assessment(resident=resident, instrument=instrument, assessor=assessor)
    assessment.full_clean()
    assessment.save()
    audit_record(actor=assessor, instance=assessment, action=AuditEntry.Action.CREATE)
    return assessment


@transaction.atomic
def assessment_save(
    *, assessment: Assessment, actor, answers: dict[str, str], adjustments: list[str]
) -> Assessment:
    """A partial save: the answers given are merged into those already stored."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    refuse(rules.edit_assessment_refusal(actor, assessment))
    merged = {**assessment.answers, **{k: v for k, v in answers.items() if v}}
    try:
        result = score(spec_of(assessment.instrument), merged, adjustments)
    except InvalidAnswer as error:
        raise ValidationError(_("评估答案无效：%(answer)s") % {"answer": error}) from error
    assessment.answers, assessment.adjustments = merged, sorted(set(adjustments))
    assessment.total = result.total
    assessment.full_clean()
    assessment.save()
    return assessment


def _sign_result(assessment: Assessment):
    result = score(spec_of(assessment.instrument), assessment.answers, assessment.adjustments)
    if not result.complete:
        raise ValidationError(_("还有%(n)d项未评估，不能签字。") % {"n": len(result.missing)})
    return result


@transaction.atomic
def assessment_sign(*, assessment: Assessment, actor) -> Assessment:
    """Sign; the level takes effect now unless it moved two levels, then it awaits a second."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    refuse(rules.sign_assessment_refusal(actor, assessment))
    result = _sign_result(assessment)
    previous = latest_effective(assessment.resident_id)
    before = snapshot(assessment, ASSESSMENT_AUDIT_FIELDS)
    assessment.total, assessment.level_rank = result.total, result.rank
    assessment.level_name, assessment.care_level = result.band.name, result.band.care_level
    assessment.previous_rank = previous.level_rank if previous else None
    assessment.signed_by, assessment.signed_at = actor, timezone.now()
    jump = previous is not None and abs(result.rank - previous.level_rank) >= SECOND_SIGN_STEPS
    assessment.status = Assessment.Status.AWAITING_SECOND if jump else Assessment.Status.SIGNED
    if not jump:
        assessment.effective_at = assessment.signed_at
    assessment.full_clean()
    assessment.save()
    audit_record(
        actor=actor,
        instance=assessment,
        action=AuditEntry.Action.STATUS,
        before=before,
        after=snapshot(assessment, ASSESSMENT_AUDIT_FIELDS),
    )
    if not jump:
        _resident_level_apply(assessment=assessment, actor=actor)
    return assessment


@transaction.atomic
def assessment_second_sign(*, assessment: Assessment, actor) -> Assessment:
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    refuse(rules.second_sign_refusal(actor, assessment))
    before = snapshot(assessment, ASSESSMENT_AUDIT_FIELDS)
    assessment.second_signed_by, assessment.second_signed_at = actor, timezone.now()
    assessment.status, assessment.effective_at = Assessment.Status.SIGNED, timezone.now()
    assessment.full_clean()
    assessment.save()
    audit_record(
        actor=actor,
        instance=assessment,
        action=AuditEntry.Action.STATUS,
        before=before,
        after=snapshot(assessment, ASSESSMENT_AUDIT_FIELDS),
        reason=str(_("能力等级变化两级及以上，第二评估员复核签字")),
    )
    _resident_level_apply(assessment=assessment, actor=actor)
    return assessment


def _resident_level_apply(*, assessment: Assessment, actor) -> None:
    """The resident's care level becomes the signed result; the history says which and who."""
    resident = Resident.objects.select_for_update().get(pk=assessment.resident_id)
    before = snapshot(resident, ["care_level"])
    resident.care_level = assessment.care_level
    resident.save(update_fields=["care_level"])
    audit_record(
        actor=actor,
        instance=resident,
        action=AuditEntry.Action.CHANGE,
        before=before,
        after=snapshot(resident, ["care_level"]),
        reason=str(_("能力评估签字：%(level)s（评估 #%(pk)d）"))
        % {"level": assessment.level_name, "pk": assessment.pk},
    )


def resident_care_level_assessed(resident) -> bool:
    """Registered as communities' care-level source: typing the level by hand stops."""
    return Assessment.objects.filter(
        resident_id=resident.pk, status=Assessment.Status.SIGNED
    ).exists()


# --- Cases -------------------------------------------------------------------------------


def _review_schedule(*, case: Case, after: datetime.date) -> Review:
    return Review.objects.create(
        case=case, due_on=after + datetime.timedelta(days=settings.CASE_REVIEW_DAYS)
    )


def _case_audit(*, actor, case: Case, before: dict, reason: str = "") -> None:
    audit_record(
        actor=actor,
        instance=case,
        action=AuditEntry.Action.STATUS if before else AuditEntry.Action.CREATE,
        before=before,
        after=snapshot(case, CASE_AUDIT_FIELDS),
        reason=reason,
    )


@transaction.atomic
def case_open(*, resident: Resident, actor, source: str, presenting_need: str) -> Case:
    refuse(rules.open_case_refusal(actor, resident))
    case = Case(
        resident=resident, source=source, presenting_need=presenting_need.strip(), opened_by=actor
    )
    case.full_clean()
    case.save()
    case.social_workers.add(social_worker_of(actor))
    _review_schedule(case=case, after=timezone.localdate())
    _case_audit(actor=actor, case=case, before={})
    return case


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def case_plan_set(*, case: Case, actor, goals: str) -> Case:
    case = _locked(case)
    refuse(rules.work_on_case_refusal(actor, case))
    if not goals.strip():
        raise ValidationError({"goals": _("请填写服务目标。")})
    before = snapshot(case, CASE_AUDIT_FIELDS)
    case.goals, case.status = goals.strip(), Case.Status.ACTIVE
    case.full_clean()
    case.save()
    _case_audit(actor=actor, case=case, before=before, reason=str(_("制定服务计划")))
    return case


@transaction.atomic
def planned_service_add(
    *,
    case: Case,
    actor,
    service_type: ServiceType,
    preferred_days: list[int],
    preferred_start: datetime.time,
    preferred_end: datetime.time,
    goal: str = "",
) -> PlannedService:
    """A planned service files a ServiceRequest for the resident, so matching serves it."""
    case = _locked(case)
    refuse(rules.work_on_case_refusal(actor, case))
    request = request_create(
        resident=case.resident,
        service_type=service_type,
        preferred_days=preferred_days,
        preferred_start=preferred_start,
        preferred_end=preferred_end,
        filed_by=actor,
        notes=str(_("个案服务计划")),
    )
    planned = PlannedService(
        case=case, service_type=service_type, request=request, goal=goal.strip()
    )
    planned.full_clean()
    planned.save()
    audit_record(
        actor=actor,
        instance=planned,
        action=AuditEntry.Action.CREATE,
        after={"case": case.pk, "request": request.pk},
    )
    return planned


@transaction.atomic
def case_note_add(*, case: Case, actor, text: str) -> ProgressNote:
    refuse(rules.work_on_case_refusal(actor, case))
    note = ProgressNote(case=case, author=actor, text=text.strip())
    note.full_clean()
    note.save()
    # The history says a note was written, never what it says.
    audit_record(actor=actor, instance=note, action=AuditEntry.Action.CREATE)
    return note


@transaction.atomic
def case_notes_read(*, case: Case, actor) -> list[ProgressNote]:
    """The case's notes for one of its social workers or their supervisor; the read is logged."""
    refuse(rules.read_notes_refusal(actor, case))
    access_log_record(
        actor=actor, resident=case.resident, kind=AccessLog.Kind.VIEW, field="case_notes"
    )
    return list(case.notes.select_related("author"))


@transaction.atomic
def review_complete(*, review: Review, actor, summary: str) -> Review:
    review = Review.objects.select_for_update().select_related("case").get(pk=review.pk)
    refuse(rules.complete_review_refusal(actor, review))
    if not summary.strip():
        raise ValidationError({"summary": _("请填写评估小结。")})
    review.done_at, review.done_by, review.summary = timezone.now(), actor, summary.strip()
    review.full_clean()
    review.save()
    _review_schedule(case=review.case, after=timezone.localdate())
    audit_record(
        actor=actor,
        instance=review,
        action=AuditEntry.Action.STATUS,
        after={"done_at": str(review.done_at)},
    )
    return review


@transaction.atomic
def case_transfer(*, case: Case, actor, to_worker: SocialWorker, reason: str) -> Case:
    """Hand the case to a social worker serving the resident's community."""
    case = _locked(case)
    refuse(rules.transfer_case_refusal(actor, case))
    serves = (
        to_worker.active and to_worker.communities.filter(pk=case.resident.community_id).exists()
    )
    if not serves or not reason.strip():
        raise ValidationError(_("只能转给服务该社区的在岗社工，并须说明原因。"))
    before = {"social_workers": sorted(case.social_workers.values_list("pk", flat=True))}
    mine = social_worker_of(actor)
    if mine is not None and rules.is_case_worker(actor, case):
        case.social_workers.remove(mine)
    case.social_workers.add(to_worker)
    after = {"social_workers": sorted(case.social_workers.values_list("pk", flat=True))}
    audit_record(
        actor=actor,
        instance=case,
        action=AuditEntry.Action.CHANGE,
        before=before,
        after=after,
        reason=reason.strip(),
    )
    return case


@transaction.atomic
def case_close(*, case: Case, actor, outcome: str, note: str = "") -> Case:
    case = _locked(case)
    refuse(rules.work_on_case_refusal(actor, case))
    before = snapshot(case, CASE_AUDIT_FIELDS)
    case.status, case.closed_at = Case.Status.CLOSED, timezone.now()
    case.outcome, case.outcome_note = outcome, note.strip()
    case.full_clean()
    case.save()
    case.reviews.filter(done_at__isnull=True).delete()
    _case_audit(actor=actor, case=case, before=before, reason=str(_("结案")))
    return case


# --- Quality callbacks -------------------------------------------------------------------


def _completed_visits(week_start: datetime.date):
    start = timezone.make_aware(datetime.datetime.combine(week_start, datetime.time()))
    return (
        Visit.objects.filter(
            status=Visit.Status.COMPLETED,
            scheduled_start__gte=start,
            scheduled_start__lt=start + datetime.timedelta(days=7),
        )
        .annotate(sampled=Exists(Callback.objects.filter(visit=OuterRef("pk"))))
        .select_related("offering", "request__resident")
        .order_by("pk")
    )


def _callers_by_community() -> dict[int, SocialWorker]:
    """One active social worker per community, the same each week (lowest id)."""
    callers: dict[int, SocialWorker] = {}
    for worker in SocialWorker.objects.filter(active=True, user__isnull=False).order_by("-pk"):
        for community_id in worker.communities.values_list("pk", flat=True):
            callers[community_id] = worker
    return callers


def _flagged(visit: Visit) -> bool:
    """A visit its check-in/out flagged for review (services.care: position, time, sync)."""
    return visit.review_state in (ReviewState.PENDING, ReviewState.DISPUTED)


def _draw(rng: random.Random, visits: list[Visit], n: int) -> list[Visit]:
    """n of the visits: the flagged ones first, the rest at random."""
    flagged = [v for v in visits if _flagged(v)]
    others = [v for v in visits if not _flagged(v)]
    return flagged[:n] + rng.sample(others, max(0, n - len(flagged)))


@transaction.atomic
def callbacks_sample_week(*, week_start: datetime.date) -> int:
    """Sample completed visits of the week per organization and community for callbacks.

    The share is CALLBACK_SAMPLE_PERCENT, or CALLBACK_LOW_RATED_PERCENT for an organization
    rated below CALLBACK_LOW_RATING over 90 days or with a visit flagged for review that
    week (flagged visits are drawn first); at least one visit of each group. The draw is
    seeded by the week; a rerun only tops a group up to its share.
    """
    since = timezone.now() - datetime.timedelta(days=90)
    means = organization_mean_ratings(since=since)
    callers = _callers_by_community()
    groups: dict[tuple[int, int], list[Visit]] = {}
    for visit in _completed_visits(week_start):
        community_id = visit.request.resident.community_id
        if community_id in callers:
            groups.setdefault((visit.offering.organization_id, community_id), []).append(visit)
    rng = random.Random(week_start.toordinal())
    created = []
    for (organization_id, community_id), visits in sorted(groups.items()):
        low = means.get(organization_id, 5.0) < settings.CALLBACK_LOW_RATING
        low = low or any(_flagged(v) for v in visits)
        percent = settings.CALLBACK_LOW_RATED_PERCENT if low else settings.CALLBACK_SAMPLE_PERCENT
        wanted = min(len(visits), max(1, math.ceil(len(visits) * percent / 100)))
        unsampled = [v for v in visits if not v.sampled]
        n = max(0, wanted - (len(visits) - len(unsampled)))
        created += [
            Callback(visit=v, social_worker=callers[community_id], week_start=week_start)
            for v in _draw(rng, unsampled, n)
        ]
    Callback.objects.bulk_create(created, ignore_conflicts=True)
    return len(created)


@transaction.atomic
def callback_record(
    *,
    callback: Callback,
    actor,
    reached: bool,
    happened_as_logged: bool | None = None,
    quality_score: int | None = None,
    comment: str = "",
) -> Callback:
    callback = (
        Callback.objects.select_for_update().select_related("social_worker").get(pk=callback.pk)
    )
    refuse(rules.record_callback_refusal(actor, callback))
    if reached and (happened_as_logged is None or quality_score is None):
        raise ValidationError(_("请记录服务是否属实和质量评分。"))
    callback.status = Callback.Status.DONE if reached else Callback.Status.UNREACHABLE
    callback.happened_as_logged = happened_as_logged if reached else None
    callback.quality_score = quality_score if reached else None
    callback.comment, callback.done_at = comment.strip(), timezone.now()
    callback.full_clean()
    callback.save()
    audit_record(
        actor=actor,
        instance=callback,
        action=AuditEntry.Action.STATUS,
        after=snapshot(callback, ["status", "happened_as_logged", "quality_score"]),
    )
    return callback


def _case_from_callback(*, callback: Callback, actor, presenting_need: str) -> Case:
    if callback.case_id is not None:
        raise ValidationError(_("这次回访已经开过个案了。"))
    if not presenting_need.strip():
        raise ValidationError({"presenting_need": _("请写明开个案的原因。")})
    case = case_open(
        resident=callback.visit.request.resident,
        actor=actor,
        source=Case.Source.CALLBACK,
        presenting_need=presenting_need,
    )
    callback.case = case
    callback.save(update_fields=["case"])
    return case


def _charges_reverse(*, callback: Callback, actor, reason: str) -> list[LedgerEntry]:
    """Reverse the visit's charges through the ledger (correction entries, never edits)."""
    if not reason.strip():
        raise ValidationError({"reason": _("请说明更正原因。")})
    charges = LedgerEntry.objects.filter(
        visit_id=callback.visit_id, kind__in=LedgerEntry.CHARGE_KINDS
    ).order_by("pk")
    if not charges:
        raise ValidationError(_("这次服务没有扣款，无需更正。"))
    open_charges = [entry for entry in charges if not entry.reversals.exists()]
    if not open_charges:
        raise ValidationError(_("这次服务的扣款已经更正过了。"))
    text = _("回访核实服务未按记录发生：%(reason)s") % {"reason": reason.strip()}
    return [
        ledger_entry_reverse(entry=entry, actor=actor, reason=text[:200]) for entry in open_charges
    ]


@transaction.atomic
def callback_follow_up(
    *,
    callback: Callback,
    actor,
    open_case: bool = False,
    presenting_need: str = "",
    reverse_charge: bool = False,
    reason: str = "",
) -> tuple[Case | None, list[LedgerEntry]]:
    """After a callback found the visit did not happen as logged, its social worker chooses
    to open a case for the resident and/or reverse the visit's allowance charge."""
    callback = (
        Callback.objects.select_for_update(of=("self",))
        .select_related("social_worker", "visit__request__resident")
        .get(pk=callback.pk)
    )
    refuse(rules.follow_up_callback_refusal(actor, callback))
    if not (open_case or reverse_charge):
        raise ValidationError(_("请选择开个案或更正扣款。"))
    corrections = []
    if reverse_charge:
        corrections = _charges_reverse(callback=callback, actor=actor, reason=reason)
    case = None
    if open_case:  # after the reversal: a refused case undoes it (one transaction)
        case = _case_from_callback(callback=callback, actor=actor, presenting_need=presenting_need)
    audit_record(
        actor=actor,
        instance=callback,
        action=AuditEntry.Action.CHANGE,
        after={"case": case.pk if case else None, "corrections": [c.pk for c in corrections]},
        reason=str(_("回访未属实的后续处理")),
    )
    return case, corrections
