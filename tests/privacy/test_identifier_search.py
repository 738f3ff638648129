"""A search by a full identifier is a sensitive read (issue 19, finding 3).

The attack: from a masked ID number and an age, ~31 candidate numbers remain; posting
them to the hotline search confirms the real one. Now each full-number search needs a
purpose, is access-logged, and a user gets IDENTIFIER_SEARCHES_PER_HOUR of them.
"""

import datetime

import pytest
from django.urls import reverse

from sanlian.models import AccessLog
from services.models import Notification
from tests import factories as f

BIRTH = datetime.date(1961, 5, 20)
PURPOSE = "核对来电居民身份"


@pytest.fixture
def target(cast):
    candidates = [
        f.resident_id("140106", BIRTH + datetime.timedelta(days=day), 344) for day in range(31)
    ]
    resident = f.ResidentFactory(
        community=cast.community, birth_date=BIRTH, id_number=candidates[24], phone="13712343442"
    )
    return resident, candidates


def _search(client, term, purpose=PURPOSE, **extra):
    return client.post(reverse("services:hotline"), {"q": term, "purpose": purpose}, **extra)


def _attack(client, candidates) -> list:
    found = []
    for candidate in candidates:
        response = _search(client, candidate, REMOTE_ADDR="192.0.2.44")
        if response.status_code == 429:
            break
        found += response.context["results"]
    return found


def test_reconstructing_an_id_number_is_throttled_logged_and_reported(client, cast, target):
    resident, candidates = target
    client.force_login(cast.community_staff)
    assert _attack(client, candidates) == []  # stopped after 20 guesses, before the 25th
    refused = _search(client, candidates[24])
    assert refused.status_code == 429
    assert refused.context["results"] is None
    assert resident.id_number not in refused.content.decode()
    logs = AccessLog.objects.filter(kind=AccessLog.Kind.SEARCH)
    assert logs.count() == 20
    assert set(logs.values_list("actor", "field", "purpose", "client_address")) == {
        (cast.community_staff.pk, "id_number", PURPOSE, "192.0.2.44")
    }
    assert not logs.exclude(resident=None).exists()  # every guess missed
    alert = Notification.objects.get(user=cast.civil)
    assert cast.community_staff.username in alert.link


def test_control_with_a_generous_limit_the_attack_finds_the_resident(
    client, cast, target, settings
):
    """Control: the test above would notice the attack getting through."""
    settings.IDENTIFIER_SEARCHES_PER_HOUR = 100
    resident, candidates = target
    client.force_login(cast.community_staff)
    assert _attack(client, candidates) == [resident]
    # Even then, each guess is on record, the hit with the resident it found.
    logs = AccessLog.objects.filter(kind=AccessLog.Kind.SEARCH, actor=cast.community_staff)
    assert logs.count() == 31
    assert logs.get(resident=resident).field == "id_number"


def test_full_phone_search_without_purpose_is_refused_and_counts_nothing(client, cast, target):
    resident, _candidates = target
    client.force_login(cast.community_staff)
    response = _search(client, resident.phone, purpose="")
    assert response.context["results"] is None
    assert "请说明用途" in response.content.decode()
    assert not AccessLog.objects.exists()
    found = _search(client, resident.phone)
    assert found.context["results"] == [resident]
    log = AccessLog.objects.get()
    assert (log.kind, log.field, log.resident) == ("search", "phone", resident)


def test_full_phone_searches_are_limited_per_user_not_per_office(client, cast, target, settings):
    settings.IDENTIFIER_SEARCHES_PER_HOUR = 3
    resident, _candidates = target
    client.force_login(cast.community_staff)
    statuses = [_search(client, f"1380000{n:04d}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    client.force_login(cast.street_staff)  # a colleague still works the hotline
    assert _search(client, resident.phone).context["results"] == [resident]


def test_partial_searches_stay_free_and_unlogged(client, cast, target, settings):
    settings.IDENTIFIER_SEARCHES_PER_HOUR = 1
    resident, _candidates = target
    client.force_login(cast.community_staff)
    for _ in range(5):
        assert _search(client, "3442", purpose="").context["results"] == [resident]
        assert resident in _search(client, resident.name, purpose="").context["results"]
    assert not AccessLog.objects.exists()
    assert not Notification.objects.exists()


def test_admin_search_is_no_way_around_the_hotline_gate(client, cast, target):
    resident, _candidates = target
    root = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    url = reverse("admin:communities_resident_changelist")
    for term in (resident.id_number, resident.phone):
        assert client.get(url, {"q": term}).context["cl"].result_count == 0
    # Control: the same page finds the resident by what the hotline also finds freely.
    assert client.get(url, {"q": "3442"}).context["cl"].result_count == 1
