"""Who matches an allowance rule, and how several matching rules add up."""

import datetime

import pytest

from communities.models import Resident
from services.allowances.domain import allowances_due, rule_matches, rules_in_effect
from tests import factories as f

MARCH = datetime.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("rule_kwargs", "resident_kwargs", "eligible"),
    [
        # Age on the month's last day: turning 80 on 31 March counts for March.
        ({"min_age": 80}, {"birth_date": datetime.date(1946, 3, 31)}, True),
        ({"min_age": 80}, {"birth_date": datetime.date(1946, 4, 1)}, False),
        ({"min_age": 80, "max_age": 89}, {"birth_date": datetime.date(1936, 3, 1)}, False),
        ({"min_age": 80, "max_age": 89}, {"birth_date": datetime.date(1936, 4, 1)}, True),
        ({"min_age": 90}, {"birth_date": datetime.date(1936, 3, 1)}, True),
        ({"min_age": None}, {"birth_date": datetime.date(1960, 1, 1)}, True),
        ({"care_levels": ["dependent"]}, {"care_level": "semi_dependent"}, False),
        ({"care_levels": ["dependent", "semi_dependent"]}, {"care_level": "semi_dependent"}, True),
        ({"living_alone_only": True}, {"living_situation": "with_family"}, False),
        ({"living_alone_only": True}, {"living_situation": "alone"}, True),
        ({"low_income_only": True}, {"low_income": False}, False),
        ({"low_income_only": True}, {"low_income": True}, True),
        # Validity overlapping the month counts; outside it does not.
        ({"valid_from": datetime.date(2026, 3, 20)}, {}, True),
        ({"valid_from": datetime.date(2026, 4, 1)}, {}, False),
        ({"valid_to": datetime.date(2026, 2, 28)}, {}, False),
        ({"valid_to": datetime.date(2026, 3, 1)}, {}, True),
        ({}, {"anonymised_at": datetime.datetime(2026, 3, 10, 2, tzinfo=datetime.UTC)}, False),
    ],
)
@pytest.mark.django_db
def test_rule_matches_eligibility_table(rule_kwargs, resident_kwargs, eligible):
    rule = f.AllowanceRuleFactory(**rule_kwargs)
    resident = f.ResidentFactory(**resident_kwargs)
    assert rule_matches(rule=rule, resident=resident, month=MARCH) is eligible


@pytest.mark.django_db
def test_rule_matches_community_and_district_limits():
    resident = f.ResidentFactory()
    other_community = f.CommunityFactory()
    district = resident.community.street.district
    assert rule_matches(
        rule=f.AllowanceRuleFactory(community=resident.community), resident=resident, month=MARCH
    )
    assert not rule_matches(
        rule=f.AllowanceRuleFactory(community=other_community), resident=resident, month=MARCH
    )
    assert rule_matches(
        rule=f.AllowanceRuleFactory(district=district), resident=resident, month=MARCH
    )
    assert not rule_matches(
        rule=f.AllowanceRuleFactory(district=f.DistrictFactory()), resident=resident, month=MARCH
    )


@pytest.mark.parametrize(
    ("birth_year", "expected_amounts"),
    [
        (1950, []),  # 76: nothing
        (1944, [5000, 10000]),  # 82: living-alone top-up stacks on the 80+ allowance
        (1934, [5000, 20000]),  # 92: 90+ beats 80+ ("highest"), the top-up still stacks
    ],
)
@pytest.mark.django_db
def test_allowances_due_stacks_and_takes_highest(birth_year, expected_amounts):
    f.AllowanceRuleFactory(name="80+", min_age=80, monthly_amount_fen=10000, stacking="highest")
    f.AllowanceRuleFactory(name="90+", min_age=90, monthly_amount_fen=20000, stacking="highest")
    f.AllowanceRuleFactory(
        name="独居", min_age=80, living_alone_only=True, monthly_amount_fen=5000, stacking="stack"
    )
    resident = f.ResidentFactory(
        birth_date=datetime.date(birth_year, 1, 1),
        living_situation=Resident.LivingSituation.ALONE,
    )
    due = allowances_due(resident=resident, month=MARCH, rules=rules_in_effect(month=MARCH))
    assert sorted(rule.monthly_amount_fen for rule in due) == expected_amounts


@pytest.mark.django_db
def test_allowances_due_tie_between_highest_rules_goes_to_oldest_rule():
    first = f.AllowanceRuleFactory(monthly_amount_fen=10000, stacking="highest")
    f.AllowanceRuleFactory(monthly_amount_fen=10000, stacking="highest")
    resident = f.ResidentFactory()
    due = allowances_due(
        resident=resident, month=MARCH, rules=list(first._meta.model.objects.order_by("-pk"))
    )
    assert due == [first]
