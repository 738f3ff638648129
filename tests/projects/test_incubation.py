import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects import domain
from projects.models import Incubation
from projects.queries import incubations_visible_to
from tests import factories as f
from tests.api.conftest import client_for


@pytest.fixture
def hub(cast):
    return f.OrganizationFactory(name="太原市社会组织服务中心", home_street=cast.east_street)


def _start(cast, hub, **overrides):
    fields = {
        "organization": cast.organization,
        "mentor": hub,
        "started_on": datetime.date(2026, 3, 1),
        "actor": cast.civil,
    }
    return domain.incubation_start(**(fields | overrides))


def test_incubation_start_and_graduate(cast, hub):
    incubation = _start(cast, hub)
    domain.incubation_end(
        incubation=incubation,
        actor=cast.civil,
        stage="graduated",
        ended_on=datetime.date(2026, 9, 1),
        outcome="独立承接两个购买服务项目",
    )
    incubation.refresh_from_db()
    assert (incubation.stage, incubation.ended_on) == ("graduated", datetime.date(2026, 9, 1))


def test_incubation_bad_input_refused_and_nothing_changed(cast, hub):
    with pytest.raises(ValidationError, match="不能是被孵化的组织本身"):
        _start(cast, hub, mentor=cast.organization)
    incubation = _start(cast, hub)
    with pytest.raises(ValidationError, match="不能早于入孵日期"):
        domain.incubation_end(
            incubation=incubation,
            actor=cast.civil,
            stage="graduated",
            ended_on=datetime.date(2026, 2, 1),
            outcome="结果",
        )
    incubation.refresh_from_db()
    assert (incubation.stage, incubation.ended_on) == ("incubating", None)


@pytest.mark.parametrize("who", ["street_staff", "member"])
def test_incubation_wrong_role_refused(cast, hub, who):
    with pytest.raises(PermissionDenied):
        _start(cast, hub, actor=getattr(cast, who))
    assert not Incubation.objects.exists()


def test_incubation_visible_to_own_organization_and_mentor_only(cast, hub):
    _start(cast, hub)
    assert incubations_visible_to(cast.member).count() == 1
    assert not incubations_visible_to(cast.other_member).exists()
    assert not incubations_visible_to(cast.family).exists()


def test_stats_projects_counts_incubation_per_district_and_category(cast, hub):
    cast.organization.home_street = cast.east_street
    cast.organization.save(update_fields=["home_street"])
    _start(cast, hub)
    body = client_for(cast.civil).get("/api/v1/stats/projects/").json()
    assert body["incubation_by_district_and_category"] == [
        {
            "district": cast.east_street.district_id,
            "district_name": cast.east_street.district.name,
            "category": "public_welfare",
            "incubating": 1,
            "graduated": 0,
            "withdrawn": 0,
        }
    ]
