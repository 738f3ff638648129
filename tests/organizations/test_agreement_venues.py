"""The agreement request form offers only the chosen community's venues (htmx, no inline JS)."""

import re

import pytest
from django.urls import reverse

from organizations.models import Agreement
from tests import factories as f


@pytest.fixture
def venues(cast):
    new_community = f.CommunityFactory(street=cast.east_street, name="桃北社区")
    return {
        "community": new_community,
        "ours": f.VenueFactory(community=new_community, name="桃北日间照料中心"),
        "elsewhere": f.VenueFactory(community=cast.other_community, name="坞城活动室"),
    }


def test_venue_options_list_only_the_chosen_communitys_venues(client, cast, venues):
    client.force_login(cast.member)
    response = client.get(
        reverse("organizations:agreement_venue_options"),
        {"community": venues["community"].pk},
    )
    page = response.content.decode()
    assert f'value="{venues["ours"].pk}"' in page
    assert "坞城活动室" not in page


@pytest.mark.parametrize("community", ["", "abc", "99999999999999999999999"])
def test_venue_options_without_a_valid_community_are_empty(client, cast, venues, community):
    client.force_login(cast.member)
    response = client.get(
        reverse("organizations:agreement_venue_options"), {"community": community}
    )
    assert response.status_code == 200
    assert re.findall(r'value="(\d+)"', response.content.decode()) == []


@pytest.mark.parametrize("who", ["street_staff", "civil", "family"])
def test_venue_options_for_other_roles_are_403(client, cast, venues, who):
    client.force_login(getattr(cast, who))
    response = client.get(
        reverse("organizations:agreement_venue_options"),
        {"community": venues["community"].pk},
    )
    assert response.status_code == 403


def test_agreement_form_loads_venues_by_htmx_without_inline_script(client, cast, venues):
    client.force_login(cast.member)
    page = client.get(reverse("organizations:agreement_create")).content.decode()
    assert f'hx-get="{reverse("organizations:agreement_venue_options")}"' in page
    assert 'hx-target="#id_venue"' in page
    assert "桃北日间照料中心" not in page  # no community chosen yet
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert "onchange" not in page


def test_agreement_form_with_venue_of_another_community_changes_nothing(client, cast, venues):
    client.force_login(cast.member)
    response = client.post(
        reverse("organizations:agreement_create"),
        {
            "community": venues["community"].pk,
            "venue": venues["elsewhere"].pk,
            "start_date": "2026-09-01",
        },
    )
    assert "venue" in response.context["form"].errors
    assert not Agreement.objects.filter(community=venues["community"]).exists()


def test_agreement_form_redisplay_keeps_the_chosen_communitys_venues(client, cast, venues):
    client.force_login(cast.member)
    response = client.post(
        reverse("organizations:agreement_create"),
        {"community": venues["community"].pk, "venue": venues["ours"].pk},
    )
    assert "start_date" in response.context["form"].errors
    assert list(response.context["form"].fields["venue"].queryset) == [venues["ours"]]


def test_agreement_form_with_the_communitys_venue_is_filed(client, cast, venues):
    client.force_login(cast.member)
    client.post(
        reverse("organizations:agreement_create"),
        {
            "community": venues["community"].pk,
            "venue": venues["ours"].pk,
            "start_date": "2026-09-01",
        },
    )
    agreement = Agreement.objects.get(community=venues["community"])
    assert agreement.venue == venues["ours"]
