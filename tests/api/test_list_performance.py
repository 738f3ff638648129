"""The fast paths of API lists: value rows for requests, keyset cursors, cached counts,
and the benchmark's floor view that only exists when BENCHMARK_VIEWS is on."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from services.care.queries import requests_visible_to
from services.care.serializers import REQUEST_LIST_VALUES, RequestSerializer, request_list_rows
from services.models import ServiceRequest, Visit
from tests import factories as f
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_benchmark_view_is_absent_by_default(client, cast):
    with pytest.raises(NoReverseMatch):
        reverse("bench_requests")
    assert client.get("/bench/requests/").status_code == 404


def test_request_list_rows_match_the_serializer(cast):
    f.ServiceRequestFactory(resident=cast.resident, preferred_days=0b0000101, urgent=True)
    cancelled = f.ServiceRequestFactory(resident=cast.resident)
    ServiceRequest.objects.filter(pk=cancelled.pk).update(
        status="cancelled", cancelled_at=timezone.now(), cancel_reason="不需要了"
    )
    requests = requests_visible_to(cast.civil)
    rows = request_list_rows(requests.values(*REQUEST_LIST_VALUES.values()))
    assert rows == RequestSerializer(requests, many=True).data
    assert {row["status"] for row in rows} == {"open", "cancelled"}


def test_request_list_answers_the_serializer_fields_in_scope(cast):
    mine = f.ServiceRequestFactory(resident=cast.resident)
    f.ServiceRequestFactory(resident=cast.other_resident)
    body = client_for(cast.street_staff).get("/api/v1/requests/").json()
    assert body["count"] == 1
    assert body["results"] == [RequestSerializer(mine).data]


def _visits(resident, count: int) -> list[Visit]:
    start = timezone.now() + datetime.timedelta(days=1)
    # Pairs at the same start: the cursor must order them by id as well.
    return [
        f.VisitFactory(
            request=f.ServiceRequestFactory(resident=resident),
            scheduled_start=start + datetime.timedelta(hours=i // 2),
        )
        for i in range(count)
    ]


def _walk(client, url: str) -> list[int]:
    ids, pages = [], 0
    while url:
        body = client.get(url).json()
        assert set(body) == {"next", "previous", "results"}
        assert body["previous"] is None
        ids += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
        assert pages < 20
    return ids


def test_cursor_pages_walk_the_list_in_its_order_once(cast):
    _visits(cast.resident, 7)
    _visits(cast.other_resident, 2)
    client = client_for(cast.street_staff)
    by_page = [row["id"] for row in client.get("/api/v1/visits/?page_size=100").json()["results"]]
    assert len(by_page) == 7
    assert _walk(client, "/api/v1/visits/?page_size=2&cursor=") == by_page
    assert _walk(client, "/api/v1/visits/?page_size=100&cursor=") == by_page


def test_cursor_pages_of_requests_walk_value_rows(cast):
    made = [f.ServiceRequestFactory(resident=cast.resident) for _ in range(5)]
    f.ServiceRequestFactory(resident=cast.other_resident)
    ids = _walk(client_for(cast.street_staff), "/api/v1/requests/?page_size=2&cursor=")
    assert sorted(ids) == sorted(r.pk for r in made)
    assert ids == [r.pk for r in requests_visible_to(cast.street_staff)]


def test_a_bad_cursor_is_not_found(cast):
    client = client_for(cast.civil)
    assert client.get("/api/v1/visits/?cursor=bm9wZQ").status_code == 404
    assert client.get("/api/v1/visits/?cursor=%%%").status_code == 404


def test_cursor_pages_cost_the_same_queries_at_any_depth(cast):
    _visits(cast.resident, 6)
    client = client_for(cast.civil)
    first = client.get("/api/v1/visits/?page_size=2&cursor=").json()
    with CaptureQueriesContext(connection) as at_first:
        client.get("/api/v1/visits/?page_size=2&cursor=")
    with CaptureQueriesContext(connection) as deeper:
        client.get(first["next"])
    assert len(deeper) == len(at_first)
    assert not any("OFFSET" in q["sql"] or "COUNT(" in q["sql"] for q in deeper.captured_queries)


def test_count_is_reused_while_cached(cast, settings):
    settings.API_COUNT_CACHE_SECONDS = 60
    cache.clear()
    f.ServiceRequestFactory(resident=cast.resident)
    client = client_for(cast.civil)
    assert client.get("/api/v1/requests/").json()["count"] == 1
    f.ServiceRequestFactory(resident=cast.resident)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/requests/").json()
    assert (body["count"], len(body["results"])) == (1, 2)  # the count lags, the rows do not
    assert not any("COUNT(" in q["sql"] for q in queries.captured_queries)
    cache.clear()
    assert client.get("/api/v1/requests/").json()["count"] == 2


def test_count_of_another_scope_is_not_shared(cast, settings):
    settings.API_COUNT_CACHE_SECONDS = 60
    cache.clear()
    f.ServiceRequestFactory(resident=cast.resident)
    f.ServiceRequestFactory(resident=cast.other_resident)
    assert client_for(cast.civil).get("/api/v1/requests/").json()["count"] == 2
    assert client_for(cast.street_staff).get("/api/v1/requests/").json()["count"] == 1


def test_deep_page_number_is_refused_and_points_to_the_cursor(cast, settings):
    settings.API_MAX_PAGE = 3
    f.ServiceRequestFactory.create_batch(3, resident=cast.resident)
    client = client_for(cast.civil)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/requests/?page=4&page_size=1")
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]["page"][0]
    # Refused before any row is read: no OFFSET scan, no count.
    assert not [q for q in queries.captured_queries if "services_servicerequest" in q["sql"]]


def test_page_at_the_limit_and_the_cursor_still_answer(cast, settings):
    settings.API_MAX_PAGE = 3
    f.ServiceRequestFactory.create_batch(3, resident=cast.resident)
    client = client_for(cast.civil)
    last = client.get("/api/v1/requests/?page=3&page_size=1")
    assert last.status_code == 200
    assert len(last.json()["results"]) == 1
    seen, url = [], "/api/v1/requests/?cursor=&page_size=1"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 3


def _numbered(client, path: str, size: int) -> list[list[int]]:
    pages, number = [], 1
    while True:
        response = client.get(f"{path}?page_size={size}&page={number}")
        if response.status_code == 404:  # past the last page
            return pages
        pages.append([row["id"] for row in response.json()["results"]])
        number += 1


@pytest.mark.parametrize("path", ["/api/v1/visits/", "/api/v1/requests/"])
def test_numbered_pages_past_the_first_are_the_offset_pages_of_the_list(cast, path):
    """Past page 1 a page's keys are picked first (`pagination._rows`); the pages must be
    exactly the list's rows in its order, each once, as a plain OFFSET gives them
    (visits: model rows with ties on the start time; requests: value rows)."""
    _visits(cast.resident, 7)
    _visits(cast.other_resident, 3)
    client = client_for(cast.street_staff)
    whole = [row["id"] for row in client.get(f"{path}?page_size=100").json()["results"]]
    assert len(whole) == 7
    for size in (1, 2, 3):
        pages = _numbered(client, path, size)
        assert pages == [whole[i : i + size] for i in range(0, len(whole), size)]


def test_a_deep_numbered_page_reads_its_rows_by_key_not_by_offset(cast):
    _visits(cast.resident, 6)
    client = client_for(cast.civil)
    with CaptureQueriesContext(connection) as deep:
        assert len(client.get("/api/v1/visits/?page_size=2&page=3").json()["results"]) == 2
    offsets = [q["sql"] for q in deep.captured_queries if "OFFSET" in q["sql"]]
    # One OFFSET, over the keys alone (a single selected column); the rows are read by key.
    assert len(offsets) == 1
    assert offsets[0].split(" FROM ")[0].count(",") == 0
