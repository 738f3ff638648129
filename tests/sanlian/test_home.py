import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from communities.models import PilotBatch
from organizations.models import Agreement, Organization
from reporting.home import community_indicators
from sanlian.roles import Role
from services.models import Match, ServiceRequest, Visit
from tests import factories as f


def _testid_text(response, testid: str) -> str:
    """The text inside the element carrying data-testid=<testid> (flattened)."""
    html = response.content.decode()
    start = html.index(f'data-testid="{testid}"')
    end = html.find("data-testid=", start + 1)
    chunk = html[start : end if end != -1 else len(html)]
    return " ".join(chunk.split())


def _stat(response, testid: str) -> str:
    """ "<value> | <note>" of the figure card carrying data-testid=<testid>."""
    card = _testid_text(response, testid)
    value = re.search(r'class="stat-value">([^<]*)<', card).group(1).strip()
    note = re.search(r'class="stat-note mt-1">([^<]*)<', card)
    return f"{value} | {note.group(1).strip()}" if note else value


def _visit_at(resident, *, hours_from_now: float = 0, day_offset: int = 0, **kwargs):
    """A visit for `resident` at noon local time `day_offset` days from today."""
    day = timezone.localdate() + datetime.timedelta(days=day_offset)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))
    start += datetime.timedelta(hours=hours_from_now)
    kwargs.setdefault("request__status", ServiceRequest.Status.SCHEDULED)
    return f.VisitFactory(request__resident=resident, scheduled_start=start, **kwargs)


@pytest.fixture
def city(cast):
    """The cast plus figures on both sides: east is ours, west is the other street."""
    cast.community.pilot_batch = PilotBatch.PROVINCE
    cast.community.residents_60_plus = 1234
    cast.community.households = 1000
    cast.community.facility_area_m2 = Decimal("200")  # 20 m² per 100 households: below target
    cast.community.save()
    cast.other_community.pilot_batch = PilotBatch.CITY
    cast.other_community.residents_60_plus = 987
    cast.other_community.save()  # 650 m² / 2000 households = 32.5: meets target

    worker = f.SocialWorkerFactory(name="王社工")
    worker.communities.add(cast.other_community)
    for _ in range(2):
        f.SocialWorkerFactory().communities.add(cast.other_community)
    f.OrganizationFactory(name="待审核服务社", status=Organization.Status.SUBMITTED)

    f.ServiceRequestFactory(resident=cast.resident, urgent=True)
    f.ServiceRequestFactory(resident=cast.resident)
    for _ in range(3):
        f.ServiceRequestFactory(resident=cast.other_resident)
    offering = f.OfferingFactory(organization=cast.organization)
    done = {"status": Visit.Status.COMPLETED, "request__status": ServiceRequest.Status.DONE}
    visit = _visit_at(cast.resident, offering=offering, **done)
    f.FeedbackFactory(visit=visit, rating=4)
    other_offering = f.OfferingFactory(organization=cast.other_organization)
    other_visit = _visit_at(cast.other_resident, offering=other_offering, **done)
    f.FeedbackFactory(visit=other_visit, rating=1)
    return cast


def test_home_anonymous_redirects_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_civil_affairs_shows_city_figures(client, city):
    client.force_login(city.civil)
    response = client.get(reverse("home"))
    assert response.templates[0].name == "home/civil_affairs.html"
    assert _stat(response, "pilot-communities") == "2 | 省级 1 · 市级 1"
    assert _stat(response, "organizations-submitted") == "1 | 已批准 2 家"
    assert _stat(response, "organizations-entered") == "2 | 有生效协议"
    assert _stat(response, "social-workers") == "3 | 1 个社区未达标"
    assert _stat(response, "elderly-in-pilots") == "2221 | 其中平台登记 2 人"
    assert _stat(response, "requests-open") == "5 | 其中紧急 1 件"
    assert _stat(response, "satisfaction") == "2.5 / 5 | 2 条评价"
    assert response.context["visits_this_week"] == 2


def test_home_civil_affairs_lists_communities_below_target_first(client, city):
    client.force_login(city.civil)
    response = client.get(reverse("home"))
    rows = response.context["indicators"]
    assert [row.community for row in rows] == [city.community, city.other_community]
    assert rows[0].facility_ratio == Decimal("20.0")
    assert not rows[0].social_workers_met and not rows[0].facility_met
    assert rows[1].social_workers == 3 and rows[1].facility_met
    assert "未达标（目标 ≥ 30）" in _testid_text(response, "indicator-table")


def test_home_civil_affairs_lists_only_pilot_communities(client, city):
    f.CommunityFactory(name="非试点社区", street=city.east_street)
    client.force_login(city.civil)
    response = client.get(reverse("home"))
    assert "非试点社区" not in _testid_text(response, "indicator-table")
    assert response.context["indicator_total"] == 2


def test_home_street_staff_sees_only_their_street(client, city):
    client.force_login(city.street_staff)
    response = client.get(reverse("home"))
    assert response.templates[0].name == "home/street_staff.html"
    assert "桃园街道" in response.content.decode()
    assert _stat(response, "pilot-communities") == "1 | 省级 1 · 市级 0"
    assert _stat(response, "elderly-in-pilots") == "1234 | 其中平台登记 1 人"
    assert _stat(response, "requests-open") == "2 | 其中紧急 1 件"
    assert _stat(response, "satisfaction") == "4.0 / 5 | 1 条评价"
    assert _stat(response, "organizations-entered") == "1 | 有生效协议"
    table = _testid_text(response, "indicator-table")
    assert "桃南二社区" in table
    assert "坞城社区" not in table


def test_home_counts_organizations_entered_in_the_users_own_scope(client, city):
    elsewhere = f.OrganizationFactory(status=Organization.Status.APPROVED)
    f.AgreementFactory(
        organization=elsewhere, community=city.other_community, status=Agreement.Status.ACTIVE
    )
    client.force_login(city.street_staff)
    assert _stat(client.get(reverse("home")), "organizations-entered") == "1 | 有生效协议"
    body = APIClient()
    body.force_authenticate(city.street_staff)
    overview = body.get("/api/v1/stats/overview/").json()
    assert overview["organizations_entered"] == 1  # the dashboard's figure


def test_home_registered_residents_are_those_of_the_pilot_communities(client, city):
    plain = f.CommunityFactory(street=city.community.street, pilot_batch=PilotBatch.NONE)
    f.ResidentFactory(community=plain)
    client.force_login(city.street_staff)
    response = client.get(reverse("home"))
    assert _stat(response, "elderly-in-pilots") == "1234 | 其中平台登记 1 人"


def test_home_street_staff_other_street_sees_the_other_side(client, city):
    client.force_login(city.other_street_staff)
    response = client.get(reverse("home"))
    assert _stat(response, "social-workers") == "3 | 0 个社区未达标"
    assert "桃南二社区" not in _testid_text(response, "indicator-table")
    assert _stat(response, "satisfaction") == "1.0 / 5 | 1 条评价"


def test_home_community_staff_shows_their_community(client, city):
    tomorrow_visit = _visit_at(city.resident, day_offset=1)
    today_visit = _visit_at(city.resident, hours_from_now=5)
    _visit_at(city.other_resident, day_offset=1)
    client.force_login(city.community_staff)
    response = client.get(reverse("home"))
    assert response.templates[0].name == "home/community_staff.html"
    assert _stat(response, "residents-registered") == "1"
    assert _stat(response, "requests-open") == "2 | 其中紧急 1 件"
    assert _stat(response, "organizations-entered") == "1"
    open_requests = response.context["open_requests"]
    assert [r.urgent for r in open_requests] == [True, False]
    assert list(response.context["visits_today"]) == [today_visit]
    assert list(response.context["visits_tomorrow"]) == [tomorrow_visit]
    assert "优社优家" in _testid_text(response, "entered-organizations")
    assert "别家服务社" not in response.content.decode()
    badge = re.sub(r"<[^>]+>", "", _testid_text(response, "social-worker-indicator"))
    assert "0 未达标（目标 ≥ 2）" in " ".join(badge.split())
    assert "20.0" in _testid_text(response, "facility-indicator")


def test_home_organization_member_shows_own_organization(client, city):
    offering = f.OfferingFactory(organization=city.organization)
    f.AgreementFactory(
        organization=city.organization,
        community=f.CommunityFactory(),
        status=Agreement.Status.PENDING,
    )
    f.MatchFactory(offering=offering, request__resident=city.resident, status="confirmed")
    f.MatchFactory(offering=offering, request__resident=city.resident, status="proposed")
    other_offering = f.OfferingFactory(organization=city.other_organization)
    f.MatchFactory(offering=other_offering, status=Match.Status.CONFIRMED)
    _visit_at(city.resident, day_offset=2, offering=offering)
    _visit_at(city.other_resident, day_offset=2, offering=other_offering)

    client.force_login(city.member)
    response = client.get(reverse("home"))
    assert response.templates[0].name == "home/organization.html"
    assert "已批准" in _testid_text(response, "organization-status")
    agreements = {value: n for value, _label, n in response.context["agreements"]}
    assert agreements == {"pending": 1, "active": 1, "declined": 0, "ended": 0}
    assert "生效中 <strong>1</strong>" in _testid_text(response, "agreement-counts")
    assert "开放 <strong>2</strong>" in _testid_text(response, "offering-counts")
    assert len(response.context["matches_waiting"]) == 1
    assert len(response.context["upcoming_visits"]) == 1
    assert "别家服务社" not in response.content.decode()


def test_home_worker_shows_own_visits_and_teams(client, city):
    user = f.UserFactory(username="worker", role=Role.SOCIAL_WORKER)
    worker = f.SocialWorkerFactory(user=user)
    team = f.VolunteerTeamFactory(name="润梅志愿服务队", leader=worker, community=city.community)
    f.VolunteerFactory(team=team)
    mine_today = _visit_at(city.resident, hours_from_now=3, social_worker=worker)
    mine_later = _visit_at(city.resident, day_offset=3, social_worker=worker)
    _visit_at(city.resident, day_offset=10, social_worker=worker)
    _visit_at(city.resident, day_offset=1)  # someone else's

    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.templates[0].name == "home/worker.html"
    assert response.context["visits_today"] == [mine_today]
    assert response.context["visits_later"] == [mine_later]
    assert "润梅志愿服务队" in _testid_text(response, "teams")
    assert "1 名队员" in _testid_text(response, "teams")


def test_home_worker_lists_team_visits_apart_from_own_as_my_visits_does(client, city):
    user = f.UserFactory(username="leader", role=Role.SOCIAL_WORKER)
    worker = f.SocialWorkerFactory(user=user)
    team = f.VolunteerTeamFactory(leader=worker, community=city.community)
    member = f.VolunteerFactory(team=team, name="队员小杨")
    mine = _visit_at(city.resident, day_offset=2, social_worker=worker)
    members = _visit_at(city.resident, day_offset=2, volunteer=member)

    client.force_login(user)
    home = client.get(reverse("home"))
    assert home.context["visits_later"] == [mine]
    assert home.context["team_visits"] == [members]
    assert "队员小杨" in _testid_text(home, "team-visits")
    my_visits = client.get(reverse("services:my_visits")).context
    assert list(my_visits["upcoming"]) == [mine]


def test_home_volunteer_sees_no_foreign_visits(client, city):
    user = f.UserFactory(username="helper", role=Role.VOLUNTEER)
    f.VolunteerFactory(user=user)
    _visit_at(city.resident, day_offset=1)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.context["visits_today"] == []
    assert response.context["visits_later"] == []


@pytest.mark.parametrize("who", ["resident", "family"])
def test_home_resident_and_family_see_own_services(client, city, who):
    _visit_at(city.resident, day_offset=2)
    _visit_at(city.other_resident, day_offset=2)
    f.ServiceRequestFactory(resident=city.resident, status=ServiceRequest.Status.DONE)
    user = city.resident.user if who == "resident" else city.family
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.templates[0].name == "home/resident.html"
    assert 'class="resident-ui"' in response.content.decode()
    assert len(response.context["upcoming_visits"]) == 1
    # Two open ones and the scheduled one behind the visit; done ones are history.
    assert len(response.context["pending_requests"]) == 3
    # The completed visit already has feedback, so nothing waits for a rating.
    assert list(response.context["visits_to_rate"]) == []


def test_home_resident_lists_completed_visit_without_rating(client, city):
    visit = _visit_at(city.resident, day_offset=-1, status=Visit.Status.COMPLETED)
    client.force_login(city.resident.user)
    response = client.get(reverse("home"))
    assert list(response.context["visits_to_rate"]) == [visit]
    feedback_url = reverse("services:visit_feedback", args=[visit.pk])
    assert feedback_url in _testid_text(response, "visits-to-rate")


def test_home_dashboard_role_explains_api_use(client, db):
    client.force_login(f.UserFactory(role=Role.DASHBOARD))
    response = client.get(reverse("home"))
    assert response.templates[0].name == "home/dashboard.html"
    assert "/api/v1/stats/" in response.content.decode()


def test_home_civil_affairs_query_count_does_not_grow_with_rows(
    client, city, django_assert_max_num_queries
):
    for _ in range(5):
        f.CommunityFactory(street=city.east_street)
        f.ServiceRequestFactory(resident=city.resident)
    client.force_login(city.civil)
    with django_assert_max_num_queries(20):
        client.get(reverse("home"))


def test_community_indicators_counts_only_active_workers(db):
    community = f.CommunityFactory(households=0)
    f.SocialWorkerFactory(active=False).communities.add(community)
    f.SocialWorkerFactory().communities.add(community)
    [row] = community_indicators(community.__class__.objects.filter(pk=community.pk))
    assert row.social_workers == 1
    assert row.facility_ratio is None
    assert row.shortfalls == 2
