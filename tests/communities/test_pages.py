from decimal import Decimal

import pytest
from django.urls import reverse

from communities.models import Community
from tests import factories as f


def test_community_list_scoped_to_street(client, cast):
    client.force_login(cast.street_staff)
    response = client.get(reverse("indicators:community_list"))
    assert [c.name for c in response.context["page_obj"]] == ["桃南二社区"]


def test_community_list_search_street_pilot_and_below_target(client, cast):
    Community.objects.filter(pk=cast.other_community.pk).update(pilot_batch="city")
    for n in range(2):
        f.SocialWorkerFactory(certificate_number=f"SW-T-{n}").communities.set([cast.community])
    client.force_login(cast.civil)
    url = reverse("indicators:community_list")

    def names(**params):
        return {c.name for c in client.get(url, params).context["page_obj"]}

    assert names(q="坞城") == {"坞城社区"}
    assert names(street=cast.east_street.pk) == {"桃南二社区"}
    assert names(pilot_batch="city") == {"坞城社区"}
    assert names(below_target="on") == {"坞城社区"}


def test_community_detail_shows_venues_orgs_workers_and_missed_indicators(client, cast):
    Community.objects.filter(pk=cast.community.pk).update(
        households=1000, facility_area_m2=Decimal("250")
    )
    f.VenueFactory(community=cast.community, name="桃南日间照料中心")
    f.SocialWorkerFactory(name="唯一社工").communities.set([cast.community])
    f.VolunteerTeamFactory(community=cast.community, name="润梅志愿服务队")
    client.force_login(cast.community_staff)
    page = client.get(
        reverse("indicators:community_detail", args=[cast.community.pk])
    ).content.decode()
    for text in ("桃南日间照料中心", "优社优家", "唯一社工", "润梅志愿服务队"):
        assert text in page
    # 25 m² per 100 households and 1 social worker: both below target, in words and colour.
    assert page.count("未达标") == 2
    assert "text-bg-danger" in page


def test_community_detail_met_indicators(client, cast):
    for n in range(2):
        f.SocialWorkerFactory(certificate_number=f"SW-M-{n}").communities.set([cast.community])
    client.force_login(cast.civil)
    page = client.get(
        reverse("indicators:community_detail", args=[cast.community.pk])
    ).content.decode()
    assert "未达标" not in page
    assert page.count("达标") == 2


def test_other_streets_community_is_404(client, cast):
    client.force_login(cast.street_staff)
    response = client.get(reverse("indicators:community_detail", args=[cast.other_community.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["member", "family"])
def test_community_pages_forbidden_for_non_staff(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("indicators:community_list")).status_code == 403
    assert (
        client.get(reverse("indicators:community_detail", args=[cast.community.pk])).status_code
        == 403
    )
