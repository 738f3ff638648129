"""Registration tells nobody which usernames exist, and is throttled per address (finding 7)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from organizations.models import Organization
from sanlian.models import User
from tests import factories as f
from tests.organizations.test_registration import _payload

API = "/api/v1/organizations/"


def _api_payload(cast, n: int, username: str) -> dict:
    data = _payload(cast, name=f"探测组织{n}", credit_code=f.credit_code(9_100_000 + n))
    data.pop("password_again")
    return {**data, "username": username}


def _page_answer(response) -> tuple:
    return response.status_code, response.get("Location"), response.content


def test_page_answers_the_same_for_a_taken_and_a_free_username(client, cast):
    taken = client.post(reverse("organizations:register"), _payload(cast, username="alice"))
    free = client.post(
        reverse("organizations:register"),
        _payload(
            cast, username="nobody-yet", name="另一组织", credit_code=f.credit_code(9_000_002)
        ),
    )
    assert _page_answer(taken) == _page_answer(free)
    assert Organization.objects.filter(name="另一组织").exists()  # the free one registered
    assert not Organization.objects.filter(name="润梅社会工作服务中心").exists()


def test_api_answers_the_same_for_a_taken_and_a_free_username(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    api = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        taken = api.post(API, _api_payload(cast, 1, "alice"), format="json")
        free = api.post(API, _api_payload(cast, 2, "nobody-yet"), format="json")
    assert (taken.status_code, taken.json()) == (free.status_code, free.json())
    assert User.objects.filter(username="nobody-yet").exists()
    assert User.objects.filter(username__iexact="alice").count() == 1
    assert [mail.body.count("alice") for mail in mailoutbox] == [1]  # to the registrant only


def test_control_an_answer_that_differs_is_noticed(cast):
    """Control: the comparison above tells answers apart when they do differ."""
    api = APIClient()
    good = api.post(API, _api_payload(cast, 3, "nobody-yet"), format="json")
    bad = api.post(API, {**_api_payload(cast, 4, "someone"), "email": "x"}, format="json")
    assert (good.status_code, good.json()) != (bad.status_code, bad.json())


def test_registration_page_is_throttled_per_address_whatever_the_header_says(client, cast):
    statuses = [
        client.post(
            reverse("organizations:register"),
            {"name": ""},
            HTTP_X_FORWARDED_FOR=f"10.9.0.{n}",
        ).status_code
        for n in range(25)
    ]
    assert statuses[:20] == [200] * 20 and set(statuses[20:]) == {429}
    # Control: another client address still registers.
    other = client.post(
        reverse("organizations:register"), _payload(cast), REMOTE_ADDR="198.51.100.9"
    )
    assert other.status_code == 302
    assert Organization.objects.filter(name="润梅社会工作服务中心").exists()


@pytest.mark.parametrize("first", ["page", "api"])
def test_page_and_api_share_one_budget(client, cast, first):
    for _ in range(20):
        if first == "page":
            client.post(reverse("organizations:register"), {"name": ""})
        else:
            APIClient().post(API, {}, format="json")
    assert APIClient().post(API, {}, format="json").status_code == 429
    assert client.post(reverse("organizations:register"), {"name": ""}).status_code == 429
