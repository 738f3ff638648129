"""Monthly settlement: statements of verified visits, totals, approval lock, exports, scope."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from organizations.models import Organization
from sanlian.models import AuditEntry
from services.allowances.domain import allowances_credit_month, visit_charge
from services.allowances.queries import settlement_totals_by_area
from services.allowances.settlements import settlement_approve, settlement_generate
from services.models import LedgerEntry, SettlementLine, SettlementStatement, Visit
from tests import factories as f
from tests.services._allowances_support import done_visit, month_ended, this_month


@pytest.fixture(autouse=True)
def settled_after_month_end():
    """These tests settle this month's visits, so they run as on the 1st of next month
    (tests/services/test_settlement_months.py checks the refusal of a running month)."""
    with month_ended():
        yield


@pytest.fixture
def month_of_visits(cast):
    """Four charged visits of the cast's organization this month, one free, one missed, and
    one of the other organization; both cast residents have 50.00 yuan of allowance."""
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=5000)
    allowances_credit_month(month=this_month())
    org = cast.organization
    charged = [
        done_visit(resident=cast.resident, organization=org, price_fen=3000),
        done_visit(resident=cast.resident, organization=org, price_fen=4000),  # 20 + 20 co-pay
        done_visit(resident=cast.other_resident, organization=org, price_fen=1500),
        done_visit(resident=cast.resident, organization=org, price_class="paid", price_fen=2000),
    ]
    free = done_visit(resident=cast.resident, organization=org, price_class="free", price_fen=0)
    missed = done_visit(resident=cast.resident, organization=org)
    Visit.objects.filter(pk=missed.pk).update(status="missed")
    other_org = done_visit(resident=cast.other_resident, organization=cast.other_organization)
    for visit in [*charged, free, missed, other_org]:
        visit_charge(visit=visit)
    return charged


@pytest.mark.django_db
def test_statement_totals_equal_sum_of_charged_visits(cast, month_of_visits):
    statement = settlement_generate(
        organization=cast.organization, month=this_month(), actor=cast.member
    )
    visit_ids = [visit.pk for visit in month_of_visits]
    assert sorted(statement.lines.values_list("visit_id", flat=True)) == sorted(visit_ids)
    charges = LedgerEntry.objects.filter(visit_id__in=visit_ids)
    assert statement.visit_count == 4
    assert statement.allowance_total_fen == -sum(charges.values_list("amount_fen", flat=True))
    assert statement.copay_total_fen == sum(charges.values_list("copay_fen", flat=True))
    assert (statement.allowance_total_fen, statement.copay_total_fen) == (
        3000 + 2000 + 1500,
        2000 + 2000,
    )
    line = statement.lines.get(visit=month_of_visits[1])
    assert (line.allowance_fen, line.copay_fen, line.street) == (2000, 2000, cast.east_street)


@pytest.mark.django_db
def test_statement_regenerated_while_draft_picks_up_new_visits(cast, month_of_visits):
    settlement_generate(organization=cast.organization, month=this_month(), actor=cast.member)
    visit_charge(visit=done_visit(resident=cast.resident, organization=cast.organization))
    statement = settlement_generate(
        organization=cast.organization, month=this_month(), actor=cast.civil
    )
    assert statement.visit_count == 5
    assert SettlementStatement.objects.count() == 1
    assert SettlementLine.objects.count() == 5


@pytest.mark.django_db
def test_approved_statement_cannot_change(cast, month_of_visits):
    statement = settlement_generate(
        organization=cast.organization, month=this_month(), actor=cast.member
    )
    settlement_approve(statement=statement, actor=cast.civil)
    visit_charge(visit=done_visit(resident=cast.resident, organization=cast.organization))
    with pytest.raises(ValidationError):
        settlement_generate(organization=cast.organization, month=this_month(), actor=cast.member)
    with pytest.raises(ValidationError):
        settlement_approve(statement=statement, actor=cast.civil)
    statement.refresh_from_db()
    assert statement.status == "approved" and statement.approved_by == cast.civil
    assert statement.visit_count == 4 and statement.lines.count() == 4
    assert (
        AuditEntry.objects.filter(
            object_type="services.settlementstatement", action="status"
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_statement_approval_by_street_staff_only_for_their_own_residents(cast, month_of_visits):
    statement = settlement_generate(
        organization=cast.organization, month=this_month(), actor=cast.member
    )
    # The statement serves residents of both streets: only the city approves it.
    for user in (cast.street_staff, cast.other_street_staff, cast.member, cast.community_staff):
        with pytest.raises(PermissionDenied):
            settlement_approve(statement=statement, actor=user)
    SettlementLine.objects.filter(statement=statement, resident=cast.other_resident).delete()
    settlement_approve(statement=statement, actor=cast.street_staff)
    statement.refresh_from_db()
    assert statement.status == "approved"


@pytest.mark.django_db
def test_statement_generate_permissions_and_future_month(cast, month_of_visits):
    for user in (cast.other_member, cast.street_staff, cast.resident.user):
        with pytest.raises(PermissionDenied):
            settlement_generate(organization=cast.organization, month=this_month(), actor=user)
    next_month = (this_month() + datetime.timedelta(days=32)).replace(day=1)
    with pytest.raises(ValidationError):
        settlement_generate(organization=cast.organization, month=next_month, actor=cast.member)
    assert not SettlementStatement.objects.exists()


@pytest.mark.django_db
def test_statement_leaves_out_other_months(cast):
    last_month_day = this_month() - datetime.timedelta(days=3)
    when = timezone.make_aware(datetime.datetime.combine(last_month_day, datetime.time(10)))
    registered = when - datetime.timedelta(days=60)
    Organization.objects.filter(pk=cast.organization.pk).update(submitted_at=registered)
    cast.organization.refresh_from_db()
    visit_charge(
        visit=done_visit(resident=cast.resident, organization=cast.organization, when=when)
    )
    statement = settlement_generate(
        organization=cast.organization, month=this_month(), actor=cast.member
    )
    assert statement.visit_count == 0
    earlier = settlement_generate(
        organization=cast.organization, month=last_month_day, actor=cast.member
    )
    assert earlier.visit_count == 1


@pytest.mark.django_db
def test_area_totals_per_street_and_district(cast, month_of_visits):
    settlement_generate(organization=cast.organization, month=this_month(), actor=cast.member)
    totals = settlement_totals_by_area(month=this_month())
    by_street = {
        row["street__name"]: (row["visits"], row["allowance_fen"], row["copay_fen"])
        for row in totals["streets"]
    }
    assert by_street == {"桃园街道": (3, 5000, 4000), "坞城街道": (1, 1500, 0)}
    assert totals["city"]["allowance_fen"] == 6500
    assert [row["visits"] for row in totals["districts"]] == [4]
    assert settlement_totals_by_area(month=this_month(), approved_only=True)["city"]["visits"] == 0


# --- pages ---------------------------------------------------------------------------------


@pytest.fixture
def statement(cast, month_of_visits):
    return settlement_generate(
        organization=cast.organization, month=this_month(), actor=cast.member
    )


@pytest.mark.django_db
def test_statement_pages_scope(client, cast, statement):
    url = reverse("allowances:statement_detail", args=[statement.pk])
    for user in (cast.civil, cast.member, cast.street_staff, cast.other_street_staff):
        client.force_login(user)
        assert client.get(url).status_code == 200, user
    for user in (cast.other_member, cast.resident.user):
        client.force_login(user)
        assert client.get(url).status_code in (403, 404), user
    client.force_login(cast.other_member)
    assert client.get(url).status_code == 404
    listing = client.get(reverse("allowances:statement_list")).content.decode()
    assert cast.organization.name not in listing


@pytest.mark.django_db
def test_street_staff_see_only_their_streets_lines(client, cast, statement):
    client.force_login(cast.other_street_staff)
    page = client.get(reverse("allowances:statement_detail", args=[statement.pk])).content.decode()
    assert cast.other_resident.name in page
    assert cast.resident.name not in page
    outsider = f.StaffAssignmentFactory(
        user=f.UserFactory(username="street3", role="street_staff"),
        street=f.StreetFactory(),
        community=None,
    ).user
    client.force_login(outsider)
    assert (
        client.get(reverse("allowances:statement_detail", args=[statement.pk])).status_code == 404
    )


@pytest.mark.django_db
def test_statement_generate_page_for_organization(client, cast, month_of_visits):
    client.force_login(cast.member)
    response = client.post(
        reverse("allowances:statement_generate"), {"month": this_month().strftime("%Y-%m")}
    )
    statement = SettlementStatement.objects.get()
    assert response.status_code == 302
    assert statement.organization == cast.organization and statement.visit_count == 4


@pytest.mark.django_db
def test_statement_generate_page_bad_month_changes_nothing(client, cast, month_of_visits):
    client.force_login(cast.member)
    response = client.post(reverse("allowances:statement_generate"), {"month": "2026-13"})
    assert response.status_code == 400
    assert "请按“年-月”填写" in response.content.decode()
    assert not SettlementStatement.objects.exists()


@pytest.mark.django_db
def test_statement_approve_page(client, cast, statement):
    url = reverse("allowances:statement_approve", args=[statement.pk])
    client.force_login(cast.member)
    assert client.post(url).status_code == 403
    client.force_login(cast.civil)
    assert client.post(url).status_code == 302
    statement.refresh_from_db()
    assert statement.status == "approved"


@pytest.mark.django_db
def test_statement_csv_export_has_bom_and_rows(client, cast, statement):
    client.force_login(cast.member)
    response = client.get(reverse("allowances:statement_export", args=[statement.pk, "csv"]))
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "服务日期"
    assert len(rows) == 5
    assert sum(float(row[7]) for row in rows[1:]) == statement.allowance_total_fen / 100
    assert cast.resident.id_number not in body and cast.resident.phone not in body
    assert AuditEntry.objects.filter(action="export", object_id=str(statement.pk)).exists()


@pytest.mark.django_db
def test_statement_xlsx_export(client, cast, statement):
    from openpyxl import load_workbook

    client.force_login(cast.civil)
    response = client.get(reverse("allowances:statement_export", args=[statement.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "服务日期" and len(rows) == 5
    assert sum(row[7] for row in rows[1:]) == statement.allowance_total_fen / 100
    client.force_login(cast.other_member)
    assert (
        client.get(reverse("allowances:statement_export", args=[statement.pk, "xlsx"])).status_code
        == 404
    )


@pytest.mark.django_db
def test_area_totals_page_for_civil_affairs_only(client, cast, statement):
    client.force_login(cast.civil)
    page = client.get(reverse("allowances:area_totals")).content.decode()
    assert "桃园街道" in page and "50.00" in page
    client.force_login(cast.street_staff)
    assert client.get(reverse("allowances:area_totals")).status_code == 403


@pytest.mark.django_db
def test_statement_list_filters_by_month_and_status(client, cast, statement):
    client.force_login(cast.civil)
    url = reverse("allowances:statement_list")
    link = reverse("allowances:statement_detail", args=[statement.pk])
    month = this_month().strftime("%Y-%m")
    assert link in client.get(url, {"month": month}).content.decode()
    assert link not in client.get(url, {"month": "2020-01"}).content.decode()
    assert link not in client.get(url, {"status": "approved"}).content.decode()
