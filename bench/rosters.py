"""A 2,000-row resident roster (XLSX) imported in one transaction, against a bare bulk insert.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sanlian_bench .venv/bin/python -m bench.rosters

The project path: read the sheet with openpyxl, check every row (ID-card checksum, phone,
duplicates in the file and in the portal, the community and the importer's scope), insert
all rows and audit the import (`activities.rosters`), in one transaction. The floor, in the
same run: `Resident.objects.bulk_create` of the same 2,000 residents, already built. Both
run as interleaved repeats (`--repeats`, ≥ 3), each rolled back, and are printed as median
and spread. Then the sheet is imported for real and imported again: the second import must
create nothing. Target (issue 18): the import ≤ 30 s. A floor slower than FLOOR_SANITY_S,
or slower than the import, is a broken baseline: the run exits 2. A missed target exits 1.
"""

import argparse
import datetime
import io
import sys
import time

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

TARGET_SECONDS = 30.0
FLOOR_SANITY_S = 5.0  # 2,000 prepared rows in one bulk INSERT take well under a second


class _Rollback(Exception):
    pass


def _rows(count: int, community_code: str) -> list[list[str]]:
    from sanlian.validators import resident_id_check_char

    rows = []
    for n in range(count):
        birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=n // 900)
        first17 = f"140105{birth:%Y%m%d}{n % 900:03d}"
        rows.append(
            [
                f"基准名册{n}",
                "女" if n % 2 else "男",
                first17 + resident_id_check_char(first17),
                f"137{n:08d}",
                f"基准名册路{n}号",
                community_code,
                "独居",
                "自理",
            ]
        )
    return rows


def _xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    from activities.rosters import COLUMNS

    book = Workbook()
    book.active.append(COLUMNS)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _timed_and_rolled_back(work) -> float:
    from django.db import transaction

    started = time.perf_counter()
    try:
        with transaction.atomic():
            work()
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    django_setup()
    from activities.rosters import roster_check, roster_import, roster_read
    from communities.models import Community, District, Resident, Street
    from sanlian.models import User
    from sanlian.roles import Role

    Resident.objects.filter(address__startswith="基准名册路").delete()
    district, _ = District.objects.get_or_create(code="140199", defaults={"name": "基准名册区"})
    street, _ = Street.objects.get_or_create(
        code="140199001000", defaults={"district": district, "name": "基准名册街道"}
    )
    community, _ = Community.objects.get_or_create(
        code="140199001001", defaults={"street": street, "name": "基准名册社区"}
    )
    actor, _ = User.objects.get_or_create(
        username="bench-roster", defaults={"role": Role.CIVIL_AFFAIRS}
    )
    content = _xlsx(_rows(args.rows, community.code))
    prepared = roster_check(actor=actor, rows=roster_read(name="名册.xlsx", content=content))
    assert prepared.ok and len(prepared.residents) == args.rows, prepared.errors[:3]

    def project() -> float:
        def work():
            rows = roster_read(name="名册.xlsx", content=content)
            roster_import(actor=actor, rows=rows)

        return _timed_and_rolled_back(work)

    def floor() -> float:
        fresh = roster_check(actor=actor, rows=roster_read(name="名册.xlsx", content=content))
        return _timed_and_rolled_back(
            lambda: Resident.objects.bulk_create(fresh.residents, batch_size=500)
        )

    samples = interleaved({"import": project, "bulk_create": floor}, args.repeats)
    summary = {name: spread(values) for name, values in samples.items()}
    say(f"{args.rows} rows on {database_vendor()}, {machine()}")
    say(spread_line("roster import", summary["import"], "s"))
    say(spread_line("bulk_create (floor)", summary["bulk_create"], "s"))
    first = roster_import(actor=actor, rows=roster_read(name="名册.xlsx", content=content))
    again = roster_import(actor=actor, rows=roster_read(name="名册.xlsx", content=content))
    say(f"imported {len(first.residents)}, then again: {len(again.residents)} new")
    Resident.objects.filter(address__startswith="基准名册路").delete()
    import_median = summary["import"]["median"]
    floor_median = summary["bulk_create"]["median"]
    results = {
        "bench": "rosters",
        "rows": args.rows,
        "import_s": summary["import"],
        "floor_s": summary["bulk_create"],
        "import_vs_floor": ratio(import_median, floor_median),
        "reimport_created": len(again.residents),
    }
    emit(results)
    checks = {
        f"import of {args.rows} rows ≤ {TARGET_SECONDS} s (median {import_median} s)": (
            import_median <= TARGET_SECONDS
        ),
        "re-import creates no duplicates": len(again.residents) == 0 and again.skipped == args.rows,
    }
    problems = floor_problems(
        floor="bulk_create",
        floor_value=floor_median,
        project_value=import_median,
        higher_is_better=False,
        sanity=FLOOR_SANITY_S,
    )
    return verdict(checks, problems)


if __name__ == "__main__":
    sys.exit(main())
