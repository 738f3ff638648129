import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects.models import Criterion, ProjectCall, ServiceTarget
from tests.projects._support import days, publish


def test_call_publish_stores_rubric_targets_and_communities(cast):
    call = publish(cast)
    assert call.status == ProjectCall.Status.OPEN
    assert list(call.communities.all()) == [cast.community]
    assert list(call.criteria.values_list("name", "max_points")) == [
        ("方案可行性", 40),
        ("团队能力", 30),
        ("预算合理性", 30),
    ]
    assert call.targets.get().quantity == 10


def test_call_publish_dates_out_of_order_refused_and_nothing_saved(cast):
    with pytest.raises(ValidationError) as error:
        publish(cast, opens_on=days(5), closes_on=days(1))
    assert "申报截止日期不能早于开始日期" in str(error.value)
    assert not ProjectCall.objects.exists()
    assert not Criterion.objects.exists()


def test_call_publish_target_period_out_of_order_refused(cast):
    bad = {
        "service_types": [],
        "communities": [cast.community],
        "starts_on": days(10),
        "ends_on": days(1),
        "quantity": 5,
    }
    with pytest.raises(ValidationError):
        publish(cast, targets=[bad])
    assert not ProjectCall.objects.exists()
    assert not ServiceTarget.objects.exists()


def test_call_publish_by_street_staff_only_for_their_street(cast):
    call = publish(cast, actor=cast.street_staff, street=cast.east_street)
    assert call.street == cast.east_street
    with pytest.raises(ValidationError) as error:
        publish(
            cast,
            actor=cast.street_staff,
            street=cast.east_street,
            communities=[cast.other_community],
        )
    assert "本街道" in str(error.value)
    assert ProjectCall.objects.count() == 1


@pytest.mark.parametrize("who", ["community_staff", "member", "resident_user"])
def test_call_publish_wrong_role_refused(cast, who):
    actor = cast.resident.user if who == "resident_user" else getattr(cast, who)
    with pytest.raises(PermissionDenied):
        publish(cast, actor=actor)
    assert not ProjectCall.objects.exists()
