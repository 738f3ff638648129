"""services.allowances.rules: allowance rules, ledger corrections, settlement statements.

The cast (tests/conftest.py): east is ours, every `other_*` is west.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from services.allowances import rules
from services.allowances.domain import allowance_rule_save, ledger_entry_reverse
from services.models import AllowanceRule, CareAccount, LedgerEntry, SettlementStatement
from tests import factories as f
from tests.services._allowances_support import done_visit, last_month


def _credit(resident) -> LedgerEntry:
    account = CareAccount.objects.create(resident=resident, balance_fen=10000)
    return LedgerEntry.objects.create(
        account=account,
        kind=LedgerEntry.Kind.CREDIT,
        amount_fen=10000,
        rule=f.AllowanceRuleFactory(),
        month=last_month(),
        reason="月度补贴",
    )


def _statement(cast, *, residents) -> SettlementStatement:
    statement = SettlementStatement.objects.create(
        organization=cast.organization, month=last_month()
    )
    for resident in residents:
        visit = done_visit(resident=resident, organization=cast.organization)
        statement.lines.create(
            visit=visit,
            resident=resident,
            community=resident.community,
            street=resident.community.street,
            service_type_name="理发",
            served_on=last_month(),
            price_class="subsidised",
            price_fen=3000,
            allowance_fen=3000,
            copay_fen=0,
        )
    return statement


# --- allowance rules -----------------------------------------------------------------------


def test_may_edit_allowance_rule_as_civil_affairs(cast):
    assert rules.may_edit_allowance_rule(cast.civil)
    assert rules.may_edit_allowance_rule(cast.civil, f.AllowanceRuleFactory())


@pytest.mark.parametrize("who", ["street_staff", "community_staff", "member", "family"])
def test_may_not_edit_allowance_rule_below_the_city(cast, who):
    assert not rules.may_edit_allowance_rule(getattr(cast, who), f.AllowanceRuleFactory())


def test_allowance_rule_save_refuses_street_staff_and_changes_nothing(cast):
    rule = f.AllowanceRuleFactory.build()
    with pytest.raises(PermissionDenied):
        allowance_rule_save(rule=rule, actor=cast.street_staff)
    assert not AllowanceRule.objects.exists()


# --- ledger corrections --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["civil", "street_staff"])
def test_may_reverse_entry_of_own_area(cast, who):
    assert rules.may_reverse_entry(getattr(cast, who), _credit(cast.resident))


def test_may_not_reverse_entry_of_another_street(cast):
    entry = _credit(cast.resident)
    assert isinstance(rules.reverse_entry_refusal(cast.other_street_staff, entry), PermissionDenied)


@pytest.mark.parametrize("who", ["community_staff", "member", "family"])
def test_may_not_reverse_entry_without_supervising(cast, who):
    assert not rules.may_reverse_entry(getattr(cast, who), _credit(cast.resident))


def test_may_not_reverse_a_correction_or_an_entry_twice(cast):
    entry = _credit(cast.resident)
    correction = ledger_entry_reverse(entry=entry, actor=cast.street_staff, reason="重复发放")
    refusal = rules.reverse_entry_refusal(cast.street_staff, correction)
    assert isinstance(refusal, ValidationError) and "更正记录不能再次更正" in refusal.messages[0]
    refusal = rules.reverse_entry_refusal(cast.street_staff, entry)
    assert isinstance(refusal, ValidationError) and "已经更正过了" in refusal.messages[0]


def test_ledger_entry_reverse_refuses_another_street_and_changes_nothing(cast):
    entry = _credit(cast.resident)
    with pytest.raises(PermissionDenied):
        ledger_entry_reverse(entry=entry, actor=cast.other_street_staff, reason="重复发放")
    assert LedgerEntry.objects.count() == 1
    assert CareAccount.objects.get().balance_fen == 10000


# --- settlement statements -----------------------------------------------------------------


def test_may_generate_statement_for_own_organization_or_as_city(cast):
    assert rules.may_generate_statement(cast.member, cast.organization)
    assert rules.may_generate_statement(cast.civil, cast.other_organization)
    assert rules.may_generate_statement(cast.member)


def test_may_not_generate_statement_of_another_organization(cast):
    assert not rules.may_generate_statement(cast.other_member, cast.organization)


@pytest.mark.parametrize("who", ["street_staff", "community_staff", "family"])
def test_may_not_generate_statements_as_other_roles(cast, who):
    assert not rules.may_generate_statement(getattr(cast, who))


def test_may_regenerate_only_a_draft(cast):
    statement = _statement(cast, residents=[cast.resident])
    assert rules.may_regenerate_statement(cast.member, statement)
    assert not rules.may_regenerate_statement(cast.other_member, statement)
    statement.status = SettlementStatement.Status.APPROVED
    assert not rules.may_regenerate_statement(cast.member, statement)


def test_may_approve_statement_as_city_or_street_holding_every_line(cast):
    statement = _statement(cast, residents=[cast.resident])
    assert rules.may_approve_statement(cast.civil, statement)
    assert rules.may_approve_statement(cast.street_staff, statement)


def test_may_not_approve_statement_reaching_another_street(cast):
    statement = _statement(cast, residents=[cast.resident, cast.other_resident])
    assert not rules.may_approve_statement(cast.street_staff, statement)
    assert not rules.may_approve_statement(cast.other_street_staff, statement)
    assert rules.may_approve_statement(cast.civil, statement)


@pytest.mark.parametrize("who", ["community_staff", "member"])
def test_may_not_approve_statement_as_wrong_role(cast, who):
    statement = _statement(cast, residents=[cast.resident])
    assert not rules.may_approve_statement(getattr(cast, who), statement)


def test_may_not_approve_an_empty_or_approved_statement(cast):
    empty = _statement(cast, residents=[])
    assert not rules.may_approve_statement(cast.street_staff, empty)
    empty.status = SettlementStatement.Status.APPROVED
    assert not rules.may_approve_statement(cast.civil, empty)
