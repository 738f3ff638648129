"""The REST API at city scale under load: list, statistics and deep pages, against a bare view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sanlian_bench .venv/bin/python -m bench.api

Seeds 200,000 residents, 400,000 requests and 1,000,000 visits with INSERT … SELECT
over generate_series (deterministic, about a minute; reused when already there),
starts gunicorn on 127.0.0.1 (DEBUG off, Redis cache) and drives it with wrk (or,
when wrk is missing, bench/loadgen.py) at a fixed concurrency and duration:

- GET /api/v1/requests/?page_size=50 as street staff (token auth);
- the floor: GET /bench/requests/ — a bare Django view returning the same 50 rows
  with `.values()` (mounted only with BENCHMARK_VIEWS=1);
- GET /api/v1/stats/overview/ as a dashboard token.

In-process (Django test client) it counts queries per request at page sizes 10 and
100, times the cold statistics computation, and times the first page of the visits
against the page holding row 900,000 by cursor and the last page a page number may
reach (API_MAX_PAGE; the next one must answer 400).
Targets: list ≥ 50 % of the bare view's requests/s; overview p95 ≤ 150 ms; the same
number of queries at page sizes 10 and 100; deep pages ≤ 2 × the first page.

Every timed figure is measured as interleaved repeats (`--repeats`, ≥ 3: A B, B A, …)
of the project path and its floor, printed as median and spread. A bare view slower
than FLOOR_SANITY_RPS, or slower than the API list it is the floor of, is a broken
baseline: the run exits 2 instead of passing. A missed target exits 1.
`--scale 0.01` runs the same at a hundredth of the rows (a check that it works).
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.common import (
    database_vendor,
    django_setup,
    emit,
    floor_problems,
    interleaved,
    machine,
    ratio,
    say,
    spread,
    spread_line,
    verdict,
)

RESIDENTS = 200_000
REQUESTS = 400_000
VISITS = 1_000_000
STREETS = 10
COMMUNITIES_PER_STREET = 10
ORGANIZATIONS = 50
OFFERINGS = 200
MARKER = "基准API地址"  # the address of every seeded resident: tells a seeded database
DEEP_ROW = 900_000
PAGE_SIZE = 50
ROOT = Path(__file__).resolve().parents[1]
BENCH_REDIS_URL = "redis://127.0.0.1:6379/7"
TARGETS = {"list_vs_bare": 0.5, "overview_p95_ms": 150.0, "deep_vs_first": 2.0}
# A bare `.values()` view of 50 rows serves hundreds of requests/s on two cores; below
# this the floor itself is broken (issue 20: a floor at 5.9 req/s let the list "pass").
FLOOR_SANITY_RPS = 50.0


def sizes_scale(scale: float) -> None:
    """Shrink the seeded city (and the deep row) by `scale`: for checking the bench runs."""
    global RESIDENTS, REQUESTS, VISITS, DEEP_ROW  # one switch for every function of the module
    RESIDENTS, REQUESTS, VISITS = (max(int(n * scale), 1000) for n in (200_000, 400_000, 1_000_000))
    DEEP_ROW = VISITS * 9 // 10


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "秀英桂兰玉梅凤珍淑华建国志明德明文荣金花永平福成海明秀珍丽红春生宝山树林振华"
SERVICE_TYPES = (
    ("haircut", "理发", "home", 30),
    ("blood-pressure", "测血压", "home", 20),
    ("companionship", "陪伴聊天", "home", 60),
    ("cleaning", "居家保洁", "home", 90),
    ("bathing", "助浴", "home", 60),
    ("day-care", "日间照料", "day_care", 240),
    ("class", "兴趣课堂", "day_care", 90),
    ("hotline", "热线上门", "home", 60),
)


# --- seeding -----------------------------------------------------------------------


def seeded() -> bool:
    from communities.models import Resident
    from services.models import Visit

    return (
        Resident.objects.filter(address=MARKER).count() == RESIDENTS
        and Visit.objects.count() == VISITS
    )


def database_clear() -> None:
    from django.db import connection

    from communities.models import Community, District, Resident, Street
    from organizations.models import Agreement, Organization
    from sanlian.models import AuditEntry
    from services.models import ServiceOffering, ServiceRequest, ServiceType, Visit

    models = (Visit, ServiceRequest, Resident, ServiceOffering, Agreement, Organization)
    models += (Community, Street, District, ServiceType, AuditEntry)
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def database_seed() -> None:
    """Everything in SQL (INSERT … SELECT generate_series): deterministic and fast."""
    from django.db import connection, transaction

    database_clear()
    # Only module constants are formatted into these statements.
    statements = [
        "INSERT INTO communities_district (code, name) VALUES ('140106', '基准区')",
        f"""INSERT INTO communities_street (district_id, code, name)
            SELECT 1, '14010600' || lpad(g::text, 4, '0'), '基准街道' || g
            FROM generate_series(1, {STREETS}) g""",  # noqa: S608
        f"""INSERT INTO communities_community (street_id, code, name, households, population,
                residents_60_plus, facility_area_m2, pilot_batch)
            SELECT (g - 1) / {COMMUNITIES_PER_STREET} + 1, 'A' || lpad(g::text, 6, '0'),
                '基准社区' || g, 3000 + g * 7 % 900, 9000, 2000 + g * 13 % 500,
                800 + g * 11 % 400, CASE WHEN g % 2 = 0 THEN 'city' ELSE 'province' END
            FROM generate_series(1, {STREETS * COMMUNITIES_PER_STREET}) g""",  # noqa: S608
        "INSERT INTO services_servicetype (code, name, care_mode, default_duration_minutes,"  # noqa: S608
        " description) VALUES "
        + ", ".join(f"('{c}', '{n}', '{m}', {d}, '')" for c, n, m, d in SERVICE_TYPES),
        f"""INSERT INTO organizations_organization (name, credit_code, category,
                legal_representative, contact_name, contact_phone, email, address, description,
                home_street_id, status, submitted_at, review_reason)
            SELECT '基准服务机构' || g, '52140106MJ' || lpad(g::text, 8, '0'), 'public_welfare',
                '张三', '李四', '0351' || lpad(g::text, 7, '0'), 'org' || g || '@example.org',
                '基准路' || g || '号', '', (g - 1) % {STREETS} + 1, 'approved', now(), ''
            FROM generate_series(1, {ORGANIZATIONS}) g""",  # noqa: S608
        f"""INSERT INTO organizations_agreement (organization_id, community_id, start_date,
                status, note, requested_at, decision_reason)
            SELECT (g - 1) % {ORGANIZATIONS} + 1, g, DATE '2025-01-01', 'active', '', now(), ''
            FROM generate_series(1, {STREETS * COMMUNITIES_PER_STREET}) g""",  # noqa: S608
        f"""INSERT INTO services_serviceoffering (organization_id, service_type_id,
                weekly_capacity, price_class, price_fen, status, description, created_at)
            SELECT (g - 1) % {ORGANIZATIONS} + 1, (g - 1) % 8 + 1, 20, 'free', 0, 'active', '',
                now()
            FROM generate_series(1, {OFFERINGS}) g""",  # noqa: S608
        # Names from fixed character tables; ID numbers unique (the sequence is in them).
        f"""INSERT INTO communities_resident (name, sex, birth_date, id_number, phone,
                phone_last4, address, community_id, living_situation, care_level, low_income,
                emergency_contact_name, emergency_contact_phone, created_at)
            SELECT substr('{SURNAMES}', g % {len(SURNAMES)} + 1, 1)
                    || substr('{GIVEN}', g * 7 % {len(GIVEN)} + 1, 1 + g % 2),
                CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END,
                DATE '1930-01-01' + (g * 37 % 12775),
                '140106' || lpad(g::text, 12, '0'),
                '139' || lpad(g::text, 8, '0'), right(lpad(g::text, 8, '0'), 4),
                '{MARKER}', (g - 1) % {STREETS * COMMUNITIES_PER_STREET} + 1,
                (ARRAY['alone', 'empty_nest', 'with_family'])[g % 3 + 1],
                (ARRAY['self_reliant', 'semi_dependent', 'dependent'])[g % 3 + 1],
                false, '', '', now()
            FROM generate_series(1, {RESIDENTS}) g""",  # noqa: S608
        f"""INSERT INTO services_servicerequest (resident_id, service_type_id, preferred_days,
                preferred_start, preferred_end, notes, urgent, channel, status, created_at,
                cancel_reason)
            SELECT (g - 1) % {RESIDENTS} + 1, (g - 1) % 8 + 1, 127, TIME '08:00', TIME '18:00',
                '', g % 20 = 0, 'web',
                (ARRAY['open', 'matched', 'scheduled', 'done', 'done', 'cancelled'])[g % 6 + 1],
                TIMESTAMPTZ '2026-03-01 08:00+08' - (g % 365) * INTERVAL '1 day'
                    - (g % 600) * INTERVAL '1 minute',
                ''
            FROM generate_series(1, {REQUESTS}) g""",  # noqa: S608
        f"""INSERT INTO services_visit (request_id, offering_id, scheduled_start,
                duration_minutes, status, checked_in_at, checked_out_at, service_log,
                early_check_in, short_visit, late_sync, location_state, manual_reason,
                review_note, review_state, condition_note)
            SELECT r, (g - 1) % {OFFERINGS} + 1, s, 60, st,
                CASE WHEN st = 'completed' THEN s END,
                CASE WHEN st = 'completed' THEN s + INTERVAL '50 minutes' END, '',
                false, false, false, '', '', '', '', ''
            FROM (
                SELECT g, (g - 1) % {REQUESTS} + 1 AS r,
                    TIMESTAMPTZ '2026-03-01 08:00+08' - ((g - 1) % {REQUESTS} % 365) * INTERVAL
                        '1 day' + (1 + g % 9) * INTERVAL '1 day',
                    (ARRAY['completed', 'completed', 'completed', 'scheduled', 'missed',
                           'cancelled', 'completed'])[g % 7 + 1]
                FROM generate_series(1, {VISITS}) g
            ) v (g, r, s, st)""",  # noqa: S608
        """INSERT INTO services_feedback (visit_id, rating, comment, created_at)
            SELECT id, 3 + id % 3, '', checked_out_at FROM services_visit
            WHERE status = 'completed' AND id % 3 = 0""",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def users_ensure() -> dict[str, str]:
    """The benchmark's users and their API tokens: street staff, city staff, a dashboard."""
    from rest_framework.authtoken.models import Token

    from communities.models import StaffAssignment, Street
    from sanlian.models import User

    tokens = {}
    for username, role in (
        ("bench-street", "street_staff"),
        ("bench-city", "civil_affairs"),
        ("bench-dashboard", "dashboard"),
    ):
        user, _ = User.objects.update_or_create(username=username, defaults={"role": role})
        tokens[role] = Token.objects.get_or_create(user=user)[0].key
    street_user = User.objects.get(username="bench-street")
    StaffAssignment.objects.filter(user=street_user).delete()
    StaffAssignment.objects.create(user=street_user, street=Street.objects.order_by("pk").first())
    return tokens


# --- in-process measurements ---------------------------------------------------------------


def _client():
    from django.test import Client

    return Client(raise_request_exception=True)


def _get(client, url: str, token: str):
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return response


def queries_per_request(tokens: dict) -> dict:
    """Queries of one request after a warm-up (counts and statistics cached: steady state)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, counts = _client(), {}
    for name, url, role in (
        ("requests_page_size_10", "/api/v1/requests/?page_size=10", "street_staff"),
        ("requests_page_size_100", "/api/v1/requests/?page_size=100", "street_staff"),
        ("visits_page_size_10", "/api/v1/visits/?page_size=10", "civil_affairs"),
        ("visits_page_size_100", "/api/v1/visits/?page_size=100", "civil_affairs"),
        ("visits_cursor_page_size_100", "/api/v1/visits/?page_size=100&cursor=", "civil_affairs"),
        ("stats_overview", "/api/v1/stats/overview/", "dashboard"),
    ):
        _get(client, url, tokens[role])
        with CaptureQueriesContext(connection) as captured:
            _get(client, url, tokens[role])
        counts[name] = len(captured)
    return counts


def _ms(client, url: str, token: str) -> float:
    began = time.perf_counter()
    _get(client, url, token)
    return (time.perf_counter() - began) * 1000


def deep_pages(tokens: dict, repeats: int) -> dict:
    """The first page of the visits, interleaved with the page holding row DEEP_ROW by
    cursor and the last page a page number may reach; the next page number must be refused."""
    from django.conf import settings

    from sanlian.api.pagination import _encode
    from services.models import Visit

    client, token = _client(), tokens["civil_affairs"]
    row = (
        Visit.objects.order_by("-scheduled_start", "-id")
        .values_list("scheduled_start", "id")[DEEP_ROW - 1 : DEEP_ROW]
        .get()
    )
    cursor = _encode(list(row))
    base = f"/api/v1/visits/?page_size={PAGE_SIZE}"
    last = settings.API_MAX_PAGE
    samples = interleaved(
        {
            "first_page_ms": lambda: _ms(client, base, token),
            "cursor_deep_page_ms": lambda: _ms(client, f"{base}&cursor={cursor}", token),
            "last_numbered_page_ms": lambda: _ms(client, f"{base}&page={last}", token),
        },
        repeats * 5,  # single requests are short: more rounds for the same confidence
    )
    result = {name: spread(values) for name, values in samples.items()}
    first = result["first_page_ms"]["median"]
    refused = client.get(
        f"{base}&page={last + 1}", HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1"
    )
    result.update(
        last_numbered_page=last,
        beyond_last_page_status=refused.status_code,
        cursor_deep_vs_first=ratio(result["cursor_deep_page_ms"]["median"], first),
        last_numbered_vs_first=ratio(result["last_numbered_page_ms"]["median"], first),
    )
    return result


def stats_cold_ms() -> float:
    """The overview computed from scratch (what the beat task does each minute)."""
    from django.core.cache import cache

    from reporting.stats import StatsFilter, stats_overview

    cache.delete(StatsFilter().cache_key("overview"))
    began = time.perf_counter()
    stats_overview(StatsFilter())
    return round((time.perf_counter() - began) * 1000, 1)


def stats_warm_once() -> float:
    from reporting.stats import stats_warm

    began = time.perf_counter()
    stats_warm()
    return round(time.perf_counter() - began, 2)


# --- gunicorn and the load generator -----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_start(workers: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sanlian.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-api-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "BENCHMARK_VIEWS": "1",
        # Plain HTTP on 127.0.0.1: with the HTTPS default every request would be a 301
        # to https:// (an earlier version of this bench timed those redirects).
        "SECURE_SSL": "false",
        "REDIS_URL": os.environ["REDIS_URL"],
        "API_THROTTLE_USER": "10000000/min",  # the load is one user: do not throttle it
        "DB_CONN_MAX_AGE": "600",
    }
    command = [sys.executable, "-m", "gunicorn", "sanlian.wsgi", "-w", str(workers)]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "--access-logfile", "-"]
    env.pop("GUNICORN_CMD_ARGS", None)
    server = subprocess.Popen(  # noqa: S603 - our interpreter and gunicorn, fixed arguments
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, base
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(server.stderr.read().decode()[-2000:]) from None
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def server_stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def load(url: str, token: str, *, connections: int, seconds: int) -> dict:
    """Requests/s and latency percentiles of `url` at a fixed concurrency for a fixed time."""
    if shutil.which("wrk"):
        return _wrk(url, token, connections=connections, seconds=seconds)
    from bench.loadgen import run

    return run(url, {"Authorization": f"Token {token}"}, connections=connections, seconds=seconds)


WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  io.write(string.format("JSON {\"requests\": %d, \"seconds\": %f, \"errors\": %d, "
    .. "\"non_2xx\": %d, \"p50_ms\": %f, \"p95_ms\": %f, \"max_ms\": %f}\n",
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency.max / 1e3))
end
"""


def _wrk(url: str, token: str, *, connections: int, seconds: int) -> dict:
    import json
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
    command += ["-H", f"Authorization: Token {token}", "-s", script.name, url]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    os.unlink(script.name)
    line = next(x for x in done.stdout.splitlines() if x.startswith("JSON "))
    result = json.loads(line[5:])
    result["requests_per_s"] = round(result["requests"] / result["seconds"], 1)
    result["tool"] = "wrk"
    for key in ("p50_ms", "p95_ms", "max_ms", "seconds"):
        result[key] = round(result[key], 2)
    return result


# --- the run -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    sizes_scale(args.scale)
    # The same Redis cache as the server: the warmed statistics and cached counts are shared.
    os.environ.setdefault("REDIS_URL", os.environ.get("BENCH_REDIS_URL", BENCH_REDIS_URL))
    os.environ.setdefault("API_THROTTLE_USER", "10000000/min")
    django_setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    began = time.perf_counter()
    if not seeded():
        say(f"seeding {RESIDENTS:,} residents, {REQUESTS:,} requests, {VISITS:,} visits …")
        database_seed()
    say(f"data ready in {time.perf_counter() - began:.0f}s on {database_vendor()}")
    tokens = users_ensure()
    cold_ms = stats_cold_ms()
    say(f"statistics overview computed cold: {cold_ms:.0f} ms")
    warm_s = stats_warm_once()  # what beat does every minute; the server reads it from Redis
    say(f"stats_warm (beat, every minute): {warm_s:.1f} s")
    counts = queries_per_request(tokens)
    say("queries per request: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    deep = deep_pages(tokens, args.repeats)
    for name in ("first_page_ms", "cursor_deep_page_ms", "last_numbered_page_ms"):
        say(spread_line(name, deep[name], "ms"))
    say(
        f"row {DEEP_ROW:,} by cursor {deep['cursor_deep_vs_first']} × page 1; page "
        f"{deep['last_numbered_page']} {deep['last_numbered_vs_first']} × page 1; page "
        f"{deep['last_numbered_page'] + 1}: HTTP {deep['beyond_last_page_status']}"
    )
    server, base = server_start(args.workers)
    try:
        runs = load_interleaved(base, tokens, args)
    finally:
        server_stop(server)
    bare, listed = runs["bare_view"], runs["requests_list"]
    list_ratio = ratio(listed["requests_per_s"]["median"], bare["requests_per_s"]["median"])
    say(f"list throughput = {list_ratio} × the bare view's (medians)")
    problems = floor_problems(
        floor="bare view req/s",
        floor_value=bare["requests_per_s"]["median"],
        project_value=listed["requests_per_s"]["median"],
        higher_is_better=True,
        sanity=FLOOR_SANITY_RPS,
    ) + floor_problems(
        floor="bare view p95 ms",
        floor_value=bare["p95_ms"]["median"],
        project_value=listed["p95_ms"]["median"],
        higher_is_better=False,
        sanity=float("inf"),
    )
    # A failed or redirected response is not a measurement of the path at all.
    problems += [
        f"{name}: {run['errors']} failed or non-2xx responses"
        for name, run in runs.items()
        if run["errors"]
    ]
    deep_worst = max(deep["cursor_deep_vs_first"] or 99, deep["last_numbered_vs_first"] or 99)
    checks = {
        "list_ge_half_of_bare_view": (list_ratio or 0) >= TARGETS["list_vs_bare"],
        "overview_p95_le_150ms": runs["stats_overview"]["p95_ms"]["median"]
        <= TARGETS["overview_p95_ms"],
        "same_queries_page_size_10_and_100": counts["requests_page_size_10"]
        == counts["requests_page_size_100"]
        and counts["visits_page_size_10"] == counts["visits_page_size_100"],
        "deep_pages_le_2x_first": deep_worst <= TARGETS["deep_vs_first"],
        "page_beyond_limit_refused": deep["beyond_last_page_status"] == 400,
    }
    status = verdict(checks, problems)
    emit(
        {
            "benchmark": "api",
            "database": database_vendor(),
            "machine": machine(),
            "rows": {"residents": RESIDENTS, "requests": REQUESTS, "visits": VISITS},
            "load": {"connections": args.connections, "seconds": args.seconds},
            "gunicorn_workers": args.workers,
            "runs": runs,
            "list_vs_bare_view": list_ratio,
            "queries_per_request": counts,
            "deep_pages": deep,
            "stats_cold_ms": cold_ms,
            "stats_warm_s": warm_s,
            "repeats": args.repeats,
            "checks": checks,
            "floor_problems": problems,
            "status": status,
        }
    )
    raise SystemExit(status)


def load_interleaved(base: str, tokens: dict, args) -> dict:
    """The API list and its floor (the bare view) alternately, then the overview (no floor
    yet: its floor would be a bare query of a rollup table, which does not exist)."""
    sides = {
        "bare_view": ("/bench/requests/", "street_staff"),
        "requests_list": (f"/api/v1/requests/?page_size={PAGE_SIZE}", "street_staff"),
        "stats_overview": ("/api/v1/stats/overview/", "dashboard"),
    }
    for path, role in sides.values():
        load(base + path, tokens[role], connections=2, seconds=2)  # warm every side first

    def measure(name: str):
        path, role = sides[name]
        return load(base + path, tokens[role], connections=args.connections, seconds=args.seconds)

    samples = interleaved({name: lambda name=name: measure(name) for name in sides}, args.repeats)
    runs = {}
    for name, results in samples.items():
        runs[name] = {
            key: spread([r[key] for r in results]) for key in ("requests_per_s", "p50_ms", "p95_ms")
        }
        runs[name]["errors"] = sum(r["errors"] + r["non_2xx"] for r in results)
        say(spread_line(f"{name} req/s", runs[name]["requests_per_s"], "/s"))
        say(spread_line(f"{name} p95", runs[name]["p95_ms"], "ms"))
    return runs


if __name__ == "__main__":
    main()
