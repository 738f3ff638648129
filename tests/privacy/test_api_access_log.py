"""Opening one resident through the API is logged like the staff detail page."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from sanlian.models import AccessLog


def _get(user, resident):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(reverse("api:resident-detail", kwargs={"pk": resident.pk}))


@pytest.mark.parametrize("who", ["community_staff", "civil", "family"])
def test_api_resident_detail_writes_a_view_row(cast, who):
    user = getattr(cast, who)
    response = _get(user, cast.resident)
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert (log.actor, log.resident, log.kind) == (user, cast.resident, AccessLog.Kind.VIEW)


def test_api_resident_detail_row_matches_the_web_page_row(client, cast):
    _get(cast.community_staff, cast.resident)
    client.force_login(cast.community_staff)
    client.get(reverse("communities:resident_detail", kwargs={"pk": cast.resident.pk}))
    api_row, page_row = AccessLog.objects.order_by("pk")
    fields = ("actor_id", "resident_id", "kind", "field", "purpose")
    assert [getattr(api_row, name) for name in fields] == [
        getattr(page_row, name) for name in fields
    ]


def test_api_resident_detail_out_of_scope_is_404_and_not_logged(cast):
    response = _get(cast.community_staff, cast.other_resident)
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


def test_api_resident_list_writes_no_view_rows(cast):
    client = APIClient()
    client.force_authenticate(cast.civil)
    assert client.get(reverse("api:resident-list")).status_code == 200
    assert not AccessLog.objects.exists()
