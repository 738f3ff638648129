import pytest
from django.urls import reverse

from organizations.models import Organization, OrganizationMember, OrganizationStatusChange
from sanlian.models import AuditEntry, User
from sanlian.roles import Role
from tests import factories as f


def _rows() -> tuple[int, int, int, int]:
    return (
        Organization.objects.count(),
        User.objects.count(),
        OrganizationMember.objects.count(),
        OrganizationStatusChange.objects.count(),
    )


def _payload(cast, **overrides) -> dict:
    data = {
        "name": "润梅社会工作服务中心",
        "credit_code": f.credit_code(9_000_001),
        "category": "public_welfare",
        "legal_representative": "王润梅",
        "contact_name": "赵联系",
        "contact_phone": "13912340000",
        "email": "runmei@example.org",
        "address": "太原市小店区坞城路1号",
        "description": "为老服务",
        "home_street": cast.east_street.pk,
        "communities": [cast.community.pk],
        "username": "runmei",
        "password": "a-long-Secret-2014",
        "password_again": "a-long-Secret-2014",
    }
    data.update(overrides)
    return data


def test_registration_page_is_public(client, cast):
    response = client.get(reverse("organizations:register"))
    assert response.status_code == 200
    assert "统一社会信用代码" in response.content.decode()


def test_registration_creates_submitted_organization_member_and_history(client, cast):
    response = client.post(reverse("organizations:register"), _payload(cast))
    assert response.status_code == 302
    assert response.url == reverse("organizations:register_done")
    organization = Organization.objects.get(name="润梅社会工作服务中心")
    assert organization.status == Organization.Status.SUBMITTED
    assert list(organization.wants_to_serve.all()) == [cast.community]
    user = User.objects.get(username="runmei")
    assert user.role == Role.ORGANIZATION
    assert user.check_password("a-long-Secret-2014")
    assert OrganizationMember.objects.get(user=user).organization == organization
    assert OrganizationMember.objects.get(user=user).is_admin
    change = organization.status_changes.get()
    assert (change.from_status, change.to_status) == ("", Organization.Status.SUBMITTED)
    assert AuditEntry.objects.filter(
        object_type="organizations.organization", object_id=str(organization.pk)
    ).exists()


def test_registration_done_page_says_review_is_pending(client):
    response = client.get(reverse("organizations:register_done"))
    assert "等待审核" in response.content.decode()


def test_registration_street_choice_adds_its_communities(client, cast):
    extra = f.CommunityFactory(street=cast.west_street)
    data = _payload(cast, communities=[], streets=[cast.west_street.pk])
    client.post(reverse("organizations:register"), data)
    organization = Organization.objects.get(name="润梅社会工作服务中心")
    assert set(organization.wants_to_serve.all()) == {cast.other_community, extra}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("credit_code", "52140105MJ0000001X", "校验位"),
        ("credit_code", "SHORT", "18位"),
        ("contact_phone", "12345", "手机号码"),
        ("email", "not-an-email", ""),
        ("category", "gambling", ""),
    ],
)
def test_registration_invalid_field_creates_nothing(client, cast, field, value, message):
    before = _rows()
    response = client.post(reverse("organizations:register"), _payload(cast, **{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert _rows() == before


def test_registration_duplicate_name_is_refused(client, cast):
    before = _rows()
    response = client.post(
        reverse("organizations:register"), _payload(cast, name=cast.organization.name)
    )
    assert "该组织名称已经登记过。" in response.context["form"].errors["name"]
    assert _rows() == before


def test_registration_duplicate_credit_code_is_refused(client, cast):
    before = _rows()
    data = _payload(cast, credit_code=cast.organization.credit_code)
    response = client.post(reverse("organizations:register"), data)
    assert "该统一社会信用代码已经登记过。" in response.context["form"].errors["credit_code"]
    assert _rows() == before


def test_registration_taken_username_saves_nothing_and_tells_the_registrant_by_mail(
    client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    before = _rows()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("organizations:register"), _payload(cast, username="alice"))
    assert response.url == reverse("organizations:register_done")  # as for a registration
    assert _rows() == before
    assert mailoutbox[0].to == ["runmei@example.org"] and "alice" in mailoutbox[0].body


def test_registration_weak_or_mismatched_password_is_refused(client, cast):
    before = _rows()
    weak = client.post(
        reverse("organizations:register"),
        _payload(cast, password="123", password_again="123"),
    )
    assert "password" in weak.context["form"].errors
    mismatch = client.post(
        reverse("organizations:register"), _payload(cast, password_again="something-else-9")
    )
    assert "password_again" in mismatch.context["form"].errors
    assert _rows() == before


def test_registration_requires_a_community_or_street(client, cast):
    before = _rows()
    response = client.post(reverse("organizations:register"), _payload(cast, communities=[]))
    assert "communities" in response.context["form"].errors
    assert _rows() == before


def test_registration_lowercase_credit_code_is_normalised(client, cast):
    code = f.credit_code(9_000_002)
    client.post(reverse("organizations:register"), _payload(cast, credit_code=code.lower()))
    assert Organization.objects.filter(credit_code=code).exists()


def test_registration_error_keeps_the_other_fields_and_says_why_passwords_are_blank(client, cast):
    response = client.post(reverse("organizations:register"), _payload(cast, contact_phone="12345"))
    html = response.content.decode()
    assert 'value="润梅社会工作服务中心"' in html and 'value="runmei"' in html
    assert "a-long-Secret-2014" not in html
    assert 'data-testid="password-cleared"' in html and "请重新输入两次密码" in html


def test_registration_groups_communities_by_district_and_street_with_a_search_box(client, cast):
    other_district = f.StreetFactory(name="柳巷街道")
    f.CommunityFactory(street=other_district, name="柳北社区")
    html = client.get(reverse("organizations:register")).content.decode()
    district = cast.east_street.district.name
    assert f"<summary>{district} · 桃园街道 " in html
    assert f"<summary>{other_district.district.name} · 柳巷街道 " in html
    assert html.count('data-choice-search="id_communities-groups"') == 1
    assert html.count('data-choice-search="id_streets-groups"') == 1
    assert "js/choice-search.js" in html
    # Grouped choices still validate and save as before.
    response = client.post(
        reverse("organizations:register"),
        _payload(cast, communities=[cast.community.pk], streets=[cast.west_street.pk]),
    )
    assert response.status_code == 302
    organization = Organization.objects.get(name="润梅社会工作服务中心")
    assert organization.status == Organization.Status.SUBMITTED


def test_registration_folds_a_long_area_list_and_leaves_a_short_one_open(client, cast):
    assert (
        '<details class="mb-1" open>'
        in client.get(reverse("organizations:register")).content.decode()
    )
    for n in range(4):
        f.CommunityFactory(street=f.StreetFactory(name=f"新街道{n}"), name=f"新社区{n}")
    html = client.get(reverse("organizations:register")).content.decode()
    assert '<details class="mb-1" open>' not in html and '<details class="mb-1">' in html


def test_registration_taken_username_mail_is_in_the_language_of_the_page(
    client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("organizations:register"), _payload(cast, username="alice"))
    with django_capture_on_commit_callbacks(execute=True):
        client.cookies["django_language"] = "zh-hans"
        client.post(reverse("organizations:register"), _payload(cast, username="alice"))
    english, chinese = mailoutbox
    assert "未能保存" not in english.subject and "alice" in english.body
    assert "已被使用" not in english.body
    assert chinese.subject == "您的组织登记未能保存"
