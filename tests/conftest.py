"""The shared cast for permission tests.

Two streets (east and west), each with one community; two organizations, each
entering one community. "Ours" is east; every "other_*" object is west, which
the east-side users must never see.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from sanlian.roles import Role
from services.offerings.models import week_start_of
from tests import factories as f


@pytest.fixture
def cast(db):
    east_street = f.StreetFactory(name="桃园街道")
    west_street = f.StreetFactory(name="坞城街道", district=east_street.district)
    community = f.CommunityFactory(street=east_street, name="桃南二社区")
    other_community = f.CommunityFactory(street=west_street, name="坞城社区")

    organization = f.OrganizationFactory(name="优社优家")
    other_organization = f.OrganizationFactory(name="别家服务社")
    f.AgreementFactory(organization=organization, community=community)
    f.AgreementFactory(organization=other_organization, community=other_community)

    civil = f.UserFactory(username="civil", role=Role.CIVIL_AFFAIRS)
    street_staff = f.StaffAssignmentFactory(
        user=f.UserFactory(username="street", role=Role.STREET_STAFF),
        street=east_street,
        community=None,
    ).user
    other_street_staff = f.StaffAssignmentFactory(
        user=f.UserFactory(username="street2", role=Role.STREET_STAFF),
        street=west_street,
        community=None,
    ).user
    community_staff = f.StaffAssignmentFactory(
        user=f.UserFactory(username="community", role=Role.COMMUNITY_STAFF),
        community=community,
    ).user
    member = f.OrganizationMemberFactory(
        user=f.UserFactory(username="alice", role=Role.ORGANIZATION), organization=organization
    ).user
    other_member = f.OrganizationMemberFactory(
        user=f.UserFactory(username="charlie", role=Role.ORGANIZATION),
        organization=other_organization,
    ).user

    resident = f.ResidentFactory(
        community=community, user=f.UserFactory(username="grandma", role=Role.RESIDENT)
    )
    other_resident = f.ResidentFactory(community=other_community)
    family = f.FamilyMemberFactory(
        resident=resident, user=f.UserFactory(username="daughter", role=Role.FAMILY)
    ).user

    return SimpleNamespace(
        east_street=east_street,
        west_street=west_street,
        community=community,
        other_community=other_community,
        organization=organization,
        other_organization=other_organization,
        civil=civil,
        street_staff=street_staff,
        other_street_staff=other_street_staff,
        community_staff=community_staff,
        member=member,
        other_member=other_member,
        resident=resident,
        other_resident=other_resident,
        family=family,
    )


class Clock:
    """Now, today and this week as Asia/Shanghai sees them, read when asked.

    Read at import time, `date.today()` goes stale in a long run and is the UTC date
    from 16:00 to midnight UTC, when Shanghai is already on the next day.
    """

    def __init__(self, monkeypatch):
        self._monkeypatch = monkeypatch

    @property
    def now(self) -> datetime.datetime:
        return timezone.now()

    @property
    def today(self) -> datetime.date:
        return timezone.localdate()

    @property
    def monday(self) -> datetime.date:
        return week_start_of(self.today)

    @property
    def next_monday(self) -> datetime.date:
        return self.week(1)

    def week(self, offset: int = 0) -> datetime.date:
        """The Monday `offset` weeks from this week's."""
        return self.monday + datetime.timedelta(weeks=offset)

    def at(self, day: datetime.date, time: datetime.time) -> datetime.datetime:
        """`day` at `time` on the Shanghai wall clock, as an aware datetime."""
        return timezone.make_aware(datetime.datetime.combine(day, time))

    def next_weekday(
        self, weekday: int, time: datetime.time, weeks_ahead: int = 0
    ) -> datetime.datetime:
        """The next such weekday strictly after today, at `time`."""
        days = (weekday - self.today.weekday()) % 7 or 7
        return self.at(self.today + datetime.timedelta(days=days + 7 * weeks_ahead), time)

    def freeze(self, instant: datetime.datetime) -> datetime.datetime:
        """Pin `timezone.now()` (and so `localdate()`) to `instant` for the rest of the test."""
        if timezone.is_naive(instant):
            instant = timezone.make_aware(instant)
        self._monkeypatch.setattr(timezone, "now", lambda: instant)
        return instant


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The cache holds login-failure counts and cached figures: no test sees another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the portal's default language: the language middleware activates
    the request's language in the test's own thread and leaves it there, so a test that
    browsed in English would otherwise make the next one read English messages."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


# The fault suite and the schemathesis run have fixed budgets (README, "Tests"): the
# summary says how long each took, setup and teardown included, so a run shows drift.
BUDGETS = {"faults": 240, "fuzz": 300}
_spent = {name: [0, 0.0] for name in BUDGETS}


def pytest_runtest_logreport(report):
    for name in BUDGETS:
        if name in report.keywords:
            _spent[name][0] += report.when == "call"
            _spent[name][1] += report.duration


def pytest_terminal_summary(terminalreporter):
    for name, (tests, seconds) in _spent.items():
        if tests:
            terminalreporter.write_line(
                f"{name} suite: {tests} tests in {seconds:.0f} s (budget {BUDGETS[name]} s)"
            )
