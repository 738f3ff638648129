"""Pages of allowance rules and care accounts: who edits, who sees which account."""

import datetime

import pytest
from django.urls import reverse

from sanlian.models import AuditEntry
from services.allowances.domain import allowances_credit_month
from services.models import AllowanceRule, LedgerEntry
from tests import factories as f

MARCH = datetime.date(2026, 3, 1)

RULE_POST = {
    "name": "九十岁以上高龄津贴",
    "min_age": "90",
    "max_age": "",
    "care_levels": ["dependent", "semi_dependent"],
    "monthly_amount_yuan": "200.50",
    "stacking": "highest",
    "valid_from": "2026-01-01",
    "valid_to": "",
}


@pytest.fixture
def accounts(cast):
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=10000)
    allowances_credit_month(month=MARCH)
    return cast.resident.care_account, cast.other_resident.care_account


@pytest.mark.django_db
def test_rule_create_page_stores_fen_and_audits(client, cast):
    client.force_login(cast.civil)
    response = client.post(reverse("allowances:rule_new"), RULE_POST)
    assert response.status_code == 302
    rule = AllowanceRule.objects.get()
    assert rule.monthly_amount_fen == 20050
    assert rule.care_levels == ["dependent", "semi_dependent"]
    assert rule.stacking == "highest" and rule.created_by == cast.civil
    assert AuditEntry.objects.filter(object_type="services.allowancerule", action="create").exists()


@pytest.mark.django_db
def test_rule_edit_page_changes_rule(client, cast):
    rule = f.AllowanceRuleFactory(monthly_amount_fen=10000)
    client.force_login(cast.civil)
    response = client.post(reverse("allowances:rule_edit", args=[rule.pk]), RULE_POST)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.monthly_amount_fen == 20050 and rule.min_age == 90


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_age", "70", "最高年龄不能小于最低年龄"),
        ("valid_to", "2025-01-01", "截止日期不能早于生效日期"),
        ("monthly_amount_yuan", "0", "0.01"),
        ("name", "", "该字段是必填项"),
    ],
)
@pytest.mark.django_db
def test_rule_create_page_bad_input_changes_nothing(client, cast, field, value, message):
    client.force_login(cast.civil)
    response = client.post(reverse("allowances:rule_new"), {**RULE_POST, field: value})
    assert response.status_code == 200
    assert not AllowanceRule.objects.exists()
    assert message in response.content.decode()


@pytest.mark.django_db
def test_rule_pages_wrong_role(client, cast):
    for user in (cast.street_staff, cast.member, cast.resident.user):
        client.force_login(user)
        assert client.post(reverse("allowances:rule_new"), RULE_POST).status_code == 403
    assert not AllowanceRule.objects.exists()
    client.force_login(cast.street_staff)
    assert client.get(reverse("allowances:rule_list")).status_code == 200
    client.force_login(cast.member)
    assert client.get(reverse("allowances:rule_list")).status_code == 403


@pytest.mark.django_db
def test_account_list_is_scoped_to_the_staff_area(client, cast, accounts):
    url = reverse("allowances:account_list")
    client.force_login(cast.street_staff)
    page = client.get(url).content.decode()
    assert cast.resident.name in page and cast.other_resident.name not in page
    assert cast.resident.id_number not in page and cast.resident.masked_id_number in page
    client.force_login(cast.civil)
    page = client.get(url).content.decode()
    assert cast.resident.name in page and cast.other_resident.name in page
    client.force_login(cast.member)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_account_detail_other_street_is_404(client, cast, accounts):
    own, other = accounts
    client.force_login(cast.street_staff)
    assert client.get(reverse("allowances:account_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("allowances:account_detail", args=[other.pk])).status_code == 404
    client.force_login(cast.member)
    assert client.get(reverse("allowances:account_detail", args=[own.pk])).status_code == 404


@pytest.mark.django_db
def test_resident_and_family_see_only_own_account(client, cast, accounts):
    _own, other = accounts
    for user in (cast.resident.user, cast.family):
        client.force_login(user)
        response = client.get(reverse("allowances:my_account"))
        page = response.content.decode()
        assert 'class="resident-ui' in page or "resident-ui" in page
        assert "100.00" in page
        assert client.get(reverse("allowances:account_detail", args=[other.pk])).status_code == 404
    client.force_login(cast.other_member)
    assert client.get(reverse("allowances:my_account")).status_code == 403


@pytest.mark.django_db
def test_entry_reverse_page(client, cast, accounts):
    own, other = accounts
    credit = own.entries.get()
    url = reverse("allowances:entry_reverse", args=[credit.pk])
    client.force_login(cast.street_staff)
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert not LedgerEntry.objects.filter(kind="correction").exists()
    response = client.post(url, {"reason": "户籍迁出"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.balance_fen == 0
    other_credit = other.entries.get()
    assert (
        client.post(
            reverse("allowances:entry_reverse", args=[other_credit.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    client.force_login(cast.community_staff)
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert LedgerEntry.objects.filter(kind="correction").count() == 1


@pytest.mark.django_db
def test_navigation_shows_allowance_pages_by_role(client, cast):
    from reporting.navigation import menu_for

    assert "allowances:my_account" in [item.url_name for item in menu_for(cast.resident.user)]
    assert "allowances:area_totals" in [item.url_name for item in menu_for(cast.civil)]
    assert "allowances:area_totals" not in [item.url_name for item in menu_for(cast.street_staff)]
    assert "allowances:statement_list" in [item.url_name for item in menu_for(cast.member)]


@pytest.mark.django_db
def test_family_with_two_relatives_gets_a_list_of_their_accounts(client, cast, accounts):
    second = f.ResidentFactory(community=cast.community)
    f.FamilyMemberFactory(user=cast.family, resident=second)
    allowances_credit_month(month=MARCH)
    client.force_login(cast.family)
    page = client.get(reverse("allowances:my_account")).content.decode()
    assert cast.resident.name in page and second.name in page
    assert cast.other_resident.name not in page
    assert "resident-ui" in page
