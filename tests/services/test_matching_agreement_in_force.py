"""The matcher and manual assignment agree on "serves this community that week"."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from services.matching.domain import match_assign_manually, offering_serves
from services.matching.io import matching_candidates
from services.models import Match
from services.offerings.models import week_start_of
from tests import factories as f

WEEK = week_start_of(datetime.date.today()) + datetime.timedelta(weeks=1)
DAY = datetime.timedelta(days=1)

AGREEMENTS = {
    "starts_after_the_week": (WEEK + 7 * DAY, None, False),
    "ended_before_the_week": (WEEK - 60 * DAY, WEEK - DAY, False),
    "starts_on_the_sunday": (WEEK + 6 * DAY, None, True),
    "ends_on_the_monday": (WEEK - 60 * DAY, WEEK, True),
    "open_ended": (WEEK - 60 * DAY, None, True),
}


@pytest.fixture(params=sorted(AGREEMENTS))
def agreement_case(request, cast):
    start, end, in_force = AGREEMENTS[request.param]
    newcomer = f.OrganizationFactory(name="新入驻服务社")
    f.AgreementFactory(
        organization=newcomer, community=cast.community, start_date=start, end_date=end
    )
    offering = f.OfferingFactory(organization=newcomer)
    f.OfferingWindowFactory(offering=offering, weekday=0)
    service_request = f.ServiceRequestFactory(
        resident=cast.resident, service_type=offering.service_type
    )
    return cast, offering, service_request, in_force


def _matcher_serves(cast, offering) -> bool:
    _requests, offerings = matching_candidates(community=cast.community, week_start=WEEK)
    return any(
        o.id == offering.pk and cast.community.pk in o.served_community_ids for o in offerings
    )


def _assignment_serves(cast, offering, service_request) -> bool:
    try:
        match_assign_manually(
            request=service_request, offering=offering, week_start=WEEK,
            user=cast.street_staff, reason="电话回访后指派",
        )  # fmt: skip
    except ValidationError as error:
        assert error.message_dict == {"offering": ["该服务项目不服务此居民所在社区。"]}
        return False
    return True


def test_matcher_and_manual_assignment_agree_on_an_agreement_in_force(agreement_case):
    cast, offering, service_request, in_force = agreement_case
    community_id = cast.community.pk

    assert offering_serves(offering, community_id=community_id, week_start=WEEK) is in_force
    assert _matcher_serves(cast, offering) is in_force
    assert _assignment_serves(cast, offering, service_request) is in_force
    assert Match.objects.filter(request=service_request, offering=offering).exists() is in_force
