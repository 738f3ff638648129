"""The access log records where a sensitive read came from, as TRUSTED_PROXIES resolves it."""

import pytest
from django.urls import reverse

from sanlian.models import AccessLog
from tests import factories as f


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [(0, "192.0.2.10"), (1, "198.51.100.7")],  # 0: the header is the client's own word
)
def test_reveal_logs_the_client_address(client, cast, settings, trusted, expected):
    settings.TRUSTED_PROXIES = trusted
    resident = f.ResidentFactory(community=cast.community)
    client.force_login(cast.community_staff)
    response = client.post(
        reverse("communities:resident_reveal", kwargs={"pk": resident.pk}),
        {"field": "phone", "purpose": "热线核实身份"},
        REMOTE_ADDR="192.0.2.10",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 200
    assert AccessLog.objects.get(kind="reveal").client_address == expected


def test_detail_view_logs_the_client_address(client, cast):
    client.force_login(cast.community_staff)
    url = reverse("communities:resident_detail", kwargs={"pk": cast.resident.pk})
    client.get(url, REMOTE_ADDR="192.0.2.11", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert AccessLog.objects.get(kind="view").client_address == "192.0.2.11"
    client.force_login(cast.civil)
    assert "192.0.2.11" in client.get(reverse("audit:access_log")).content.decode()
