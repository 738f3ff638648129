"""Demo builder, part 1: districts, streets, communities, venues and older residents."""

import datetime
import random
from decimal import Decimal

from communities.models import (
    Community,
    Consent,
    District,
    FamilyMember,
    PilotBatch,
    Resident,
    Street,
    Venue,
)
from demo import data
from demo.kit import (
    DemoContext,
    bulk,
    bulk_dated,
    elder_name,
    mobile,
    resident_id,
    weighted,
    years_before,
    young_name,
)

COMMUNITIES_PER_STREET = 4
NON_PILOT_COMMUNITIES = 100
PROVINCE_PILOTS = 21
CITY_PILOTS = 29
FLAGSHIP_MIN_RESIDENTS = 25


def places_build(ctx: DemoContext) -> None:
    _districts_and_streets(ctx)
    _communities(ctx)
    _venues(ctx)


def _districts_and_streets(ctx: DemoContext) -> None:
    ctx.districts = bulk(
        District, [District(code=code, name=name) for code, name, *_ in data.DISTRICTS], ctx
    )
    streets = []
    for district, (code, _, _, _, names) in zip(ctx.districts, data.DISTRICTS, strict=True):
        streets += [
            Street(district=district, code=f"{code}{index:03d}000", name=name)
            for index, name in enumerate(names, start=1)
        ]
    ctx.streets = bulk(Street, streets, ctx)


def _community_names(ctx: DemoContext, count: int) -> list[str]:
    names = [data.FLAGSHIP_COMMUNITY]
    while len(names) < count:
        name = ctx.rng.choice(data.COMMUNITY_STEMS) + ctx.rng.choice(data.COMMUNITY_SUFFIXES)
        if name + "社区" not in names:
            names.append(name + "社区")
    return names


def _street_slots(ctx: DemoContext, total: int) -> list[Street]:
    """Which street each community lies in: the flagship's street first, the rest spread."""
    flagship_street = next(s for s in ctx.streets if s.name == data.FLAGSHIP_STREET)
    slots = [street for street in ctx.streets for _ in range(COMMUNITIES_PER_STREET)]
    slots += ctx.rng.sample(ctx.streets, total - len(slots))
    slots.remove(flagship_street)
    ctx.rng.shuffle(slots)
    return [flagship_street, *slots]


def _pilot_batches(ctx: DemoContext, total: int) -> list[str]:
    rest = [PilotBatch.PROVINCE] * (PROVINCE_PILOTS - 1) + [PilotBatch.CITY] * CITY_PILOTS
    rest += [PilotBatch.NONE] * (total - 1 - len(rest))
    ctx.rng.shuffle(rest)
    return [PilotBatch.PROVINCE, *rest]


def _community(ctx: DemoContext, *, street, name, code, batch) -> Community:
    rng = ctx.rng
    households = rng.randint(1500, 4500) if batch else rng.randint(600, 3500)
    population = int(households * rng.uniform(2.5, 3.1))
    misses_target = rng.random() < (0.25 if batch else 0.4)
    per_100 = rng.uniform(10, 29) if misses_target else rng.uniform(30.5, 65)
    _, _, lat, lon, _ = next(d for d in data.DISTRICTS if d[0] == street.code[:6])
    return Community(
        street=street,
        code=code,
        name=name,
        households=households,
        population=population,
        residents_60_plus=int(population * rng.uniform(0.13, 0.24)),
        facility_area_m2=Decimal(f"{households * per_100 / 100:.1f}"),
        pilot_batch=batch,
        latitude=Decimal(f"{min(37.95, max(37.75, lat + rng.uniform(-0.03, 0.03))):.6f}"),
        longitude=Decimal(f"{min(112.65, max(112.45, lon + rng.uniform(-0.03, 0.03))):.6f}"),
    )


def _communities(ctx: DemoContext) -> None:
    total = PROVINCE_PILOTS + CITY_PILOTS + NON_PILOT_COMMUNITIES
    names = _community_names(ctx, total)
    batches = _pilot_batches(ctx, total)
    per_street: dict[int, int] = {}
    rows = []
    for street, name, batch in zip(_street_slots(ctx, total), names, batches, strict=True):
        per_street[street.pk] = per_street.get(street.pk, 0) + 1
        code = f"{street.code[:9]}{per_street[street.pk]:03d}"
        rows.append(_community(ctx, street=street, name=name, code=code, batch=batch))
    ctx.communities = bulk(Community, rows, ctx)
    ctx.flagship = ctx.communities[0]
    ctx.street_of = {street.pk: street for street in ctx.streets}
    ctx.district_of = {district.pk: district for district in ctx.districts}
    ctx.road_of = {
        community.pk: (ctx.rng.choice(data.ROADS), ctx.rng.randint(1, 300))
        for community in ctx.communities
    }


def _venues(ctx: DemoContext) -> None:
    rows = []
    for community in ctx.communities:
        area = community.facility_area_m2
        kinds = [(Venue.Kind.ACTIVITY_ROOM, "老年活动室", Decimal("0.3"))]
        if community.pilot_batch or ctx.rng.random() < 0.3:
            kinds.insert(0, (Venue.Kind.DAY_CARE, "日间照料中心", Decimal("0.45")))
        if community.pilot_batch and ctx.rng.random() < 0.4:
            kinds.append((Venue.Kind.CANTEEN, "老年食堂", Decimal("0.2")))
        for kind, name, share in kinds:
            venue_area = max(Decimal("20.0"), (area * share).quantize(Decimal("0.1")))
            rows.append(
                Venue(
                    community=community,
                    name=name,
                    kind=kind,
                    area_m2=venue_area,
                    capacity=max(10, int(venue_area / 4)),
                )
            )
    for venue in bulk(Venue, rows, ctx):
        ctx.venues_by_community.setdefault(venue.community_id, []).append(venue)


def residents_build(ctx: DemoContext) -> None:
    homes = [ctx.flagship] * FLAGSHIP_MIN_RESIDENTS
    weights = [c.residents_60_plus * (3 if c.pilot_batch else 1) for c in ctx.communities]
    homes += ctx.rng.choices(ctx.communities, weights=weights, k=ctx.residents_wanted - len(homes))
    used_ids: set[str] = set()
    rows = [_demo_resident(ctx, used_ids)]
    rows += [_resident(ctx, community, used_ids) for community in homes[1:]]
    ctx.residents = bulk_dated(Resident, rows, ctx, "created_at")
    ctx.demo_resident = ctx.residents[0]
    _consents(ctx)
    bulk(
        FamilyMember,
        [FamilyMember(user=ctx.users["family"], resident=ctx.demo_resident, relationship="儿子")],
        ctx,
    )


def _age(ctx: DemoContext) -> int:
    """60–98, most in their sixties and seventies, as in any Taiyuan community."""
    return 60 + min(38, int(ctx.rng.expovariate(1 / 10)))


def _birth_date(ctx: DemoContext, age: int) -> datetime.date:
    latest = years_before(ctx.today, age)
    earliest = years_before(ctx.today, age + 1) + datetime.timedelta(days=1)
    return earliest + datetime.timedelta(days=ctx.rng.randrange((latest - earliest).days + 1))


def _id_number(ctx: DemoContext, region: str, birth, sex: str, used: set) -> str:
    """The 17th digit is odd for men and even for women (GB 11643)."""
    while True:
        sequence = ctx.rng.randrange(500) * 2 + (1 if sex == "M" else 0)
        number = resident_id(region, birth, sequence)
        if number not in used:
            used.add(number)
            return number


SIX_PLACES = Decimal("0.000001")


def _home_position(community: Community, id_number: str) -> tuple[Decimal, Decimal]:
    """A home within about 300 m of its community's centre (field visit verification).

    Seeded from the ID number, not `ctx.rng`: drawing from the demo's generator here would
    change every resident, request and visit drawn after it.
    """
    home = random.Random(id_number)
    lat = float(community.latitude or Decimal("37.87")) + home.uniform(-0.0027, 0.0027)
    lon = float(community.longitude or Decimal("112.55")) + home.uniform(-0.0034, 0.0034)
    return Decimal(str(lat)).quantize(SIX_PLACES), Decimal(str(lon)).quantize(SIX_PLACES)


def _address(ctx: DemoContext, community: Community) -> str:
    rng = ctx.rng
    street = ctx.street_of[community.street_id]
    district = ctx.district_of[street.district_id]
    road, number = ctx.road_of[community.pk]
    building, entrance, floor, door = (rng.randint(1, n) for n in (24, 6, 18, 4))
    flat = f"{building}号楼{entrance}单元{floor}{door:02d}室"
    return f"太原市{district.name}{road}{number}号{community.name}{flat}"


def _living_and_care(ctx: DemoContext, age: int) -> tuple[str, str]:
    old = age >= 80
    living = weighted(
        ctx, {"alone": 35 if old else 20, "empty_nest": 35, "with_family": 30 if old else 45}
    )
    care = weighted(
        ctx,
        {"self_reliant": 45 if old else 80, "semi_dependent": 35 if old else 15, "dependent": 20},
    )
    return living, care


def _resident(ctx: DemoContext, community: Community, used_ids: set, **fixed) -> Resident:
    rng = ctx.rng
    sex = fixed.get("sex") or ("F" if rng.random() < 0.55 else "M")
    age = fixed.get("age") or _age(ctx)
    birth = _birth_date(ctx, age)
    region = ctx.street_of[community.street_id].code[:6]
    living, care = _living_and_care(ctx, age)
    name = fixed.get("name") or elder_name(ctx, sex)
    has_contact = rng.random() < 0.92
    phone = mobile(ctx) if rng.random() < 0.85 else ""
    id_number = _id_number(ctx, region, birth, sex, used_ids)
    latitude, longitude = _home_position(community, id_number)
    return Resident(
        name=name,
        sex=sex,
        birth_date=birth,
        id_number=id_number,
        latitude=latitude,
        longitude=longitude,
        phone=phone,
        phone_last4=phone[-4:],
        address=_address(ctx, community),
        community=community,
        living_situation=fixed.get("living") or living,
        care_level=fixed.get("care") or care,
        low_income=rng.random() < 0.12,
        emergency_contact_name=young_name(ctx, name[0]) if has_contact else "",
        emergency_contact_phone=mobile(ctx) if has_contact else "",
        user=fixed.get("user"),
        created_at=ctx.at(ctx.days_ago(rng.randint(20, 1000)), rng.randint(8, 17)),
    )


def _demo_resident(ctx: DemoContext, used_ids: set) -> Resident:
    """The 83-year-old man living alone whom 润梅志愿服务队 visits (source article)."""
    resident = _resident(
        ctx,
        ctx.flagship,
        used_ids,
        sex="M",
        age=83,
        name="李德厚",
        living="alone",
        care="semi_dependent",
        user=ctx.users["resident"],
    )
    resident.low_income = True
    resident.emergency_contact_name = ctx.users["family"].display_name
    resident.emergency_contact_phone = ctx.users["family"].phone
    return resident


def _consents(ctx: DemoContext) -> None:
    recorder = ctx.users["community"]
    rows = []
    for resident in ctx.residents:
        given_by = weighted(ctx, {"self": 80, "family": 12, "guardian": 8})
        rows.append(
            Consent(
                resident=resident,
                given_by=given_by,
                guardian_name=resident.emergency_contact_name or young_name(ctx)
                if given_by == "guardian"
                else "",
                channel=weighted(ctx, {"paper": 50, "walk_in": 25, "hotline": 15, "web": 10}),
                recorded_by=recorder if resident.community_id == ctx.flagship.pk else None,
                given_at=resident.created_at,
            )
        )
    bulk(Consent, rows, ctx)
