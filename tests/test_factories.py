"""The money, reminder and plan factories make rows the models and constraints accept."""

import pytest

from tests import factories as f


@pytest.mark.parametrize(
    "factory",
    [
        f.AllowanceRuleFactory,
        f.CareAccountFactory,
        f.LedgerEntryFactory,
        f.SettlementStatementFactory,
        f.SettlementLineFactory,
        f.ReminderFactory,
        f.VisitPlanFactory,
    ],
)
@pytest.mark.django_db
def test_factory_makes_a_valid_row(factory):
    row = factory()

    row.full_clean()
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_settlement_line_belongs_to_its_statements_organization():
    line = f.SettlementLineFactory()

    assert line.visit.offering.organization == line.statement.organization
    assert line.resident == line.visit.request.resident
    assert line.street == line.resident.community.street
