"""A signed assessment feeds what exists: matching priority and allowance eligibility."""

import datetime

from django.utils import timezone

from casework import domain
from casework.models import Case
from services.allowances.domain import rule_matches
from services.matching.core import priority
from services.matching.io import matching_candidates
from services.offerings.models import week_start_of
from tests import factories as f
from tests.casework.conftest import answers_for_total


def _sign(resident, user, spec, total):
    assessment = domain.assessment_start(resident=resident, assessor=user)
    domain.assessment_save(
        assessment=assessment, actor=user, answers=answers_for_total(spec, total), adjustments=[]
    )
    domain.assessment_sign(assessment=assessment, actor=user)
    resident.refresh_from_db()


def test_signed_level_changes_allowance_eligibility(cast, sw, spec):
    rule = f.AllowanceRuleFactory(
        min_age=None, care_levels=["dependent"], valid_from=datetime.date(2026, 1, 1)
    )
    month = timezone.localdate().replace(day=1)
    assert not rule_matches(rule=rule, resident=cast.resident, month=month)
    _sign(cast.resident, sw.sue.user, spec, 35)
    assert rule_matches(rule=rule, resident=cast.resident, month=month)


def test_care_plan_request_reaches_matching_with_the_assessed_priority(cast, sw, spec):
    case = domain.case_open(
        resident=cast.resident,
        actor=sw.sue.user,
        source=Case.Source.ASSESSMENT,
        presenting_need="行动不便",
    )
    domain.planned_service_add(
        case=case,
        actor=sw.sue.user,
        service_type=f.ServiceTypeFactory(),
        preferred_days=[0],
        preferred_start=datetime.time(9),
        preferred_end=datetime.time(11),
    )
    week = week_start_of(timezone.localdate())
    (before,), _ = matching_candidates(community=cast.community, week_start=week)
    _sign(cast.resident, sw.sue.user, spec, 20)
    (after,), _ = matching_candidates(community=cast.community, week_start=week)
    assert after.id == before.id == case.planned_services.get().request_id
    assert (before.care_level, after.care_level) == ("self_reliant", "dependent")
    assert priority(after) > priority(before)
