"""The hotline lookup over 200,000 residents: by last four phone digits and by part of a name.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sanlian_bench .venv/bin/python -m bench.lookup

Times `services.care.domain.residents.residents_search` exactly as the hotline page calls it
(a city-wide civil-affairs user, so the scope filters nothing), p50/p95 over 500
lookups per kind, and the same queries with index scans switched off (a sequential
scan) as the baseline measured in the same run. Target: p95 ≤ 50 ms.
"""

import argparse
import datetime
import random
import time

from bench.common import database_vendor, django_setup, emit, machine, percentiles, ratio, say

RESIDENTS = 200_000
LOOKUPS = 500
SEED = 20260312
TARGET_P95_MS = 50.0
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


def search_terms(rng: random.Random) -> dict[str, list[str]]:
    from communities.models import Resident

    sample = list(
        Resident.objects.order_by("pk").values_list("phone", "name")[:: RESIDENTS // 1000]
    )
    picks = [rng.choice(sample) for _ in range(LOOKUPS)]
    return {
        "last4": [phone[-4:] for phone, _ in picks],
        # The given name alone: a fragment that is not a prefix, so no B-tree helps.
        "name_fragment": [name[1:] for _, name in picks],
        "full_name": [name for _, name in picks],
    }


def timed_lookups(user, terms: list[str], *, sequential: bool) -> list[float]:
    from django.db import connection, transaction

    from services.care.domain.residents import residents_search

    seconds = []
    for term in terms:
        with transaction.atomic():
            if sequential:
                # The baseline: the very same query, with every index scan forbidden.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL enable_indexscan = off")
                    cursor.execute("SET LOCAL enable_bitmapscan = off")
                    cursor.execute("SET LOCAL enable_indexonlyscan = off")
            began = time.perf_counter()
            list(residents_search(user=user, term=term))
            seconds.append(time.perf_counter() - began)
    return seconds


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    django_setup()
    from django.db import connection

    from sanlian.models import User

    if connection.vendor != "postgresql":
        say("The baseline forces sequential scans with PostgreSQL settings: use PostgreSQL.")
    began = time.perf_counter()
    residents_seed(RESIDENTS)
    say(f"{RESIDENTS} residents ready in {time.perf_counter() - began:.1f}s on {database_vendor()}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE communities_resident")
    user, _ = User.objects.update_or_create(
        username="bench-hotline", defaults={"role": "civil_affairs"}
    )
    terms = search_terms(random.Random(SEED))
    results = {}
    for kind, kind_terms in terms.items():
        timed_lookups(user, kind_terms[:20], sequential=False)  # warm the cache
        indexed = percentiles(timed_lookups(user, kind_terms, sequential=False))
        scanned = percentiles(timed_lookups(user, kind_terms[:100], sequential=True))
        results[kind] = {
            "indexed": indexed,
            "sequential_scan": scanned,
            "p95_speedup": ratio(scanned["p95_ms"], indexed["p95_ms"]),
            "meets_target": indexed["p95_ms"] <= TARGET_P95_MS,
        }
        say(
            f"{kind:<14} p50 {indexed['p50_ms']:7.2f} ms  p95 {indexed['p95_ms']:7.2f} ms"
            f"   sequential scan p95 {scanned['p95_ms']:8.2f} ms"
            f"   ({results[kind]['p95_speedup']} × faster)"
        )
    emit(
        {
            "benchmark": "lookup",
            "database": database_vendor(),
            "machine": machine(),
            "residents": RESIDENTS,
            "lookups_per_kind": LOOKUPS,
            "target_p95_ms": TARGET_P95_MS,
            "kinds": results,
        }
    )


if __name__ == "__main__":
    main()
