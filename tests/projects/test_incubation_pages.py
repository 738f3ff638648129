"""The incubation page: the bureau and street offices record and update incubations (a
street office only for organizations based in its street); organizations see their own."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from projects.models import Incubation
from tests import factories as f


@pytest.fixture
def hub(cast):
    return f.OrganizationFactory(name="太原市社会组织服务中心", home_street=cast.east_street)


@pytest.fixture
def based(cast):
    """cast.organization based in the east street, cast.other_organization in the west."""
    cast.organization.home_street = cast.east_street
    cast.organization.save(update_fields=["home_street"])
    cast.other_organization.home_street = cast.west_street
    cast.other_organization.save(update_fields=["home_street"])
    return cast


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _start(client, organization, hub, started_on="2026-03-01"):
    return client.post(
        "/projects/incubations/new/",
        {"organization": organization.pk, "mentor": hub.pk, "started_on": started_on},
        follow=True,
    )


@pytest.mark.parametrize("who", ["civil", "street_staff"])
def test_staff_record_incubation_then_graduation(based, hub, who):
    client = _client(getattr(based, who))
    response = _start(client, based.organization, hub)
    assert "已记录入孵" in response.content.decode()
    incubation = Incubation.objects.get(organization=based.organization)
    assert (incubation.mentor, incubation.stage) == (hub, "incubating")

    page = client.get("/projects/incubations/").content.decode()
    assert based.organization.name in page and "记录结果" in page
    today = timezone.localdate().isoformat()
    response = client.post(
        f"/projects/incubations/{incubation.pk}/end/",
        {"stage": "graduated", "ended_on": today, "outcome": "独立承接项目"},
        follow=True,
    )
    assert "孵化结果已记录" in response.content.decode()
    incubation.refresh_from_db()
    assert (incubation.stage, str(incubation.ended_on), incubation.outcome) == (
        "graduated",
        today,
        "独立承接项目",
    )


def test_bad_input_gets_a_message_and_changes_nothing(based, hub):
    client = _client(based.civil)
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    assert (
        "入孵日期不能晚于今天" in _start(client, based.organization, hub, future).content.decode()
    )
    page = _start(client, based.organization, based.organization).content.decode()
    assert "不能是被孵化的组织本身" in page
    assert not Incubation.objects.exists()

    _start(client, based.organization, hub)
    incubation = Incubation.objects.get()
    for data, message in [
        ({"stage": "graduated", "ended_on": "2026-02-01", "outcome": "x"}, "不能早于入孵日期"),
        ({"stage": "graduated", "ended_on": future, "outcome": "x"}, "不能晚于今天"),
        (
            {"stage": "incubating", "ended_on": "2026-04-01", "outcome": "x"},
            "结果：选择一个有效的选项",
        ),
        ({"stage": "withdrawn", "ended_on": "2026-04-01", "outcome": ""}, "孵化结果说明："),
    ]:
        response = client.post(f"/projects/incubations/{incubation.pk}/end/", data, follow=True)
        assert message in response.content.decode()
        incubation.refresh_from_db()
        assert (incubation.stage, incubation.ended_on, incubation.outcome) == (
            "incubating",
            None,
            "",
        )


def test_street_office_cannot_record_outside_its_street(based, hub):
    client = _client(based.street_staff)
    # The west organization is not even offered on the form: the choice is refused.
    response = _start(client, based.other_organization, hub)
    assert "选择一个有效的选项" in response.content.decode()
    assert not Incubation.objects.exists()
    # An incubation recorded by the bureau in the west street: the east office cannot end it.
    _start(_client(based.civil), based.other_organization, hub)
    incubation = Incubation.objects.get()
    data = {"stage": "withdrawn", "ended_on": "2026-04-01", "outcome": "退出"}
    assert client.post(f"/projects/incubations/{incubation.pk}/end/", data).status_code in (
        403,
        404,
    )
    assert (
        _client(based.other_street_staff)
        .post(f"/projects/incubations/{incubation.pk}/end/", data)
        .status_code
        == 302
    )
    incubation.refresh_from_db()
    assert incubation.stage == "withdrawn"


@pytest.mark.parametrize("who", ["community_staff", "member"])
def test_wrong_role_may_not_record(based, hub, who):
    client = _client(getattr(based, who))
    assert _start(client, based.organization, hub).status_code == 403
    assert "记录入孵" not in client.get("/projects/incubations/").content.decode()
    assert not Incubation.objects.exists()


def test_organizations_see_their_own_incubation_only(based, hub):
    _start(_client(based.civil), based.organization, hub)
    own = _client(based.member).get("/projects/incubations/").content.decode()
    assert based.organization.name in own and "记录结果" not in own
    other = _client(based.other_member).get("/projects/incubations/").content.decode()
    assert based.organization.name not in other
    incubation = Incubation.objects.get()
    response = _client(based.member).post(
        f"/projects/incubations/{incubation.pk}/end/",
        {"stage": "graduated", "ended_on": "2026-04-01", "outcome": "自己说出壳"},
    )
    assert response.status_code == 403
    assert _client(based.family).get("/projects/incubations/").status_code == 403
