"""Which months can be settled: only ended months, not before the organization registered."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from organizations.models import Organization
from services.allowances.domain import visit_charge
from services.allowances.settlements import settlement_approve, settlement_generate
from services.models import SettlementStatement
from tests import factories as f
from tests.services._allowances_support import done_visit, last_month, this_month


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def registered_last_month(cast):
    """The cast's organization registered on the 1st of last month, with a charged visit
    of last month."""
    Organization.objects.filter(pk=cast.organization.pk).update(submitted_at=_at(last_month(), 9))
    cast.organization.refresh_from_db()
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=5000)
    visit = done_visit(
        resident=cast.resident,
        organization=cast.organization,
        when=_at(last_month() + datetime.timedelta(days=2)),
    )
    visit_charge(visit=visit)
    return cast


@pytest.mark.django_db
def test_last_month_is_settled(registered_last_month):
    cast = registered_last_month
    statement = settlement_generate(
        organization=cast.organization, month=last_month(), actor=cast.member
    )
    assert statement.month == last_month() and statement.visit_count == 1
    approved = settlement_approve(statement=statement, actor=cast.civil)
    assert approved.status == SettlementStatement.Status.APPROVED


@pytest.mark.django_db
def test_running_month_is_refused_and_nothing_is_stored(registered_last_month):
    cast = registered_last_month
    done_visit(resident=cast.resident, organization=cast.organization)
    with pytest.raises(ValidationError) as refused:
        settlement_generate(organization=cast.organization, month=this_month(), actor=cast.civil)
    assert "已结束的月份" in refused.value.message_dict["month"][0]
    assert not SettlementStatement.objects.exists()


@pytest.mark.django_db
def test_month_before_registration_is_refused(registered_last_month):
    cast = registered_last_month
    before = (last_month() - datetime.timedelta(days=1)).replace(day=1)
    for month in (before, datetime.date(1999, 1, 1)):
        with pytest.raises(ValidationError) as refused:
            settlement_generate(organization=cast.organization, month=month, actor=cast.member)
        assert f"{last_month():%Y-%m} 登记" in refused.value.message_dict["month"][0]
    assert not SettlementStatement.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("month", ["this", "1999-01"])
def test_generate_page_shows_the_refusal_beside_the_month(client, registered_last_month, month):
    cast = registered_last_month
    client.force_login(cast.member)
    value = f"{this_month():%Y-%m}" if month == "this" else month
    response = client.post(reverse("allowances:statement_generate"), {"month": value})
    assert response.status_code == 400
    errors = response.context["generate_form"].errors
    assert list(errors) == ["month"]
    assert errors["month"][0] in response.content.decode()
    assert not SettlementStatement.objects.exists()


@pytest.mark.django_db
def test_draft_of_a_running_month_cannot_be_approved(client, registered_last_month):
    cast = registered_last_month
    draft = f.SettlementStatementFactory(organization=cast.organization, month=this_month())
    with pytest.raises(ValidationError):
        settlement_approve(statement=draft, actor=cast.civil)
    client.force_login(cast.civil)
    response = client.post(reverse("allowances:statement_approve", args=[draft.pk]), follow=True)
    assert any("已结束的月份" in str(m) for m in response.context["messages"])
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (SettlementStatement.Status.DRAFT, None)
