"""Demo social work: ability assessments of the residents in the demo social worker's
communities (a realistic spread of levels, some due again), her open and closed cases, and
last week's quality callbacks.

Cases and callbacks go through casework.domain, so the rows are what the pages would have
made. Assessments are written in bulk (hundreds of them) with answers that score to their
level under the stored instrument, and set each resident's care level like a signature.
"""

import datetime
import random

from django.conf import settings
from django.utils import timezone

from casework import domain
from casework.instruments import instrument_current, spec_of
from casework.models import Assessment, Callback, Case, Supervision
from casework.queries import organization_mean_ratings
from casework.scoring import score
from communities.models import Resident
from demo.kit import DemoContext, bulk, weighted
from sanlian.models import User
from sanlian.roles import Role
from services.care.domain.requests import IN_PROGRESS
from services.models import ServiceRequest, ServiceType, Visit
from socialworkers.models import SocialWorker

# Share (%) of each ability level among assessed older residents at home, roughly as city
# surveys report them: most keep their abilities, about one in six needs daily care.
LEVEL_SHARES = {0: 34, 1: 30, 2: 19, 3: 10, 4: 7}
ASSESSED = 160


def casework_build(ctx: DemoContext) -> None:
    runmei = ctx.runmei
    if runmei is None or instrument_current() is None:
        return
    served = list(runmei.communities.values_list("pk", flat=True))
    residents = list(
        Resident.objects.filter(community_id__in=served, anonymised_at__isnull=True).order_by("pk")
    )
    _assessments(ctx, residents[:ASSESSED])
    _supervision(ctx, served)
    _cases(ctx, residents)
    _callbacks(ctx)
    _condition_change(ctx, served)
    ctx.counts["assessments"] = Assessment.objects.count()
    ctx.counts["cases"] = Case.objects.count()
    ctx.counts["callbacks"] = Callback.objects.count()


def _answers_for(spec, total: int) -> dict[str, str]:
    """Answers scoring `total`: every item at its best, then lowered item by item."""
    options = {code: opts for items in spec.indicators.values() for code, opts in items.items()}
    answers = {code: max(opts, key=opts.get) for code, opts in options.items()}
    excess = sum(options[c][a] for c, a in answers.items()) - total
    for code, opts in options.items():
        if excess <= 0:
            break
        best = opts[answers[code]]
        target = max(best - excess, min(opts.values()))
        answers[code] = next(k for k, v in opts.items() if v == target and k != "coma")
        excess -= best - target
    return answers


def _assessments(ctx: DemoContext, residents: list) -> None:
    instrument = instrument_current()
    spec = spec_of(instrument)
    levels = {level.rank: level for level in instrument.levels.all()}
    user = ctx.runmei.user
    rows = []
    for resident in residents:
        level = levels[weighted(ctx, LEVEL_SHARES)]
        answers = _answers_for(spec, ctx.rng.randint(level.min_total, level.max_total))
        result = score(spec, answers, [])
        # Signed over the last 15 months: those signed over a year ago are due again.
        when = timezone.now() - datetime.timedelta(days=ctx.rng.randint(5, 450))
        rows.append(
            Assessment(
                resident=resident,
                instrument=instrument,
                assessor=user,
                answers=answers,
                status=Assessment.Status.SIGNED,
                total=result.total,
                level_rank=result.rank,
                level_name=result.band.name,
                care_level=result.band.care_level,
                signed_by=user,
                signed_at=when,
                effective_at=when,
                created_at=when - datetime.timedelta(hours=1),
            )
        )
        resident.care_level = result.band.care_level
    bulk(Assessment, rows, ctx)
    Resident.objects.bulk_update(residents, ["care_level"], batch_size=500)


def _supervision(ctx: DemoContext, served: list) -> None:
    """王润梅 (senior) supervises the other active social workers of her communities."""
    others = SocialWorker.objects.filter(communities__in=served, active=True).exclude(
        pk=ctx.runmei.pk
    )
    for worker in others.distinct()[:3]:
        Supervision.objects.get_or_create(supervisor=ctx.runmei, social_worker=worker)


_CASES = (
    ("referral", "独居，近期跌倒一次，子女在外地", "居家安全改造，每周两次上门助洁", None),
    ("hotline", "老伴住院，本人无人打扫和洗澡", "保持个人卫生：每周一次助浴", None),
    ("assessment", "评估为重度失能，家属照护压力大", "申请照护补贴，安排助浴和喘息服务", None),
    ("request", "想参加社区活动，情绪低落", "每周参加一次兴趣小组", None),
    ("referral", "邻里纠纷后不愿出门", "", "goals_met"),
    ("hotline", "房屋漏水无人维修", "", "referred"),
)


def _cases(ctx: DemoContext, residents: list) -> None:
    user = ctx.runmei.user
    planned = {
        "助洁": ServiceType.objects.filter(code="cleaning").first(),
        "助浴": ServiceType.objects.filter(code="bathing").first(),
    }
    # A case's planned service files a request: a resident with one of those types already
    # in progress (which residents those are depends on the demo's anchor day) would be
    # refused a second, so the cases go to residents without one.
    busy = set(
        ServiceRequest.objects.filter(
            service_type__in=[t for t in planned.values() if t is not None],
            status__in=IN_PROGRESS,
        ).values_list("resident_id", flat=True)
    )
    consented = [
        r
        for r in residents
        if r.pk not in busy and r.consents.filter(withdrawn_at__isnull=True).exists()
    ]
    for resident, (source, need, goals, outcome) in zip(
        consented[-len(_CASES) :], _CASES, strict=False
    ):
        case = domain.case_open(resident=resident, actor=user, source=source, presenting_need=need)
        domain.case_note_add(case=case, actor=user, text=f"首次家访：{need}。已与家属沟通。")
        if goals:
            domain.case_plan_set(case=case, actor=user, goals=goals)
        service_type = next((t for word, t in planned.items() if word in goals), None)
        if service_type is not None:
            planned_service = domain.planned_service_add(
                case=case,
                actor=user,
                service_type=service_type,
                preferred_days=[0, 2, 4],
                preferred_start=datetime.time(11, 0),
                preferred_end=datetime.time(12, 30),
                goal=goals,
            )
            # Dated from the demo's anchor day, like every demo row: the same seed, the same rows.
            request = planned_service.request
            request.created_at = ctx.at(ctx.days_ago(3), 10)
            request.save(update_fields=["created_at"])
        if outcome:
            domain.case_close(case=case, actor=user, outcome=outcome, note="按计划结案")
        Case.objects.filter(pk=case.pk).update(
            opened_at=timezone.now() - datetime.timedelta(days=ctx.rng.randint(20, 120))
        )


# The other social workers of the flagship's district get a login of their own (never used
# to sign in: no password), so the weekly sample has a caller in each of its communities.
COLLEAGUE_PREFIX = "demo-sw-"
# How last week's calls went, in shares (%): most confirm the visit; some residents cannot be
# reached, a few say the visit did not happen as logged; some calls are still to make.
CALL_OUTCOMES = {"happened": 66, "unreachable": 12, "not_happened": 7, "pending": 15}
# Quality scores a resident gives on the phone, for an organization rated well or poorly.
SCORES = {False: {3: 10, 4: 40, 5: 50}, True: {2: 25, 3: 45, 4: 30}}


def _callbacks(ctx: DemoContext) -> None:
    """Last week's sample, drawn by the portal's own weekly sampling and called back by the
    district's social workers: most confirmed, some unreachable, one or two not as logged
    (王润梅's own first), some still pending.

    The outcomes draw from their own random stream, seeded from the demo's, so adding or
    changing them never shifts a row another app builds from `ctx.rng`.
    """
    rng = random.Random(f"casework-callbacks-{ctx.rng.getstate()[1][:4]}")
    _colleague_logins(ctx)
    last_monday = ctx.today - datetime.timedelta(days=ctx.today.weekday() + 7)
    domain.callbacks_sample_week(week_start=last_monday)
    low_rated = _low_rated_organizations()
    callbacks = list(
        Callback.objects.filter(week_start=last_monday)
        .select_related("social_worker__user", "visit__offering")
        .order_by("pk")
    )
    rng.shuffle(callbacks)
    # 王润梅's list shows one visit found not as logged (to follow up) and one call to make.
    mine = [cb for cb in callbacks if cb.social_worker_id == ctx.runmei.pk]
    fixed = dict(zip((cb.pk for cb in mine), ("not_happened", "pending"), strict=False))
    for callback in callbacks:
        outcome = fixed.get(callback.pk) or _outcome(rng)
        low = callback.visit.offering.organization_id in low_rated
        _call(rng, callback, outcome, low)


def _outcome(rng: random.Random) -> str:
    return rng.choices(list(CALL_OUTCOMES), weights=list(CALL_OUTCOMES.values()))[0]


def _call(rng: random.Random, callback: Callback, outcome: str, low: bool) -> None:
    if outcome == "pending":
        return
    scores = SCORES[low]
    happened = outcome == "happened"
    domain.callback_record(
        callback=callback,
        actor=callback.social_worker.user,
        reached=outcome != "unreachable",
        happened_as_logged=happened,
        quality_score=rng.choices(list(scores), weights=list(scores.values()))[0]
        if happened
        else rng.choice([1, 2]),
        comment=CALL_COMMENTS[outcome],
    )


CALL_COMMENTS = {
    "happened": "电话确认，服务按时上门",
    "not_happened": "老人说那天没有人来",
    "unreachable": "两次拨打无人接听",
}


def _low_rated_organizations() -> set[int]:
    """What the sampling itself calls low rated: below CALLBACK_LOW_RATING over 90 days."""
    since = timezone.now() - datetime.timedelta(days=90)
    means = organization_mean_ratings(since=since)
    return {org for org, mean in means.items() if mean < settings.CALLBACK_LOW_RATING}


def _colleague_logins(ctx: DemoContext) -> None:
    """The first active social worker of each other community of the flagship's district gets
    an unusable login, so the sample has a caller there (the demo signs in as 王润梅 only)."""
    district = ctx.street_of[ctx.flagship.street_id].district_id
    workers = (
        SocialWorker.objects.filter(
            active=True, user__isnull=True, communities__street__district_id=district
        )
        .exclude(communities__in=ctx.runmei.communities.all())
        .order_by("pk")
        .distinct()
    )
    covered: set[int] = set()
    for worker in workers:
        homes = set(worker.communities.values_list("pk", flat=True))
        if homes <= covered:
            continue
        covered |= homes
        worker.user = User.objects.create_user(
            username=f"{COLLEAGUE_PREFIX}{worker.certificate_number.lower()}",
            password=None,
            role=Role.SOCIAL_WORKER,
            display_name=worker.name,
        )
        worker.save(update_fields=["user"])


def _condition_change(ctx: DemoContext, served: list) -> None:
    """One completed visit whose worker noticed a change: the resident is due a reassessment."""
    visit = (
        Visit.objects.filter(
            status=Visit.Status.COMPLETED, request__resident__community_id__in=served
        )
        .order_by("-scheduled_start")
        .first()
    )
    if visit is not None:
        visit.condition_changed_at = visit.checked_out_at or visit.scheduled_start
        visit.condition_note = "起身困难，需要搀扶"
        visit.save(update_fields=["condition_changed_at", "condition_note"])
