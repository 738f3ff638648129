"""Every form the hotline search accepts is answered from an index, hits and misses alike.

PostgreSQL only. A table of a few rows would be scanned whatever its indexes, so the
plans are read with sequential and plain index scans priced out of reach: what is left
is a bitmap scan of an index whose condition is the search term itself (walking some
other index and filtering is not an option then). Where no index can take the term,
PostgreSQL scans the table anyway and says so.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanlian.roles import Role
from services.care.domain.residents import residents_search
from tests import factories as f

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="plans and the trigram index are PostgreSQL's"
)

NAMES = ["王秀英", "王建国", "李桂兰", "张淑华", "欧阳桂秀英", "刘德明"]
TERMS = {
    "surname alone": "王",
    "whole name": "王秀英",
    "given name": "桂兰",
    "fragment anywhere": "桂秀英",
    "name nobody has": "赵子龙",
    "given name nobody has": "子龙",
    "fragment nobody has": "龙飞凤",
    "last four digits": "0000",
}
SEARCH_INDEXES = {
    "resident_name_trgm",  # communities migration 0004
    "communities_resident_given_name_like",  # 0003
}


@pytest.fixture
def civil(db):
    community = f.CommunityFactory()
    for n, name in enumerate(NAMES):
        f.ResidentFactory(name=name, community=community, phone=f"1390000{n:04d}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE communities_resident")
    return f.UserFactory(username="civil-plans", role=Role.CIVIL_AFFAIRS)


def _resident_plans(user, term: str) -> list[str]:
    """The plan of every query the search ran on the resident table."""
    with CaptureQueriesContext(connection) as captured:
        residents_search(user=user, term=term)
    statements = [q["sql"] for q in captured if 'FROM "communities_resident"' in q["sql"]]
    assert statements, term
    plans = []
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        for sql in statements:
            cursor.execute(f"EXPLAIN {sql}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = on")
    return plans


def _resident_indexes(plan: str) -> set[str]:
    return set(re.findall(r"Bitmap Index Scan on (\S+)", plan)) - {
        name for name in re.findall(r"Bitmap Index Scan on (\S+)", plan) if "_pkey" in name
    }


def _is_search_index(name: str) -> bool:
    # Django names the pattern index of `name` and the phone_last4 index with a hash.
    return name in SEARCH_INDEXES or name.startswith(
        ("communities_resident_name_", "communities_resident_phone_last4_")
    )


def _found_by_the_term(plan: str) -> bool:
    """Residents read through a search index, not a table scan nor a walk of another index."""
    indexes = _resident_indexes(plan)
    walked = re.search(r"(Seq Scan|Index Scan using \S+) on communities_resident", plan)
    return not walked and bool(indexes) and all(_is_search_index(name) for name in indexes)


@pytest.mark.parametrize("form", TERMS)
def test_hotline_search_form_reads_an_index(civil, form):
    for plan in _resident_plans(civil, TERMS[form]):
        assert _found_by_the_term(plan), plan


def test_hotline_search_surname_alone_and_misses_use_the_trigram_index(civil):
    surname = _resident_plans(civil, "王")
    miss = _resident_plans(civil, "龙飞凤")

    assert _resident_indexes(surname[0]) & {"resident_name_trgm"} or any(
        name.endswith("_like") for name in _resident_indexes(surname[0])
    ), surname[0]
    # A miss of three characters runs all three branches; the last is the trigram lookup.
    assert len(miss) == 3 and _resident_indexes(miss[-1]) == {"resident_name_trgm"}, miss[-1]


def test_hotline_search_control_without_trigram_index_scans_the_table(civil):
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX resident_name_trgm")  # undone with the test's transaction

    plan = _resident_plans(civil, "龙飞凤")[-1]
    assert not _found_by_the_term(plan), plan
