"""A city with figures large enough not to be suppressed, on both sides of the cast."""

import datetime

import pytest
from django.utils import timezone

from services.models import Visit
from tests import factories as f


def served(community, people: int, *, rating: int = 4) -> None:
    """`people` residents of `community`, each with one completed, rated visit."""
    now = timezone.now()
    for _ in range(people):
        request = f.ServiceRequestFactory(
            resident=f.ResidentFactory(community=community),
            created_at=now - datetime.timedelta(days=3),
        )
        visit = f.VisitFactory(
            request=request,
            scheduled_start=now - datetime.timedelta(hours=2),
            checked_in_at=now - datetime.timedelta(hours=2),
            status=Visit.Status.COMPLETED,
        )
        f.FeedbackFactory(visit=visit, rating=rating)


@pytest.fixture
def city(cast):
    cast.community.pilot_batch = "city"
    cast.community.households = 1000
    cast.community.facility_area_m2 = 400
    cast.community.save()
    cast.other_community.households = 1000
    cast.other_community.facility_area_m2 = 100
    cast.other_community.save()
    for _ in range(2):
        f.SocialWorkerFactory().communities.set([cast.community])
    served(cast.community, 6, rating=5)
    served(cast.other_community, 5, rating=3)
    return cast
