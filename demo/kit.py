"""Shared state and small helpers for the demo builder (see demo/seed.py)."""

import datetime
import random
from dataclasses import dataclass, field

from django.utils import timezone

from demo import data
from sanlian.validators import credit_code_check_char, resident_id_check_char

BATCH = 500
_CREDIT_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass
class DemoContext:
    """Everything the builder steps share: one random stream, one anchor day, the rows so far."""

    rng: random.Random
    today: datetime.date
    residents_wanted: int
    users: dict = field(default_factory=dict)
    used_phones: set = field(default_factory=set)
    used_codes: set = field(default_factory=set)
    used_names: set = field(default_factory=set)
    districts: list = field(default_factory=list)
    streets: list = field(default_factory=list)
    communities: list = field(default_factory=list)
    street_of: dict = field(default_factory=dict)
    district_of: dict = field(default_factory=dict)
    road_of: dict = field(default_factory=dict)  # community id -> (road, house number)
    venues_by_community: dict = field(default_factory=dict)
    flagship: object = None
    organizations: list = field(default_factory=list)
    article_orgs: dict = field(default_factory=dict)
    active_agreements: dict = field(default_factory=dict)  # org id -> [community]
    skills: dict = field(default_factory=dict)
    workers_by_community: dict = field(default_factory=dict)
    volunteers_by_community: dict = field(default_factory=dict)
    runmei: object = None
    demo_volunteer: object = None
    service_types: dict = field(default_factory=dict)
    offerings: list = field(default_factory=list)
    offerings_by_slot: dict = field(default_factory=dict)  # (community id, type id) -> [offering]
    offering_orgs: dict = field(default_factory=dict)
    residents: list = field(default_factory=list)
    demo_resident: object = None
    counts: dict = field(default_factory=dict)

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        """An aware local datetime: the demo lives in Asia/Shanghai."""
        naive = datetime.datetime.combine(day, datetime.time(hour, minute))
        return timezone.make_aware(naive)

    def days_ago(self, days: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days)


def bulk(model, objects: list, ctx: DemoContext | None = None) -> list:
    created = model.objects.bulk_create(objects, batch_size=BATCH)
    if ctx is not None:
        key = model._meta.label
        ctx.counts[key] = ctx.counts.get(key, 0) + len(created)
    return created


def bulk_dated(model, objects: list, ctx: DemoContext, field_name: str) -> list:
    """bulk_create, then restore the historical `field_name` that auto_now_add overwrote."""
    wanted = [getattr(obj, field_name) for obj in objects]
    created = bulk(model, objects, ctx)
    for obj, value in zip(created, wanted, strict=True):
        setattr(obj, field_name, value)
    model.objects.bulk_update(created, [field_name], batch_size=BATCH)
    return created


def person_name(ctx: DemoContext, given: tuple[str, ...], surname: str | None = None) -> str:
    surname = surname or ctx.rng.choices(data.SURNAMES, weights=data.SURNAME_WEIGHTS)[0]
    return surname + ctx.rng.choice(given)


def elder_name(ctx: DemoContext, sex: str) -> str:
    return person_name(ctx, data.ELDER_MALE_GIVEN if sex == "M" else data.ELDER_FEMALE_GIVEN)


def young_name(ctx: DemoContext, surname: str | None = None) -> str:
    return person_name(ctx, data.YOUNG_GIVEN, surname)


def mobile(ctx: DemoContext) -> str:
    while True:
        number = ctx.rng.choice(data.MOBILE_PREFIXES) + f"{ctx.rng.randrange(10**8):08d}"
        if number not in ctx.used_phones:
            ctx.used_phones.add(number)
            return number


def credit_code(ctx: DemoContext, *, kind: str, region: str) -> str:
    """GB 32100: 5 = civil-affairs registration, kind, region, organization code, check."""
    while True:
        body = "MJ" + "".join(ctx.rng.choice(_CREDIT_BODY) for _ in range(7))
        first17 = f"5{kind}{region}{body}"
        if first17 not in ctx.used_codes:
            ctx.used_codes.add(first17)
            return first17 + credit_code_check_char(first17)


def resident_id(region: str, birth: datetime.date, sequence: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def weighted(ctx: DemoContext, table: dict):
    """Pick a key of `table` with probability proportional to its value."""
    return ctx.rng.choices(list(table), weights=list(table.values()))[0]
