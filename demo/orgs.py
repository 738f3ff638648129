"""Demo builder, part 2: organizations, agreements, social workers and volunteers."""

import datetime

from demo import data
from demo.kit import (
    DemoContext,
    bulk,
    bulk_dated,
    credit_code,
    mobile,
    weighted,
    young_name,
)
from organizations.models import (
    Agreement,
    Organization,
    OrganizationMember,
    OrganizationStatusChange,
)
from socialworkers.models import Skill, SocialWorker, Volunteer, VolunteerTeam

ORGANIZATIONS = 600
SUBMITTED, REJECTED, SUSPENDED = 35, 20, 2
CATEGORY_WEIGHTS = {
    "public_welfare": 30,
    "social_affairs": 20,
    "culture_sports": 25,
    "charity_relief": 12,
    "community_rights": 13,
}
PILOT_START = datetime.date(2014, 6, 1)
FLAGSHIP_AGREEMENT_START = datetime.date(2014, 10, 21)
UNDERSTAFFED_PILOTS = 6
TEAM_WORDS = ("爱心", "夕阳红", "暖心", "邻里守望", "红马甲", "银龄", "青春", "同心", "春风")
Status = Organization.Status


def organizations_build(ctx: DemoContext) -> None:
    _organizations(ctx)
    _status_history(ctx)
    _agreements(ctx)


def _statuses(ctx: DemoContext) -> list[str]:
    others = ORGANIZATIONS - len(data.ARTICLE_ORGANIZATIONS)
    statuses = [Status.SUBMITTED] * SUBMITTED + [Status.REJECTED] * REJECTED
    statuses += [Status.SUSPENDED] * SUSPENDED
    statuses += [Status.APPROVED] * (others - len(statuses))
    ctx.rng.shuffle(statuses)
    return [Status.APPROVED] * len(data.ARTICLE_ORGANIZATIONS) + statuses


def _org_name(ctx: DemoContext, category: str, street) -> str:
    cores, _ = data.ORG_CORES[category]
    while True:
        place = street.name.removesuffix("街道").removesuffix("镇")
        name = place + ctx.rng.choice(data.ORG_ADJECTIVES) + ctx.rng.choice(cores)
        if name not in ctx.used_names:
            ctx.used_names.add(name)
            return name


def _review(ctx: DemoContext, status: str, submitted_at: datetime.datetime) -> dict:
    if status == Status.SUBMITTED:
        return {}
    reviewed_at = submitted_at + datetime.timedelta(days=ctx.rng.randint(2, 20), hours=2)
    reason = ""
    if status == Status.REJECTED:
        reason = ctx.rng.choice(data.REJECTION_REASONS)
    if status == Status.SUSPENDED:
        reason = data.SUSPENSION_REASON
        reviewed_at = ctx.at(ctx.days_ago(ctx.rng.randint(10, 60)), 10)
    return {"reviewed_by": ctx.users["civil"], "reviewed_at": reviewed_at, "review_reason": reason}


def _submitted_at(ctx: DemoContext, status: str) -> datetime.datetime:
    if status == Status.SUBMITTED:
        return ctx.at(ctx.days_ago(ctx.rng.randint(1, 25)), ctx.rng.randint(8, 20))
    span = (ctx.days_ago(90) - PILOT_START).days
    day = PILOT_START + datetime.timedelta(days=ctx.rng.randrange(span))
    return ctx.at(day, ctx.rng.randint(8, 20), ctx.rng.choice((0, 15, 30, 45)))


def _organization(ctx: DemoContext, index: int, status: str) -> Organization:
    rng = ctx.rng
    street = rng.choice(ctx.streets)
    if index < len(data.ARTICLE_ORGANIZATIONS):
        name, category, representative = data.ARTICLE_ORGANIZATIONS[index]
        street = ctx.street_of[ctx.flagship.street_id]
        ctx.used_names.add(name)
        submitted_at = ctx.at(datetime.date(2014, 9, 15), 10)
    else:
        category = weighted(ctx, CATEGORY_WEIGHTS)
        name, representative = _org_name(ctx, category, street), young_name(ctx)
        submitted_at = _submitted_at(ctx, status)
    region = street.code[:6]
    road, number = rng.choice(data.ROADS), rng.randint(1, 400)
    services = "、".join(
        next(t[1] for t in data.SERVICE_TYPES if t[0] == code)
        for code in data.CATEGORY_SERVICES[category][:3]
    )
    return Organization(
        name=name,
        credit_code=credit_code(ctx, kind=data.ORG_CORES[category][1], region=region),
        category=category,
        legal_representative=representative,
        contact_name=young_name(ctx),
        contact_phone=mobile(ctx),
        email=f"contact{index:03d}@example.org",
        address=f"太原市{ctx.district_of[street.district_id].name}{road}{number}号",
        description=f"扎根社区，为老年居民提供{services}等服务。",
        home_street=street,
        status=status,
        submitted_at=submitted_at,
        **_review(ctx, status, submitted_at),
    )


def _organizations(ctx: DemoContext) -> None:
    rows = [_organization(ctx, i, s) for i, s in enumerate(_statuses(ctx))]
    rows[0].reviewed_at = ctx.at(datetime.date(2014, 9, 28), 15)  # 优社优家, before signing
    ctx.organizations = bulk(Organization, rows, ctx)
    ctx.article_orgs = {org.name: org for org in ctx.organizations[:3]}
    youshe = ctx.article_orgs["优社优家"]
    bulk(
        OrganizationMember,
        [OrganizationMember(user=ctx.users["org"], organization=youshe, is_admin=True)],
        ctx,
    )
    pilots = [c for c in ctx.communities if c.pilot_batch]
    through = Organization.wants_to_serve.through
    links = []
    for org in ctx.organizations:
        wanted = ctx.rng.sample(pilots, ctx.rng.randint(1, 3))
        if org.name in ctx.article_orgs and ctx.flagship not in wanted:
            wanted.append(ctx.flagship)
        links += [through(organization=org, community=c) for c in wanted]
    bulk(through, links, ctx)


def _status_history(ctx: DemoContext) -> None:
    rows = []
    for org in ctx.organizations:
        rows.append(_change(org, "", Status.SUBMITTED, at=org.submitted_at))
        reviewed = {"at": org.reviewed_at, "by": org.reviewed_by, "reason": org.review_reason}
        if org.status == Status.SUSPENDED:
            approved_at = org.submitted_at + datetime.timedelta(days=7)
            rows.append(
                _change(org, Status.SUBMITTED, Status.APPROVED, at=approved_at, by=org.reviewed_by)
            )
            rows.append(_change(org, Status.APPROVED, Status.SUSPENDED, **reviewed))
        elif org.status != Status.SUBMITTED:
            rows.append(_change(org, Status.SUBMITTED, org.status, **reviewed))
    bulk_dated(OrganizationStatusChange, rows, ctx, "changed_at")


def _change(org, from_status, to_status, *, at, by=None, reason="") -> OrganizationStatusChange:
    return OrganizationStatusChange(
        organization=org,
        from_status=from_status,
        to_status=to_status,
        changed_by=by,
        changed_at=at,
        reason=reason,
    )


def _agreement(ctx: DemoContext, org, community, status: str, *, venue=None, start=None):
    rng = ctx.rng
    if start is None:
        # Reviews take at most 20 days, so this is after approval (or before a suspension).
        earliest = org.submitted_at.date() + datetime.timedelta(days=25)
        latest = ctx.days_ago(14)
        start = earliest + datetime.timedelta(days=rng.randint(0, max(0, (latest - earliest).days)))
        start = min(start, latest)
    end = None
    if status == Agreement.Status.PENDING:
        start = ctx.today + datetime.timedelta(days=rng.randint(7, 40))
    elif status == Agreement.Status.ENDED:
        end = start + datetime.timedelta(days=rng.randint(1, max(1, (ctx.today - start).days - 1)))
    elif status == Agreement.Status.ACTIVE and rng.random() < 0.3:
        end = ctx.today + datetime.timedelta(days=rng.randint(60, 900))
    requested = ctx.at(min(start, ctx.today) - datetime.timedelta(days=rng.randint(3, 25)), 9)
    decided = status != Agreement.Status.PENDING
    decider = ctx.users["community"] if community.pk == ctx.flagship.pk else None
    return Agreement(
        organization=org,
        community=community,
        venue=venue,
        start_date=start,
        end_date=end,
        status=status,
        note="入驻社区开展养老服务" if status != Agreement.Status.PENDING else "申请入驻",
        requested_by=ctx.users["org"] if org.name == "优社优家" else None,
        requested_at=requested,
        decided_by=decider if decided else None,
        decided_at=requested + datetime.timedelta(days=rng.randint(1, 7)) if decided else None,
        decision_reason="场地已满，暂不接收。" if status == Agreement.Status.DECLINED else "",
    )


def _pick_venue(ctx: DemoContext, community):
    venues = ctx.venues_by_community.get(community.pk, [])
    return ctx.rng.choice(venues) if venues and ctx.rng.random() < 0.5 else None


def _article_agreements(ctx: DemoContext) -> list[Agreement]:
    venues = ctx.venues_by_community[ctx.flagship.pk]
    day_care = next(v for v in venues if v.kind == "day_care")
    activity = next(v for v in venues if v.kind == "activity_room")
    plans = (("优社优家", day_care, 0), ("胡晓玲棋艺中心", activity, 40), ("爱惠旗舰店", None, 75))
    rows = []
    for name, venue, days_later in plans:
        start = FLAGSHIP_AGREEMENT_START + datetime.timedelta(days=days_later)
        org = ctx.article_orgs[name]
        rows.append(_agreement(ctx, org, ctx.flagship, "active", venue=venue, start=start))
    rows[0].note = "2014年10月21日签约仪式：优社优家入驻桃南二社区"
    return rows


def _agreements(ctx: DemoContext) -> None:
    rng = ctx.rng
    pilots = [c for c in ctx.communities if c.pilot_batch]
    rows = _article_agreements(ctx)
    open_pairs = {(a.organization_id, a.community_id) for a in rows}
    for org in ctx.organizations[3:]:
        if org.status not in (Status.APPROVED, Status.SUSPENDED):
            continue
        plans = _agreement_plan(ctx, org)
        for status in plans:
            pool = pilots if rng.random() < 0.85 else ctx.communities
            community = rng.choice(pool)
            if status in ("active", "pending") and (org.pk, community.pk) in open_pairs:
                continue
            open_pairs.add((org.pk, community.pk))
            venue = _pick_venue(ctx, community) if status == "active" else None
            rows.append(_agreement(ctx, org, community, status, venue=venue))
    agreements = bulk_dated(Agreement, rows, ctx, "requested_at")
    for agreement in agreements:
        if agreement.status == Agreement.Status.ACTIVE:
            ctx.active_agreements.setdefault(agreement.organization_id, []).append(
                agreement.community
            )


def _agreement_plan(ctx: DemoContext, org) -> list[str]:
    """Most approved organizations hold 1–2 active agreements; a few more or none."""
    if org.status == Status.SUSPENDED:
        return ["ended"]
    active = weighted(ctx, {0: 4, 1: 60, 2: 31, 3: 5})
    plan = ["active"] * active
    extra = ctx.rng.random()
    if extra < 0.07:
        plan.append("pending")
    elif extra < 0.12:
        plan.append("ended")
    elif extra < 0.14:
        plan.append("declined")
    return plan


def workers_build(ctx: DemoContext) -> None:
    ctx.skills = {s.code: s for s in bulk(Skill, [Skill(code=c, name=n) for c, n in data.SKILLS])}
    ctx.counts["socialworkers.Skill"] = len(ctx.skills)
    _social_workers(ctx)
    _teams_and_volunteers(ctx)


def _worker_count(ctx: DemoContext, community, understaffed: list) -> int:
    if community.pk == ctx.flagship.pk:
        return 3
    if community in understaffed:
        return ctx.rng.randint(0, 1)
    if community.pilot_batch:
        return weighted(ctx, {2: 45, 3: 40, 4: 15})
    return weighted(ctx, {0: 40, 1: 35, 2: 25})


def _social_workers(ctx: DemoContext) -> None:
    rng = ctx.rng
    pilots = [c for c in ctx.communities if c.pilot_batch and c.pk != ctx.flagship.pk]
    understaffed = rng.sample(pilots, UNDERSTAFFED_PILOTS)
    employers = [o for o in ctx.organizations if o.status == Status.APPROVED]
    homes, rows = [], []
    for community in ctx.communities:
        for _ in range(_worker_count(ctx, community, understaffed)):
            qualification = weighted(ctx, {"assistant": 55, "intermediate": 35, "senior": 10})
            year = rng.randint(2009, 2024)
            rows.append(
                SocialWorker(
                    name=young_name(ctx),
                    phone=mobile(ctx),
                    qualification=qualification,
                    certificate_number=_certificate(qualification, year, len(rows) + 1),
                    organization=rng.choice(employers) if rng.random() < 0.6 else None,
                    active=bool(community.pilot_batch) or rng.random() < 0.9,
                )
            )
            homes.append(community)
    rows[0].name, rows[0].user, rows[0].qualification = (
        "王润梅",
        ctx.users["socialworker"],
        "senior",
    )
    rows[0].active, rows[0].organization = True, ctx.article_orgs["优社优家"]
    rows[0].certificate_number = _certificate("senior", 2012, 1)
    workers = bulk(SocialWorker, rows, ctx)
    ctx.runmei = workers[0]
    _worker_links(ctx, workers, homes)


def _certificate(qualification: str, year: int, sequence: int) -> str:
    prefix = {"assistant": "ZL", "intermediate": "ZJ", "senior": "GJ"}[qualification]
    return f"{prefix}{year}14{sequence:05d}"


def _worker_links(ctx: DemoContext, workers: list, homes: list) -> None:
    """Each worker serves their home community; some also a non-pilot one nearby."""
    non_pilot_by_street: dict[int, list] = {}
    for community in ctx.communities:
        if not community.pilot_batch:
            non_pilot_by_street.setdefault(community.street_id, []).append(community)
    served = SocialWorker.communities.through
    skilled = SocialWorker.skills.through
    serves, skills = [], []
    for worker, home in zip(workers, homes, strict=True):
        ctx.workers_by_community.setdefault(home.pk, []).append(worker)
        serves.append(served(socialworker=worker, community=home))
        nearby = [c for c in non_pilot_by_street.get(home.street_id, []) if c.pk != home.pk]
        if nearby and ctx.rng.random() < 0.15:
            serves.append(served(socialworker=worker, community=ctx.rng.choice(nearby)))
        for code in ctx.rng.sample(list(ctx.skills), ctx.rng.randint(1, 3)):
            skills.append(skilled(socialworker=worker, skill=ctx.skills[code]))
    bulk(served, serves, ctx)
    bulk(skilled, skills, ctx)


def _team_name(ctx: DemoContext, community) -> str:
    stem = community.name.removesuffix("社区")
    while True:
        name = stem + ctx.rng.choice(TEAM_WORDS) + "志愿服务队"
        if name not in ctx.used_names:
            ctx.used_names.add(name)
            return name


def _teams_and_volunteers(ctx: DemoContext) -> None:
    rng = ctx.rng
    teams = [VolunteerTeam(name="润梅志愿服务队", community=ctx.flagship, leader=ctx.runmei)]
    teams[0].founded_on = datetime.date(2014, 5, 4)
    for community in ctx.communities[1:]:
        leaders = ctx.workers_by_community.get(community.pk, [])
        if community.pilot_batch or (leaders and rng.random() < 0.3):
            teams.append(
                VolunteerTeam(
                    name=_team_name(ctx, community),
                    community=community,
                    leader=rng.choice(leaders) if leaders else None,
                    founded_on=datetime.date(rng.randint(2012, 2024), rng.randint(1, 12), 1),
                )
            )
    teams = bulk(VolunteerTeam, teams, ctx)
    rows = []
    for team in teams:
        for _ in range(rng.randint(5, 14)):
            rows.append(
                Volunteer(
                    name=young_name(ctx),
                    phone=mobile(ctx) if rng.random() < 0.85 else "",
                    team=team,
                )
            )
            # The draw that once gave typed hours: kept so the rest of the demo (which visits
            # fall in last week, which the callbacks and the project's milestone rely on)
            # stays as it was seeded.
            rng.randint(0, 1200)
    rows[0].name, rows[0].user = ctx.users["volunteer"].display_name, ctx.users["volunteer"]
    rows[0].phone = ctx.users["volunteer"].phone
    volunteers = bulk(Volunteer, rows, ctx)
    ctx.demo_volunteer = volunteers[0]
    skilled = Volunteer.skills.through
    links = []
    for volunteer in volunteers:
        ctx.volunteers_by_community.setdefault(volunteer.team.community_id, []).append(volunteer)
        for code in rng.sample(list(ctx.skills), rng.randint(1, 3)):
            links.append(skilled(volunteer=volunteer, skill=ctx.skills[code]))
    bulk(skilled, links, ctx)
