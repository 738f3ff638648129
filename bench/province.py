"""The same paths at several data sizes, and how their time grows (issue 20, province run).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sanlian_bench \
        .venv/bin/python -m bench.province --scales 0.1,1,2

Shanxi's 11 cities would bring about 20 million visits a year to one deployment; today's
city is bench/api.py's (200,000 residents, 400,000 requests, 1,000,000 visits = scale 1).
For each scale the city is seeded afresh (bench/api.py's SQL, plus one reminder per visit:
sent for the past, pending for the scheduled ones), then measured in-process (Django test
client, DEBUG off, as interleaved repeats, median and spread):

- list: the first page of the visits city-wide (civil affairs) and of the requests of one
  street (street staff), with the cached count (warm) and with the count computed (cold);
- lookup: the hotline search (`residents_search`) by last four digits, whole name, surname
  alone and a name nobody has, p95 over `--lookups` terms;
- dispatch: a beat tick with nothing due (the sweep's claim and the ETA look-ahead), and
  `--due` reminders due at once claimed and sent in batches (reminders per second).

The growth exponent of each figure between two sizes is log(t2 / t1) / log(n2 / n1):
0 means the size does not matter, 1 that time grows with the rows. Printed per pair of
neighbouring scales and from the smallest to the largest. No floor: the figures are
compared with themselves at another size, in the same run.
"""

import argparse
import itertools
import math
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import (
    database_vendor,
    django_setup,
    emit,
    interleaved,
    machine,
    percentiles,
    say,
    spread,
    spread_line,
)

SEED = 20
BATCH = 500


def reminders_seed(due: int) -> dict[str, int]:
    """One reminder per visit: sent for visits not scheduled, pending (a day to a month
    ahead) for scheduled ones, of which `due` fall due now."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE services_reminder RESTART IDENTITY CASCADE")
        cursor.execute(
            """INSERT INTO services_reminder (visit_id, recipient_key, channel, offset_minutes,
                   due_at, status, attempts, response, idempotency_key, urgent, sent_at)
               SELECT v.id, 'resident:' || r.resident_id, 'sms', 60,
                   CASE WHEN v.status = 'scheduled'
                        THEN now() + (1 + v.id % 30) * INTERVAL '1 day'
                        ELSE v.scheduled_start - INTERVAL '1 hour' END,
                   CASE WHEN v.status = 'scheduled' THEN 'pending' ELSE 'sent' END,
                   CASE WHEN v.status = 'scheduled' THEN 0 ELSE 1 END,
                   '', gen_random_uuid(), false,
                   CASE WHEN v.status = 'scheduled' THEN NULL
                        ELSE v.scheduled_start - INTERVAL '1 hour' END
               FROM services_visit v JOIN services_servicerequest r ON r.id = v.request_id"""
        )
        cursor.execute("ANALYZE services_reminder")
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'pending') FROM services_reminder"
        )
        rows, pending = cursor.fetchone()
    return {"reminders": rows, "pending": pending}


def due_make(count: int) -> None:
    """`count` pending reminders (fresh keys) fall due a minute ago."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE services_reminder SET due_at = now() - INTERVAL '1 minute',
                   idempotency_key = gen_random_uuid()
               WHERE id IN (SELECT id FROM services_reminder WHERE status = 'pending'
                            ORDER BY id LIMIT %s)""",
            [count],
        )


def due_restore() -> None:
    """Sent back to pending a month ahead, so the next round finds the same table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE services_reminder SET status = 'pending', attempts = 0, sent_at = NULL,
                   claim_token = NULL, claimed_at = NULL, response = '',
                   due_at = now() + (1 + id % 30) * INTERVAL '1 day'
               WHERE status IN ('sent', 'sending') AND sent_at > now() - INTERVAL '1 hour'"""
        )


def dispatch_per_s(due: int) -> float:
    """Claim and send `due` due reminders in batches, as one sender does."""
    from services.notifications.reminders import reminders_send_due

    due_make(due)
    began = time.perf_counter()
    handled = reminders_send_due(batch_size=BATCH, deadline=time.monotonic() + 600)
    seconds = time.perf_counter() - began
    due_restore()
    if handled != due:
        raise RuntimeError(f"sent {handled} of {due}")
    return due / seconds


def idle_tick_ms() -> float:
    """What beat's tick costs when nothing is due: the claim of every channel and the ETA
    look-ahead (the sweep's fixed price, paid every minute whatever the size)."""
    from django.core.cache import cache
    from django.utils import timezone

    from services.notifications.reminders import (
        ETA_WATERMARK_KEY,
        reminders_claim_due,
        reminders_enqueue_ahead,
    )

    cache.delete(ETA_WATERMARK_KEY)
    began = time.perf_counter()
    now = timezone.now()
    for channel in ("in_app", "sms", "email"):
        reminders_claim_due(now=now, limit=BATCH, channel=channel)
    reminders_enqueue_ahead(now=now)
    return (time.perf_counter() - began) * 1000


def list_ms(client, url: str, token: str, *, cold: bool) -> float:
    from django.conf import settings

    # Cold: the count computed by this request, not read from the cache.
    cached = settings.API_COUNT_CACHE_SECONDS
    settings.API_COUNT_CACHE_SECONDS = 0 if cold else cached
    began = time.perf_counter()
    try:
        response = client.get(url, HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    finally:
        settings.API_COUNT_CACHE_SECONDS = cached
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return (time.perf_counter() - began) * 1000


def lookup_terms(lookups: int) -> dict[str, list[str]]:
    from bench.lookup import search_terms
    from communities.models import Resident

    terms = search_terms(random.Random(SEED), Resident.objects.count(), lookups)
    return {kind: terms[kind] for kind in ("last4", "full_name", "surname_only", "name_miss")}


def lookup_p95_ms(user, terms: list[str]) -> float:
    from bench.lookup import timed_lookups

    return percentiles(timed_lookups(user, terms))["p95_ms"]


def measure(args) -> dict:
    from django.test import Client

    from bench.api import users_ensure
    from sanlian.models import User

    tokens, client = users_ensure(), Client(raise_request_exception=True)
    hotline, _ = User.objects.update_or_create(
        username="bench-hotline", defaults={"role": "civil_affairs"}
    )
    terms = lookup_terms(args.lookups)
    visits = "/api/v1/visits/?page_size=50"
    requests = "/api/v1/requests/?page_size=50"
    city, street = tokens["civil_affairs"], tokens["street_staff"]
    sides = {
        "list_visits_city_warm_ms": lambda: list_ms(client, visits, city, cold=False),
        "list_visits_city_cold_ms": lambda: list_ms(client, visits, city, cold=True),
        "list_requests_street_warm_ms": lambda: list_ms(client, requests, street, cold=False),
        "list_requests_street_cold_ms": lambda: list_ms(client, requests, street, cold=True),
        "idle_tick_ms": idle_tick_ms,
    }
    sides |= {
        f"lookup_{kind}_p95_ms": (lambda t=t: lookup_p95_ms(hotline, t))
        for kind, t in terms.items()
    }
    for side in sides.values():
        side()  # warm the connection, the plans and the cached count once
    samples = interleaved(sides, args.repeats)
    dispatch = [dispatch_per_s(args.due) for _round in range(args.repeats)]
    result = {name: spread(values) for name, values in samples.items()}
    result["dispatch_per_s"] = spread(dispatch)
    return result


def growth(small: dict, large: dict, size_ratio: float) -> dict[str, float | None]:
    """log(t2 / t1) / log(n2 / n1) per figure (per second figures: of their inverse)."""
    exponents = {}
    for name, figure in small.items():
        a, b = figure["median"], large[name]["median"]
        if name.endswith("_per_s"):
            a, b = 1 / a, 1 / b
        exponents[name] = round(math.log(b / a) / math.log(size_ratio), 2) if a and b else None
    return exponents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="0.1,1", help="of bench/api.py's city, ascending")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--due", type=int, default=5000)
    args = parser.parse_args()
    os.environ["DEBUG"] = "0"  # no query log: it would grow with the work measured
    # Its own cache in memory: nothing here needs Redis, and the ETA watermark it moves
    # must not be a running worker's.
    os.environ["REDIS_URL"] = ""
    os.environ.setdefault("SECRET_KEY", "bench-province-only-not-a-secret")
    os.environ.setdefault("SECURE_SSL", "false")
    os.environ.setdefault("API_THROTTLE_USER", "10000000/min")
    os.environ["SMS_QUIET_HOURS"] = ""
    folder = Path(tempfile.mkdtemp(prefix="bench-province-"))
    os.environ.setdefault("SMS_LOG_PATH", str(folder / "sms.log"))
    django_setup()
    from django.conf import settings

    import bench.api as city

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    scales = [float(part) for part in args.scales.split(",")]
    runs = []
    for scale in scales:
        city.sizes_scale(scale)
        began = time.perf_counter()
        if not city.seeded():
            say(f"seeding scale {scale}: {city.VISITS:,} visits …")
            city.database_seed()
        rows = reminders_seed(0)
        seeded_s = round(time.perf_counter() - began, 1)
        say(
            f"scale {scale}: {city.VISITS:,} visits, {rows['reminders']:,} reminders, "
            f"ready in {seeded_s}s"
        )
        figures = measure(args)
        for name, figure in figures.items():
            say(spread_line(name, figure, ""))
        runs.append(
            {
                "scale": scale,
                "visits": city.VISITS,
                "residents": city.RESIDENTS,
                "seed_s": seeded_s,
                **rows,
                "figures": figures,
            }
        )
    exponents = {}
    pairs = list(itertools.pairwise(runs))
    if len(runs) > 2:
        pairs.append((runs[0], runs[-1]))
    for small, large in pairs:
        key = f"{small['visits']}->{large['visits']}"
        exponents[key] = growth(
            small["figures"], large["figures"], large["visits"] / small["visits"]
        )
        say(f"growth exponent {key}: " + ", ".join(f"{k} {v}" for k, v in exponents[key].items()))
    emit(
        {
            "benchmark": "province",
            "database": database_vendor(),
            "machine": machine(),
            "repeats": args.repeats,
            "runs": runs,
            "growth_exponent": exponents,
            "median_exponent": {
                key: statistics.median(v for v in values.values() if v is not None)
                for key, values in exponents.items()
            },
        }
    )


if __name__ == "__main__":
    main()
