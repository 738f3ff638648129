import pytest
from django.urls import reverse

from tests import factories as f


@pytest.mark.parametrize(
    "name",
    [
        "organizations:workspace",
        "organizations:profile_edit",
        "organizations:member_invite",
        "offerings:list",
        "offerings:create",
        "organizations:agreement_list",
        "organizations:agreement_create",
    ],
)
def test_organization_pages_render_for_member(client, cast, name):
    f.OfferingWindowFactory(offering=f.OfferingFactory(organization=cast.organization))
    client.force_login(cast.member)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert cast.organization.contact_phone not in response.content.decode()


def test_staff_pages_render(client, cast):
    team = f.VolunteerTeamFactory(community=cast.community)
    f.VolunteerFactory(team=team)
    worker = f.SocialWorkerFactory()
    worker.communities.set([cast.community])
    agreement = cast.organization.agreements.get()
    client.force_login(cast.street_staff)
    urls = [
        reverse("organizations:review_list"),
        reverse("organizations:detail", args=[cast.organization.pk]),
        reverse("organizations:agreement_detail", args=[agreement.pk]),
        reverse("socialworkers:create"),
        reverse("socialworkers:detail", args=[worker.pk]),
        reverse("socialworkers:team_list"),
        reverse("socialworkers:team_create"),
        reverse("socialworkers:team_detail", args=[team.pk]),
        reverse("socialworkers:team_edit", args=[team.pk]),
        reverse("socialworkers:volunteer_create"),
        reverse("indicators:community_list"),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
