"""Factories for the activities app (kept apart so other apps' factory edits don't collide)."""

import datetime

import factory
from django.utils import timezone

from activities.models import Activity, Shift, VolunteerPost
from tests.factories import CommunityFactory, VenueFactory


def soon(hours: int = 48) -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(hours=hours)).replace(microsecond=0)


class ActivityFactory(factory.django.DjangoModelFactory):
    """A published activity written directly (no domain checks): for reading and listing."""

    class Meta:
        model = Activity

    venue = factory.SubFactory(VenueFactory)
    community = factory.SelfAttribute("venue.community")
    title = factory.Sequence(lambda n: f"象棋辅导{n}")
    starts_at = factory.LazyFunction(soon)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    capacity = 10


class VolunteerPostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerPost

    community = factory.SubFactory(CommunityFactory)
    project = "社区+义工"
    title = factory.Sequence(lambda n: f"助教{n}")


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    post = factory.SubFactory(VolunteerPostFactory)
    starts_at = factory.LazyFunction(soon)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(minutes=150))
    slots = 2
