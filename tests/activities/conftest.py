import pytest

from tests import factories as f
from tests.services._reminders_support import sms_log  # noqa: F401 - a fixture for these tests


@pytest.fixture
def venue(cast):
    return f.VenueFactory(community=cast.community, name="活动室", capacity=20)


@pytest.fixture
def other_venue(cast):
    return f.VenueFactory(community=cast.other_community, name="活动室", capacity=20)
