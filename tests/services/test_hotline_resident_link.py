"""Hotline results open the staff resident page, whose every opening is access-logged."""

from django.urls import reverse

from sanlian.models import AccessLog
from tests import factories as f


def test_hotline_results_link_to_the_resident_page_which_logs_the_view(client, cast):
    resident = f.ResidentFactory(community=cast.community, name="王桂芳")
    client.force_login(cast.community_staff)
    page = client.post(reverse("services:hotline"), {"q": "桂芳"}).content.decode()
    detail = reverse("communities:resident_detail", kwargs={"pk": resident.pk})
    assert f'href="{detail}"' in page
    assert not AccessLog.objects.exists()  # a search lists, it does not open anyone

    assert client.get(detail).status_code == 200
    assert AccessLog.objects.get().resident == resident


def test_hotline_results_never_link_to_residents_of_another_street(client, cast):
    theirs = f.ResidentFactory(community=cast.other_community, name="王桂芳")
    client.force_login(cast.community_staff)
    page = client.post(reverse("services:hotline"), {"q": "桂芳"}).content.decode()
    assert reverse("communities:resident_detail", kwargs={"pk": theirs.pk}) not in page
