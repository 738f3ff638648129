"""A rejected organization corrects its registration and asks to be reviewed again."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from organizations import domain
from organizations.models import Organization, OrganizationMember, OrganizationStatusChange
from sanlian.models import AuditEntry

Status = Organization.Status


@pytest.fixture
def rejected(cast):
    Organization.objects.filter(pk=cast.organization.pk).update(
        status=Status.REJECTED, review_reason="缺少登记证书"
    )
    cast.organization.refresh_from_db()
    return cast.organization


def _status(organization) -> str:
    return Organization.objects.get(pk=organization.pk).status


def test_organization_resubmit_moves_back_to_submitted_with_history(cast, rejected):
    submitted_at = rejected.submitted_at
    domain.organization_resubmit(organization=rejected, actor=cast.member)
    rejected.refresh_from_db()
    assert rejected.status == Status.SUBMITTED
    assert rejected.submitted_at > submitted_at
    change = OrganizationStatusChange.objects.get(organization=rejected)
    assert (change.from_status, change.to_status, change.changed_by) == (
        Status.REJECTED,
        Status.SUBMITTED,
        cast.member,
    )
    entry = AuditEntry.objects.get(
        object_type="organizations.organization", object_id=str(rejected.pk)
    )
    assert entry.changes["status"] == [Status.REJECTED, Status.SUBMITTED]
    assert mail.outbox == []


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.SUSPENDED])
def test_organization_resubmit_only_from_rejected(cast, status):
    Organization.objects.filter(pk=cast.organization.pk).update(status=status)
    cast.organization.refresh_from_db()
    with pytest.raises(ValidationError):
        domain.organization_resubmit(organization=cast.organization, actor=cast.member)
    assert _status(cast.organization) == status
    assert not OrganizationStatusChange.objects.exists()


def test_organization_resubmit_needs_an_admin_of_that_organization(cast, rejected):
    with pytest.raises(PermissionDenied):
        domain.organization_resubmit(organization=rejected, actor=cast.other_member)
    OrganizationMember.objects.filter(user=cast.member).update(is_admin=False)
    with pytest.raises(PermissionDenied):
        domain.organization_resubmit(organization=rejected, actor=cast.member)
    assert _status(rejected) == Status.REJECTED


def test_workspace_of_rejected_organization_offers_correction_and_resubmission(
    client, cast, rejected
):
    client.force_login(cast.member)
    page = client.get(reverse("organizations:workspace")).content.decode()
    assert reverse("organizations:resubmit") in page
    assert reverse("organizations:profile_edit") in page


def test_workspace_of_submitted_organization_has_no_resubmit_button(client, cast):
    Organization.objects.filter(pk=cast.organization.pk).update(status=Status.SUBMITTED)
    client.force_login(cast.member)
    page = client.get(reverse("organizations:workspace")).content.decode()
    assert reverse("organizations:resubmit") not in page


def test_resubmit_button_resubmits(client, cast, rejected):
    client.force_login(cast.member)
    response = client.post(reverse("organizations:resubmit"))
    assert response.status_code == 302
    assert response.url == reverse("organizations:workspace")
    assert _status(rejected) == Status.SUBMITTED


def test_resubmit_page_by_non_admin_member_is_403(client, cast, rejected):
    OrganizationMember.objects.filter(user=cast.member).update(is_admin=False)
    client.force_login(cast.member)
    assert client.post(reverse("organizations:resubmit")).status_code == 403
    assert _status(rejected) == Status.REJECTED


@pytest.mark.parametrize("who", ["street_staff", "civil", "family"])
def test_resubmit_page_for_other_roles_is_403(client, cast, rejected, who):
    client.force_login(getattr(cast, who))
    assert client.post(reverse("organizations:resubmit")).status_code == 403
    assert _status(rejected) == Status.REJECTED


def test_resubmit_page_refuses_get(client, cast, rejected):
    client.force_login(cast.member)
    assert client.get(reverse("organizations:resubmit")).status_code == 405
    assert _status(rejected) == Status.REJECTED


def test_rejected_organization_can_correct_its_registration(client, cast, rejected):
    client.force_login(cast.member)
    response = client.post(
        reverse("organizations:profile_edit"),
        {
            "legal_representative": "王法人",
            "contact_name": "新联系人",
            "contact_phone": "",
            "email": "fixed@example.org",
            "address": "更正后的地址",
            "wants_to_serve": [cast.community.pk],
        },
    )
    assert response.status_code == 302
    rejected.refresh_from_db()
    assert (rejected.legal_representative, rejected.status) == ("王法人", Status.REJECTED)
