"""Demo builder, part 3: service types, offerings, requests, matches, visits and feedback."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from demo import data
from demo.kit import DemoContext, bulk, bulk_dated, weighted
from organizations.models import Organization
from services.models import (
    Feedback,
    Match,
    OfferingWeek,
    OfferingWindow,
    PriceClass,
    ServiceOffering,
    ServiceRequest,
    ServiceType,
    Visit,
    VisitPlan,
)
from services.offerings.models import ALL_DAYS, days_to_mask, week_start_of

T = datetime.time
HOME_WINDOWS = ((T(8, 30), T(11, 30)), (T(14, 0), T(17, 30)), (T(9, 0), T(12, 0)))
CLASS_WINDOWS = ((T(9, 0), T(11, 0)), (T(14, 30), T(16, 30)))
REQUEST_NOTES = (
    "",
    "",
    "",
    "腿脚不便，请上门前电话联系。",
    "希望女性服务人员。",
    "耳背，请敲门大声些。",
)
CANCEL_REASONS = ("老人住院，暂不需要。", "子女已安排，取消申请。")


def service_types_build(ctx: DemoContext) -> None:
    rows = [
        ServiceType(
            code=code, name=name, care_mode=mode, default_duration_minutes=mins, description=desc
        )
        for code, name, mode, mins, desc in data.SERVICE_TYPES
    ]
    ctx.service_types = {t.code: t for t in bulk(ServiceType, rows, ctx)}


# --- offerings ---------------------------------------------------------------


def _windows_for(ctx: DemoContext, code: str, mode: str) -> list[tuple[int, T, T]]:
    rng = ctx.rng
    if code == "day-care":
        return [(day, T(8, 0), T(17, 30)) for day in range(5)]
    if code == "hotline-dispatch":
        return [(day, T(8, 0), T(20, 0)) for day in range(7)]
    if mode in ("day_care", "virtual"):
        start, end = rng.choice(CLASS_WINDOWS)
        return [(day, start, end) for day in sorted(rng.sample(range(7), rng.randint(1, 2)))]
    start, end = rng.choice(HOME_WINDOWS)
    return [(day, start, end) for day in sorted(rng.sample(range(7), rng.randint(2, 5)))]


def _price(ctx: DemoContext, code: str) -> tuple[str, int]:
    if code == "allowance":
        return PriceClass.FREE, 0
    price_class = weighted(ctx, {"free": 50, "subsidised": 35, "paid": 15})
    if price_class == PriceClass.SUBSIDISED:
        return price_class, ctx.rng.randint(5, 30) * 100
    if price_class == PriceClass.PAID:
        return price_class, ctx.rng.randint(20, 80) * 100
    return price_class, 0


def _day_care_venue(ctx: DemoContext, communities: list):
    venues = [v for c in communities for v in ctx.venues_by_community.get(c.pk, [])]
    preferred = [v for v in venues if v.kind in ("day_care", "activity_room")]
    return ctx.rng.choice(preferred) if preferred else None


@dataclass
class _Plan:
    org: Organization
    code: str
    communities: list
    venue: object = None
    windows: list = field(default_factory=list)


def _article_offering_plans(ctx: DemoContext) -> list[_Plan]:
    halves = (HOME_WINDOWS[0], (T(14, 30), T(17, 30)))
    every_day = [(day, start, end) for day in range(7) for start, end in halves]
    venues = {v.kind: v for v in ctx.venues_by_community[ctx.flagship.pk]}
    youshe, hu, aihui = (ctx.article_orgs[n] for n, _, _ in data.ARTICLE_ORGANIZATIONS)
    plans = [
        _Plan(youshe, code, [ctx.flagship], windows=every_day)
        for code in ("haircut", "blood-pressure", "nail-trim", "companionship")
    ]
    plans.append(_Plan(youshe, "day-care", [ctx.flagship], venues["day_care"]))
    plans.append(_Plan(hu, "chess", [ctx.flagship], venues["activity_room"]))
    plans.append(_Plan(hu, "interest-class", [ctx.flagship], venues["activity_room"]))
    plans.append(_Plan(aihui, "grain-oil", [ctx.flagship]))
    return plans


def _offering_plans(ctx: DemoContext) -> list[_Plan]:
    plans = _article_offering_plans(ctx)
    for org in ctx.organizations[len(data.ARTICLE_ORGANIZATIONS) :]:
        communities = ctx.active_agreements.get(org.pk)
        if org.status != Organization.Status.APPROVED or not communities:
            continue
        choices = data.CATEGORY_SERVICES[org.category]
        for code in ctx.rng.sample(choices, ctx.rng.randint(1, min(3, len(choices)))):
            venue = None
            if ctx.service_types[code].care_mode == "day_care":
                venue = _day_care_venue(ctx, communities)
                if venue is None:
                    continue
            plans.append(_Plan(org, code, communities, venue))
    return plans


def offerings_build(ctx: DemoContext) -> None:
    plans = _offering_plans(ctx)
    rows = []
    for plan in plans:
        service_type = ctx.service_types[plan.code]
        price_class, price = _price(ctx, plan.code)
        plan.windows = plan.windows or _windows_for(ctx, plan.code, service_type.care_mode)
        rows.append(
            ServiceOffering(
                organization=plan.org,
                service_type=service_type,
                venue=plan.venue,
                weekly_capacity=ctx.rng.randint(4, 12) * 5,
                price_class=price_class,
                price_fen=price,
                status="paused" if ctx.rng.random() < 0.05 else "active",
                description=f"{plan.org.name}提供{service_type.name}服务",
            )
        )
    rows[0].status = "active"
    offerings = bulk(ServiceOffering, rows, ctx)
    ctx.offerings = offerings
    _offering_links(ctx, plans, offerings)


def _offering_links(ctx: DemoContext, plans: list[_Plan], offerings: list) -> None:
    through = ServiceOffering.communities.through
    links, windows = [], []
    for plan, offering in zip(plans, offerings, strict=True):
        offering.window_list = plan.windows
        links += [through(serviceoffering=offering, community=c) for c in plan.communities]
        windows += [
            OfferingWindow(offering=offering, weekday=day, start_time=start, end_time=end)
            for day, start, end in plan.windows
        ]
        if offering.status == "active":
            for community in plan.communities:
                slot = (community.pk, offering.service_type_id)
                ctx.offerings_by_slot.setdefault(slot, []).append(offering)
    bulk(through, links, ctx)
    bulk(OfferingWindow, windows, ctx)


# --- requests, matches, visits ----------------------------------------------


@dataclass
class _Story:
    """One request and everything that happened to it, before ids exist."""

    request: ServiceRequest
    offering: ServiceOffering | None = None
    slots: list = field(default_factory=list)  # (aware datetime, visit status)
    worker: object = None
    volunteer: object = None
    feedback: bool = True
    recurring: bool = False


@dataclass
class _Book:
    stories: list = field(default_factory=list)
    reserved: dict = field(default_factory=dict)  # (offering id, week start) -> places taken


def requests_build(ctx: DemoContext) -> None:
    book = _Book()
    _demo_resident_stories(ctx, book)
    others = list(ctx.residents[1:])
    ctx.rng.shuffle(others)
    served, opened = int(len(others) * 0.25), int(len(others) * 0.12)
    for resident in others[:served]:
        _served_story(ctx, book, resident)
    for resident in others[served : served + opened]:
        book.stories.append(_Story(_open_request(ctx, resident)))
    for resident in others[served + opened : served + opened + len(others) // 50]:
        book.stories.append(_Story(_cancelled_request(ctx, resident)))
    _save_stories(ctx, book)


def _request(ctx: DemoContext, resident, service_type, created: datetime.datetime, **extra):
    rng = ctx.rng
    channel = weighted(ctx, {"web": 30, "hotline": 45, "walk_in": 25})
    in_flagship = resident.community_id == ctx.flagship.pk
    filed_by = ctx.users["community"] if in_flagship and channel != "web" else None
    start, end = rng.choice(((T(8), T(12)), (T(14), T(18)), (T(8), T(18))))
    fields = {
        "resident": resident,
        "service_type": service_type,
        "preferred_days": days_to_mask(rng.sample(range(7), rng.randint(2, 7))),
        "preferred_start": start,
        "preferred_end": end,
        "notes": rng.choice(REQUEST_NOTES),
        "urgent": rng.random() < 0.1,
        "channel": channel,
        "filed_by": filed_by,
        "created_at": created,
    }
    fields.update(extra)
    return ServiceRequest(**fields)


def _open_request(ctx: DemoContext, resident) -> ServiceRequest:
    available = [t for t in ctx.service_types.values() if _offerings_for(ctx, resident, t)]
    pool = available if available and ctx.rng.random() < 0.88 else list(ctx.service_types.values())
    created = ctx.at(ctx.days_ago(ctx.rng.randint(1, 14)), ctx.rng.randint(8, 19))
    return _request(ctx, resident, ctx.rng.choice(pool), created)


def _cancelled_request(ctx: DemoContext, resident) -> ServiceRequest:
    created = ctx.at(ctx.days_ago(ctx.rng.randint(15, 90)), 10)
    return _request(
        ctx,
        resident,
        ctx.rng.choice(list(ctx.service_types.values())),
        created,
        status="cancelled",
        cancelled_at=created + datetime.timedelta(days=2),
        cancel_reason=ctx.rng.choice(CANCEL_REASONS),
    )


def _offerings_for(ctx: DemoContext, resident, service_type) -> list:
    return ctx.offerings_by_slot.get((resident.community_id, service_type.pk), [])


def _visit_days(ctx: DemoContext, weekday: int, ongoing: bool) -> list[tuple[datetime.date, str]]:
    """Weekly visits: all in the past (done), or past ones plus one or two coming up."""
    tomorrow = ctx.today + datetime.timedelta(days=1)
    week = datetime.timedelta(weeks=1)
    if ongoing:
        upcoming = tomorrow + datetime.timedelta(days=(weekday - tomorrow.weekday()) % 7)
        past = [upcoming - week * k for k in range(ctx.rng.randint(0, 3), 0, -1)]
        past = [day for day in past if day < ctx.today]  # today's hour may not have come yet
        coming = [upcoming + week * k for k in range(ctx.rng.randint(1, 2))]
        return [(d, _past_status(ctx)) for d in past] + [(d, "scheduled") for d in coming]
    last = ctx.days_ago(ctx.rng.randint(2, 120))
    last -= datetime.timedelta(days=(last.weekday() - weekday) % 7)
    earlier = [(last - week * k, _past_status(ctx)) for k in range(ctx.rng.randint(0, 3), 0, -1)]
    return [*earlier, (last, "completed")]  # a request is done once it has been served


def _past_status(ctx: DemoContext) -> str:
    return weighted(ctx, {"completed": 92, "missed": 6, "cancelled": 2})


def _served_story(ctx: DemoContext, book: _Book, resident) -> None:
    rng = ctx.rng
    types = [t for t in ctx.service_types.values() if _offerings_for(ctx, resident, t)]
    if not types:
        book.stories.append(_Story(_open_request(ctx, resident)))
        return
    service_type = rng.choice(types)
    ongoing = rng.random() < 0.45
    candidates = list(_offerings_for(ctx, resident, service_type))
    rng.shuffle(candidates)
    for offering in candidates:
        weekday, start, _ = _pick_window(ctx, offering, ongoing)
        days = _visit_days(ctx, weekday, ongoing)
        week = week_start_of(days[0][0])
        if book.reserved.get((offering.pk, week), 0) < offering.weekly_capacity:
            book.reserved[(offering.pk, week)] = book.reserved.get((offering.pk, week), 0) + 1
            break
    else:
        book.stories.append(_Story(_open_request(ctx, resident)))
        return
    # Asked for a few days before the first visit, and never later than a few days ago.
    asked = min(days[0][0] - datetime.timedelta(days=rng.randint(3, 10)), ctx.days_ago(2))
    created = ctx.at(asked, rng.randint(8, 17))
    status = "scheduled" if ongoing else "done"
    request = _request(ctx, resident, service_type, created, status=status)
    request.preferred_days |= 1 << weekday
    request.preferred_start, request.preferred_end = min(start, T(8)), T(20)
    slots = [(ctx.at(day, start.hour, start.minute), s) for day, s in days]
    story = _Story(request, offering, slots, recurring=ongoing and len(slots) > 1)
    _assign_worker(ctx, story, resident)
    book.stories.append(story)


def _pick_window(ctx: DemoContext, offering, ongoing: bool) -> tuple[int, T, T]:
    tomorrow = (ctx.today + datetime.timedelta(days=1)).weekday()
    on_tomorrow = [w for w in offering.window_list if w[0] == tomorrow]
    if ongoing and on_tomorrow and ctx.rng.random() < 0.35:
        return ctx.rng.choice(on_tomorrow)
    return ctx.rng.choice(offering.window_list)


def _assign_worker(ctx: DemoContext, story: _Story, resident) -> None:
    if story.offering.venue_id:
        return  # day care happens at the venue, run by the organization's own staff
    choice = ctx.rng.random()
    workers = ctx.workers_by_community.get(resident.community_id)
    volunteers = ctx.volunteers_by_community.get(resident.community_id)
    if workers and choice < 0.5:
        story.worker = ctx.rng.choice(workers)
    elif volunteers and choice < 0.9:
        story.volunteer = ctx.rng.choice(volunteers)


def _demo_resident_stories(ctx: DemoContext, book: _Book) -> None:
    """李德厚: a haircut last week without feedback yet; today and tomorrow a visit each by
    the demo social worker (润梅) and the demo volunteer, so check-in can be tried at once."""
    resident = ctx.demo_resident
    youshe = ctx.article_orgs["优社优家"].pk
    by_code = {o.service_type_id: o for o in ctx.offerings if o.organization_id == youshe}
    last_week, tomorrow = ctx.days_ago(6), ctx.today + datetime.timedelta(days=1)
    today = ctx.at(ctx.today, _demo_hour(ctx))
    worker, volunteer = (ctx.runmei, None), (None, ctx.demo_volunteer)
    plans = (
        ("haircut", ctx.at(last_week, 9, 30), "completed", "done", worker),
        ("companionship", today, "scheduled", "scheduled", worker),
        ("nail-trim", today, "scheduled", "scheduled", volunteer),
        ("blood-pressure", ctx.at(tomorrow, 9, 30), "scheduled", "scheduled", volunteer),
        ("haircut", ctx.at(tomorrow, 15), "scheduled", "scheduled", worker),
    )
    for code, start, visit_status, request_status, (sw, vol) in plans:
        offering = by_code[ctx.service_types[code].pk]
        day = timezone.localdate(start)
        created = ctx.at(min(day, ctx.today) - datetime.timedelta(days=3), 10)
        request = _request(ctx, resident, ctx.service_types[code], created, status=request_status)
        request.channel, request.filed_by, request.urgent = "web", ctx.users["family"], False
        request.preferred_days = ALL_DAYS
        request.preferred_start, request.preferred_end = T(8), T(20)
        story = _Story(request, offering, [(start, visit_status)], sw, vol, feedback=False)
        key = (offering.pk, week_start_of(day))
        book.reserved[key] = book.reserved.get(key, 0) + 1
        book.stories.append(story)


def _demo_hour(ctx: DemoContext) -> int:
    """Today's demo visits start at the hour the demo is seeded, so checking in is on time
    whenever the demo starts (a fixed `today` for tests gets the morning)."""
    if ctx.today != timezone.localdate():
        return 9
    return timezone.localtime().hour


def _reason(ctx: DemoContext, request, resident) -> str:
    parts = ["同一社区"]
    if resident.living_situation == "alone":
        parts.append("独居")
    if resident.age_on(ctx.today) >= 80:
        parts.append("80岁以上")
    if resident.care_level == "dependent":
        parts.append("失能")
    if request.urgent:
        parts.append("紧急")
    return "，".join(parts)


def _save_stories(ctx: DemoContext, book: _Book) -> None:
    requests = bulk(ServiceRequest, [s.request for s in book.stories], ctx)
    served = [s for s in book.stories if s.offering]
    matches = bulk_dated(Match, [_match(ctx, s) for s in served], ctx, "proposed_at")
    plans = bulk(VisitPlan, [_plan(s) for s in served if s.recurring], ctx)
    plan_of = {plan.request_id: plan for plan in plans}
    visits = []
    for story, match in zip(served, matches, strict=True):
        visits += _visits(ctx, story, match, plan_of.get(story.request.pk))
    visits = bulk(Visit, visits, ctx)
    _feedback(ctx, visits, {s.request.pk: s.feedback for s in served})
    capacity = {s.offering.pk: s.offering.weekly_capacity for s in served}
    weeks = [
        OfferingWeek(offering_id=o, week_start=w, capacity=capacity[o], reserved=n)
        for (o, w), n in book.reserved.items()
    ]
    bulk(OfferingWeek, weeks, ctx)
    ctx.counts["services.ServiceRequest.open"] = sum(r.status == "open" for r in requests)


def _match(ctx: DemoContext, story: _Story) -> Match:
    request, resident = story.request, story.request.resident
    waited = (story.slots[0][0].date() - request.created_at.date()).days
    confirmed = request.created_at + datetime.timedelta(days=1)
    in_flagship = resident.community_id == ctx.flagship.pk
    youshe = story.offering.organization_id == ctx.article_orgs["优社优家"].pk
    return Match(
        request=request,
        offering=story.offering,
        week_start=week_start_of(story.slots[0][0].date()),
        score=round(1 + 0.5 * request.urgent + 0.1 * waited + ctx.rng.random(), 2),
        distance_km=round(ctx.rng.uniform(0.1, 2.5), 1),
        reason=f"{_reason(ctx, request, resident)}，已等待{waited}天",
        status=Match.Status.ACCEPTED,
        proposed_at=request.created_at + datetime.timedelta(hours=20),
        confirmed_by=ctx.users["street"] if in_flagship else None,
        confirmed_at=confirmed,
        responded_by=ctx.users["org"] if youshe else None,
        responded_at=confirmed + datetime.timedelta(hours=3),
    )


def _plan(story: _Story) -> VisitPlan:
    first = story.slots[0][0]
    return VisitPlan(
        request=story.request,
        offering=story.offering,
        weekday=first.weekday(),
        start_time=timezone.localtime(first).time(),
        active=True,
    )


def _visits(ctx: DemoContext, story: _Story, match, plan) -> list[Visit]:
    rng = ctx.rng
    duration = story.request.service_type.default_duration_minutes
    rows = []
    for start, status in story.slots:
        visit = Visit(
            request=story.request,
            offering=story.offering,
            match=match,
            plan=plan,
            venue=story.offering.venue,
            scheduled_start=start,
            duration_minutes=duration,
            social_worker=story.worker,
            volunteer=story.volunteer,
            status=status,
        )
        if status == "completed":
            visit.checked_in_at = start + datetime.timedelta(minutes=rng.randint(-5, 15))
            worked = max(10, duration + rng.randint(-10, 15))
            visit.checked_out_at = visit.checked_in_at + datetime.timedelta(minutes=worked)
            visit.service_log = data.SERVICE_LOGS[story.request.service_type.code]
        rows.append(visit)
    return rows


def _feedback(ctx: DemoContext, visits: list, wants_feedback: dict) -> None:
    midnight = ctx.at(ctx.today, 0)
    rows = []
    for visit in visits:
        if visit.status != "completed" or not wants_feedback[visit.request_id]:
            continue
        if ctx.rng.random() >= 0.75:
            continue
        rating = weighted(ctx, {5: 55, 4: 30, 3: 10, 2: 3, 1: 2})
        given = visit.checked_out_at + datetime.timedelta(hours=ctx.rng.randint(1, 24))
        rows.append(
            Feedback(
                visit=visit,
                rating=rating,
                comment=ctx.rng.choice(data.FEEDBACK_COMMENTS[rating]),
                created_at=min(given, midnight),  # never later than the seed runs
            )
        )
    bulk_dated(Feedback, rows, ctx, "created_at")
