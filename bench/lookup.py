"""The hotline lookup over 200,000 residents: every form the search accepts, hits and misses.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sanlian_bench .venv/bin/python -m bench.lookup
        [--residents 200000] [--lookups 500] [--repeats 3]

Times `services.care.domain.residents.residents_search` exactly as the hotline page calls it
(a city-wide civil-affairs user, so the scope filters nothing) for each kind of term: last
four digits, a whole name, a surname alone, a given name, and three kinds of miss (a whole
name, a given name and a fragment nobody has). Its floor is the bare SQL of the predicate
that answers that kind (`SELECT id, name … WHERE … LIMIT 20`, no ORM, scope or joins).
Project path and floor are measured as interleaved repeats (≥ 3); the p95 of each repeat
is summarised as median and spread. Target: p95 ≤ 50 ms. A floor whose p95 is above
FLOOR_SANITY_P95_MS, or above the project's, makes the run exit 2 (a broken baseline);
a missed target exits 1.
"""

import argparse
import datetime
import random
import time

from bench.common import (
    database_vendor,
    django_setup,
    emit,
    floor_problems,
    interleaved,
    machine,
    percentiles,
    ratio,
    say,
    spread,
    spread_line,
    verdict,
)

RESIDENTS = 200_000
LOOKUPS = 500
SEED = 20260312
TARGET_P95_MS = 50.0
# A bare indexed lookup of 20 rows takes well under a millisecond; 20 ms means no index
# was used or the machine is too loaded to measure anything.
FLOOR_SANITY_P95_MS = 20.0
# Characters no seeded name uses: terms built from them are guaranteed misses.
ABSENT = "鑫淼焱垚犇骉晶磊"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "秀英桂兰玉梅凤珍淑华建国志明德明文荣金花永平福成海明秀珍丽红春生宝山树林振华"
REGION = "140105"  # 太原市小店区


def id_number(born: datetime.date, sequence: int) -> str:
    body = f"{REGION}{born:%Y%m%d}{sequence:03d}"
    from sanlian.validators import resident_id_check_char

    return body + resident_id_check_char(body)


def residents_seed(count: int) -> None:
    """Bulk-load `count` residents with valid-looking names, phones and ID numbers (idempotent)."""
    from django.db import transaction

    from communities.models import Community, District, Resident, Street

    if Resident.objects.filter(address="基准地址").count() == count:
        return
    from bench.matching import database_clear

    database_clear()
    rng = random.Random(SEED)
    with transaction.atomic():
        district = District.objects.create(code="140105", name="小店区")
        street = Street.objects.create(district=district, code="140105001000", name="基准街道")
        communities = Community.objects.bulk_create(
            Community(street=street, code=f"L{c:06d}", name=f"基准{c}社区") for c in range(200)
        )
        seen: set[tuple[datetime.date, int]] = set()
        Resident.objects.bulk_create(
            (_resident(Resident, rng, i, communities, seen) for i in range(count)),
            batch_size=5000,
        )


def _resident(Resident, rng: random.Random, i: int, communities: list, seen: set):
    while True:
        born = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randint(0, 35 * 365))
        sequence = rng.randint(0, 999)
        if (born, sequence) not in seen:
            seen.add((born, sequence))
            break
    phone = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
    return Resident(
        name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.randint(1, 2))),
        sex="F" if sequence % 2 == 0 else "M",
        birth_date=born,
        id_number=id_number(born, sequence),
        phone=phone,
        phone_last4=phone[-4:],  # bulk_create skips save(), which keeps it in step
        address="基准地址",
        community=communities[i % len(communities)],
        living_situation=rng.choice(["alone", "empty_nest", "with_family"]),
    )


def search_terms(rng: random.Random, residents: int, lookups: int) -> dict[str, list[str]]:
    from communities.models import Resident

    step = max(residents // 1000, 1)
    sample = list(Resident.objects.order_by("pk").values_list("phone", "name")[::step])
    picks = [rng.choice(sample) for _ in range(lookups)]

    def absent(n: int) -> str:
        return "".join(rng.sample(ABSENT, n))

    return {
        "last4": [phone[-4:] for phone, _ in picks],
        "full_name": [name for _, name in picks],
        "surname_only": [name[0] for _, name in picks],
        # The given name alone: not a prefix of the name, the expression index answers it.
        "given_name": [name[1:] for _, name in picks],
        "name_miss": [rng.choice(SURNAMES) + absent(2) for _ in range(lookups)],
        "given_name_miss": [absent(2) for _ in range(lookups)],
        "fragment_miss": [absent(3) for _ in range(lookups)],
    }


# The floor of each kind: the bare predicate that answers it (the costliest branch for a miss).
FLOOR_SQL = {
    "last4": ("phone_last4 = %s", "{}"),
    "full_name": ("name LIKE %s", "{}%"),
    "surname_only": ("name LIKE %s", "{}%"),
    "given_name": ("substring(name, 2) LIKE %s", "{}%"),
    "name_miss": ("name LIKE %s", "%{}%"),
    "given_name_miss": ("substring(name, 2) LIKE %s", "{}%"),
    "fragment_miss": ("name LIKE %s", "%{}%"),
}


def timed_lookups(user, terms: list[str]) -> list[float]:
    from services.care.domain.residents import residents_search

    seconds = []
    for term in terms:
        began = time.perf_counter()
        list(residents_search(user=user, term=term))
        seconds.append(time.perf_counter() - began)
    return seconds


def timed_floor(kind: str, terms: list[str]) -> list[float]:
    from django.db import connection

    predicate, pattern = FLOOR_SQL[kind]
    sql = f"SELECT id, name FROM communities_resident WHERE {predicate} LIMIT 20"  # noqa: S608
    seconds = []
    with connection.cursor() as cursor:
        for term in terms:
            began = time.perf_counter()
            cursor.execute(sql, [pattern.format(term)])
            cursor.fetchall()
            seconds.append(time.perf_counter() - began)
    return seconds


def kind_measure(user, kind: str, terms: list[str], repeats: int) -> dict:
    timed_lookups(user, terms[:20])  # warm the cache and the connection
    samples = interleaved(
        {
            "project": lambda: percentiles(timed_lookups(user, terms))["p95_ms"],
            "floor": lambda: percentiles(timed_floor(kind, terms))["p95_ms"],
        },
        repeats,
    )
    project, floor = spread(samples["project"]), spread(samples["floor"])
    return {
        "project_p95_ms": project,
        "floor_p95_ms": floor,
        "project_vs_floor": ratio(project["median"], floor["median"]),
        "meets_target": project["median"] <= TARGET_P95_MS,
        "floor_problems": floor_problems(
            floor=f"{kind} floor p95 ms",
            floor_value=floor["median"],
            project_value=project["median"],
            higher_is_better=False,
            sanity=FLOOR_SANITY_P95_MS,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=RESIDENTS)
    parser.add_argument("--lookups", type=int, default=LOOKUPS)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    django_setup()
    from django.db import connection

    from sanlian.models import User

    if connection.vendor != "postgresql":
        say("The indexes measured here are PostgreSQL's (pg_trgm): use PostgreSQL.")
    began = time.perf_counter()
    residents_seed(args.residents)
    say(f"{args.residents} residents ready in {time.perf_counter() - began:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE communities_resident")
    user, _ = User.objects.update_or_create(
        username="bench-hotline", defaults={"role": "civil_affairs"}
    )
    terms = search_terms(random.Random(SEED), args.residents, args.lookups)
    results = {}
    for kind, kind_terms in terms.items():
        results[kind] = kind_measure(user, kind, kind_terms, args.repeats)
        say(spread_line(f"{kind} p95", results[kind]["project_p95_ms"], "ms"))
        say(spread_line(f"{kind} floor p95", results[kind]["floor_p95_ms"], "ms"))
    checks = {f"{kind}_p95_le_50ms": result["meets_target"] for kind, result in results.items()}
    problems = [problem for result in results.values() for problem in result["floor_problems"]]
    status = verdict(checks, problems)
    emit(
        {
            "benchmark": "lookup",
            "database": database_vendor(),
            "machine": machine(),
            "residents": args.residents,
            "lookups_per_kind": args.lookups,
            "repeats": args.repeats,
            "target_p95_ms": TARGET_P95_MS,
            "kinds": results,
            "checks": checks,
            "status": status,
        }
    )
    raise SystemExit(status)


if __name__ == "__main__":
    main()
