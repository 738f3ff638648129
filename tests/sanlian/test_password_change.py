"""Password change for every user; an invited member must replace the one-time password."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from organizations.domain import organization_member_invite
from organizations.models import Organization, OrganizationMember
from sanlian.models import User

NEW = "Taiyuan-Care-2027!"


@pytest.fixture
def invited(cast):
    Organization.objects.filter(pk=cast.organization.pk).update(status="approved")
    cast.organization.refresh_from_db()
    OrganizationMember.objects.filter(user=cast.member).update(is_admin=True)
    member, password = organization_member_invite(
        organization=cast.organization, actor=cast.member, username="newbie", display_name="新人"
    )
    return member.user, password


def _change(client, old, new=NEW):
    data = {"old_password": old, "new_password1": new, "new_password2": new}
    return client.post(reverse("password_change"), data)


def test_invited_member_is_held_at_the_password_change_until_done(client, invited):
    user, password = invited
    assert user.must_change_password
    assert (
        client.post("/accounts/login/", {"username": "newbie", "password": password}).status_code
        == 302
    )
    for path in ("/", "/organizations/workspace/", "/matching/inbox/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == reverse("password_change")
    assert "must-change" in client.get(reverse("password_change")).content.decode()
    assert _change(client, password).status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(NEW)
    assert client.get("/").status_code == 200  # still signed in, free to go


def test_invited_member_gets_no_api_token_with_the_one_time_password(invited):
    _user, password = invited
    api = APIClient()
    response = api.post("/api/v1/auth/token/", {"username": "newbie", "password": password})
    assert response.status_code == 403
    assert not Token.objects.filter(user__username="newbie").exists()


def test_every_user_may_change_their_password_and_wrong_old_one_changes_nothing(client, cast):
    client.force_login(cast.street_staff)
    assert client.get("/").status_code == 200  # control: nobody else is held
    assert _change(client, "not my password").status_code == 200
    assert User.objects.get(pk=cast.street_staff.pk).check_password("correct horse battery staple")
    assert _change(client, "correct horse battery staple").status_code == 302
    assert User.objects.get(pk=cast.street_staff.pk).check_password(NEW)
