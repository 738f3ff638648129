"""API v1 of monetary care: read-only, scoped like the pages, constant query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from services.allowances.domain import allowances_credit_month, visit_charge
from services.allowances.settlements import settlement_generate
from services.models import CareAccount, LedgerEntry
from tests import factories as f
from tests.services._allowances_support import done_visit, month_ended, this_month


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def money(cast):
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=5000)
    allowances_credit_month(month=datetime.date(2026, 3, 1))
    for resident in (cast.resident, cast.other_resident):
        visit_charge(visit=done_visit(resident=resident, organization=cast.organization))
    with month_ended():
        statement = settlement_generate(
            organization=cast.organization, month=this_month(), actor=cast.member
        )
    return CareAccount.objects.get(resident=cast.resident), statement


def _ids(response) -> list[int]:
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.django_db
def test_care_accounts_api_scope(cast, money):
    own, _statement = money
    other = CareAccount.objects.get(resident=cast.other_resident)
    assert sorted(_ids(client_for(cast.civil).get("/api/v1/care-accounts/"))) == sorted(
        [own.pk, other.pk]
    )
    for user in (cast.street_staff, cast.resident.user, cast.family):
        client = client_for(user)
        assert _ids(client.get("/api/v1/care-accounts/")) == [own.pk]
        assert client.get(f"/api/v1/care-accounts/{other.pk}/").status_code == 404
    assert _ids(client_for(cast.member).get("/api/v1/care-accounts/")) == []
    body = client_for(cast.civil).get(f"/api/v1/care-accounts/{own.pk}/").json()
    assert body["balance_fen"] == 2000
    assert cast.resident.id_number not in str(body) and cast.resident.phone not in str(body)


@pytest.mark.django_db
def test_ledger_entries_api_scope_and_read_only(cast, money):
    own, _statement = money
    client = client_for(cast.resident.user)
    rows = client.get("/api/v1/ledger-entries/").json()["results"]
    assert {row["account"] for row in rows} == {own.pk}
    assert {row["kind"] for row in rows} == {"credit", "visit_debit"}
    other_entry = LedgerEntry.objects.filter(account__resident=cast.other_resident).first()
    assert client.get(f"/api/v1/ledger-entries/{other_entry.pk}/").status_code == 404
    civil = client_for(cast.civil)
    assert civil.post("/api/v1/ledger-entries/", {"account": own.pk}).status_code == 405
    assert civil.delete(f"/api/v1/ledger-entries/{other_entry.pk}/").status_code == 405
    assert LedgerEntry.objects.count() == 4


@pytest.mark.django_db
def test_settlements_api_scope_and_lines(cast, money):
    _own, statement = money
    url = f"/api/v1/settlements/{statement.pk}/"
    assert client_for(cast.member).get(url).json()["allowance_total_fen"] == 6000
    assert client_for(cast.other_member).get(url).status_code == 404
    assert client_for(cast.resident.user).get(url).status_code == 404
    lines = client_for(cast.street_staff).get(url + "lines/").json()
    assert [row["resident"] for row in lines["results"]] == [cast.resident.pk]
    assert lines["count"] == 1
    assert client_for(cast.member).get(url + "lines/").json()["count"] == 2


@pytest.mark.parametrize(
    ("path", "pinned"),
    [("care-accounts", 2), ("ledger-entries", 2), ("settlements", 2)],
)
@pytest.mark.django_db
def test_allowance_list_query_count_constant(cast, path, pinned):
    f.AllowanceRuleFactory(min_age=80)
    client = client_for(cast.civil)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/{path}/?page_size=100").status_code == 200
        return len(queries)

    def grow(n: int) -> None:
        for _ in range(n):
            organization = f.OrganizationFactory()
            visit_charge(visit=done_visit(resident=f.ResidentFactory(), organization=organization))
            with month_ended():
                settlement_generate(organization=organization, month=this_month(), actor=cast.civil)
        allowances_credit_month(month=this_month())

    grow(1)
    one = count()
    grow(20)
    assert count() == one == pinned


@pytest.mark.django_db
def test_ledger_entry_reasons_in_the_callers_language(cast, money):
    """The portal's own reasons are stored as facts and written in the caller's language:
    Accept-Language first, else the user's language; a person's own words stay as written."""
    own, _statement = money
    LedgerEntry.objects.create(
        account=own, kind="correction", amount_fen=-100, reason="户籍迁出", actor=cast.civil
    )
    user = cast.resident.user
    client = client_for(user)

    def reasons(**headers) -> dict[str, str]:
        rows = client.get("/api/v1/ledger-entries/", **headers).json()["results"]
        return {row["kind"]: row["reason"] for row in rows}

    chinese = reasons(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert chinese["credit"].startswith("2026-03") and "月度补贴：" in chinese["credit"]
    assert "上门服务：" in chinese["visit_debit"]
    english = reasons(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.8")
    assert english["credit"].startswith("Monthly allowance for 2026-03")
    assert english["visit_debit"].startswith("Visit on ")
    assert "上门服务" not in english["visit_debit"]
    assert english["correction"] == chinese["correction"] == "户籍迁出"
    # No header (or one the portal does not speak): the user's own language.
    assert reasons() == chinese
    user.language = "en"
    user.save(update_fields=["language"])
    assert reasons() == english
    assert reasons(HTTP_ACCEPT_LANGUAGE="fr-FR") == english
    assert reasons(HTTP_ACCEPT_LANGUAGE="zh-Hans") == chinese
    entry = LedgerEntry.objects.filter(account=own, kind="credit").get()
    one = client.get(f"/api/v1/ledger-entries/{entry.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert one["reason"] == english["credit"]
    # The stored Chinese text is untouched by reading.
    entry.refresh_from_db()
    assert entry.reason == chinese["credit"]
