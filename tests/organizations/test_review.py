import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from organizations import domain
from organizations.models import Organization, OrganizationStatusChange
from sanlian.models import AuditEntry
from tests import factories as f

Status = Organization.Status


@pytest.fixture
def submitted(cast):
    organization = f.OrganizationFactory(
        name="待审组织", status=Status.SUBMITTED, email="wait@example.org"
    )
    organization.wants_to_serve.add(cast.community)
    return organization


@pytest.fixture
def other_submitted(cast):
    organization = f.OrganizationFactory(name="西边待审组织", status=Status.SUBMITTED)
    organization.wants_to_serve.add(cast.other_community)
    return organization


def test_approve_records_history_audit_and_emails_once_after_commit(
    cast, submitted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        domain.organization_approve(organization=submitted, reviewer=cast.civil, reason="材料齐全")
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    submitted.refresh_from_db()
    assert submitted.status == Status.APPROVED
    assert submitted.reviewed_by == cast.civil
    assert submitted.reviewed_at is not None
    change = submitted.status_changes.first()
    assert (change.from_status, change.to_status, change.changed_by, change.reason) == (
        Status.SUBMITTED,
        Status.APPROVED,
        cast.civil,
        "材料齐全",
    )
    entry = AuditEntry.objects.get(object_id=str(submitted.pk), action="status")
    assert entry.actor == cast.civil
    assert entry.changes["status"] == [Status.SUBMITTED, Status.APPROVED]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wait@example.org"]
    assert "通过审核" in mail.outbox[0].subject


def test_rolled_back_review_sends_no_email(cast, submitted, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        domain.organization_approve(organization=submitted, reviewer=cast.civil)
        raise RuntimeError("something later in the same transaction failed")
    assert callbacks == []
    assert mail.outbox == []
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert not OrganizationStatusChange.objects.filter(organization=submitted).exists()


def test_reject_requires_reason_and_changes_nothing_without_one(
    cast, submitted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        domain.organization_reject(organization=submitted, reviewer=cast.civil, reason="  ")
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert mail.outbox == []
    assert not submitted.status_changes.exists()


def test_reject_with_reason_emails_the_reason(cast, submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        domain.organization_reject(organization=submitted, reviewer=cast.civil, reason="证照过期")
    submitted.refresh_from_db()
    assert submitted.status == Status.REJECTED
    assert submitted.review_reason == "证照过期"
    assert len(mail.outbox) == 1
    assert "证照过期" in mail.outbox[0].body


def test_suspend_and_reinstate_an_approved_organization(cast, django_capture_on_commit_callbacks):
    organization = cast.organization
    with django_capture_on_commit_callbacks(execute=True):
        domain.organization_suspend(organization=organization, reviewer=cast.civil, reason="投诉")
        organization.refresh_from_db()
        assert organization.status == Status.SUSPENDED
        domain.organization_reinstate(organization=organization, reviewer=cast.civil)
    organization.refresh_from_db()
    assert organization.status == Status.APPROVED
    assert [c.to_status for c in organization.status_changes.order_by("id")] == [
        Status.SUSPENDED,
        Status.APPROVED,
    ]
    assert [m.subject for m in mail.outbox] == ["您的组织已被暂停", "您的组织已恢复正常"]


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (domain.organization_approve, Status.APPROVED),
        (domain.organization_approve, Status.REJECTED),
        (domain.organization_reject, Status.APPROVED),
        (domain.organization_suspend, Status.SUBMITTED),
        (domain.organization_suspend, Status.SUSPENDED),
        (domain.organization_reinstate, Status.APPROVED),
    ],
)
def test_invalid_transitions_are_refused(cast, action, status):
    organization = f.OrganizationFactory(status=status, review_reason="早先的意见")
    with pytest.raises(ValidationError):
        action(organization=organization, reviewer=cast.civil, reason="理由")
    organization.refresh_from_db()
    assert organization.status == status
    assert not organization.status_changes.exists()


def test_street_staff_reviews_organizations_in_scope(cast, submitted):
    domain.organization_approve(organization=submitted, reviewer=cast.street_staff)
    submitted.refresh_from_db()
    assert submitted.status == Status.APPROVED


def test_street_staff_cannot_review_another_streets_organization(cast, other_submitted):
    with pytest.raises(PermissionDenied):
        domain.organization_approve(organization=other_submitted, reviewer=cast.street_staff)
    other_submitted.refresh_from_db()
    assert other_submitted.status == Status.SUBMITTED


@pytest.mark.parametrize("who", ["community_staff", "member", "resident_user"])
def test_other_roles_cannot_review(cast, submitted, who):
    reviewer = cast.resident.user if who == "resident_user" else getattr(cast, who)
    with pytest.raises(PermissionDenied):
        domain.organization_approve(organization=submitted, reviewer=reviewer)
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


# --- pages --------------------------------------------------------------------------------


def test_review_queue_lists_submitted_in_scope_only(client, cast, submitted, other_submitted):
    client.force_login(cast.street_staff)
    response = client.get(reverse("organizations:review_list"))
    names = [o.name for o in response.context["page_obj"]]
    assert names == ["待审组织"]


def test_review_queue_for_civil_affairs_sees_every_street(client, cast, submitted, other_submitted):
    client.force_login(cast.civil)
    response = client.get(reverse("organizations:review_list"))
    assert {o.name for o in response.context["page_obj"]} == {"待审组织", "西边待审组织"}


def test_review_queue_filters_by_street_category_and_age(client, cast, submitted, other_submitted):
    Organization.objects.filter(pk=other_submitted.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=10),
        category="culture_sports",
    )
    client.force_login(cast.civil)
    url = reverse("organizations:review_list")

    def names(**params):
        response = client.get(url, {"status": "submitted", **params})
        return {o.name for o in response.context["page_obj"]}

    assert names(street=cast.west_street.pk) == {"西边待审组织"}
    assert names(street=cast.east_street.pk) == {"待审组织"}
    assert names(older_than="7") == {"西边待审组织"}
    assert names(category="public_welfare") == {"待审组织"}
    assert names(q="西边") == {"西边待审组织"}


def test_review_queue_street_filter_uses_home_street(client, cast):
    f.OrganizationFactory(
        name="东街本地组织", status=Status.SUBMITTED, home_street=cast.east_street
    )
    client.force_login(cast.street_staff)
    response = client.get(
        reverse("organizations:review_list"), {"status": "submitted", "street": cast.east_street.pk}
    )
    assert [o.name for o in response.context["page_obj"]] == ["东街本地组织"]


@pytest.mark.parametrize("who", ["community_staff", "member", "family"])
def test_review_queue_forbidden_for_other_roles(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("organizations:review_list")).status_code == 403


def test_review_queue_requires_login(client):
    response = client.get(reverse("organizations:review_list"))
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_detail_shows_history_with_masked_phone(client, cast, submitted):
    domain.organization_reject(organization=submitted, reviewer=cast.civil, reason="材料不全")
    client.force_login(cast.civil)
    page = client.get(reverse("organizations:detail", args=[submitted.pk])).content.decode()
    assert "材料不全" in page
    assert submitted.contact_phone not in page
    assert submitted.masked_contact_phone in page


def test_detail_of_other_streets_organization_is_404(client, cast, other_submitted):
    client.force_login(cast.street_staff)
    response = client.get(reverse("organizations:detail", args=[other_submitted.pk]))
    assert response.status_code == 404


def test_approve_page_action_changes_state_and_emails_once(
    client, cast, submitted, django_capture_on_commit_callbacks
):
    client.force_login(cast.street_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("organizations:approve", args=[submitted.pk]))
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.APPROVED
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_page_without_reason_shows_the_error_beside_the_field(
    client, cast, submitted, django_capture_on_commit_callbacks, reason
):
    client.force_login(cast.civil)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organizations:reject", args=[submitted.pk]), {"reason": reason}
        )
    assert response.status_code == 400
    assert response.context["reason_form"].errors == {"reason": ["驳回时必须填写原因。"]}
    assert not list(response.context["messages"])  # beside the field, not a top alert
    page = response.content.decode()
    assert re.search(r'id="id_reason-error">\s*<div>.*?驳回时必须填写原因', page)
    assert reverse("organizations:reject", args=[submitted.pk]) in page  # buttons still there
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert not OrganizationStatusChange.objects.filter(organization=submitted).exists()
    assert mail.outbox == []


def test_rejected_organization_page_has_no_reason_field(client, cast, submitted):
    domain.organization_reject(organization=submitted, reviewer=cast.civil, reason="材料不全")
    client.force_login(cast.civil)
    page = client.get(reverse("organizations:detail", args=[submitted.pk])).content.decode()
    assert "当前状态无可执行的审核操作" in page
    assert 'name="reason"' not in page and "原因或意见" not in page
    pending = client.get(reverse("organizations:detail", args=[cast.organization.pk]))
    assert 'name="reason"' in pending.content.decode()


def test_review_action_on_other_streets_organization_is_404(client, cast, other_submitted):
    client.force_login(cast.street_staff)
    response = client.post(reverse("organizations:approve", args=[other_submitted.pk]))
    assert response.status_code == 404
    other_submitted.refresh_from_db()
    assert other_submitted.status == Status.SUBMITTED


def test_review_action_by_organization_member_is_403(client, cast, submitted):
    client.force_login(cast.member)
    response = client.post(reverse("organizations:approve", args=[submitted.pk]))
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_invalid_transition_from_page_shows_message(client, cast):
    client.force_login(cast.civil)
    response = client.post(
        reverse("organizations:reinstate", args=[cast.organization.pk]), follow=True
    )
    assert "只有已暂停的组织可以恢复" in response.content.decode()
    cast.organization.refresh_from_db()
    assert cast.organization.status == Status.APPROVED


def test_review_email_task_sends_for_given_kind(cast):
    from organizations.tasks import task_send_review_email

    task_send_review_email.delay(organization_id=cast.organization.pk, kind="approved")
    assert len(mail.outbox) == 1
    assert task_send_review_email.name == "organizations.send_review_email"


def test_approval_email_links_to_the_login_page_on_site_url(cast, settings):
    from organizations.emails import organization_send_review_email

    settings.SITE_URL = "https://sanlian.example.gov.cn"
    organization_send_review_email(organization=cast.organization, kind="approved")
    organization_send_review_email(organization=cast.organization, kind="rejected")
    approved, rejected = mail.outbox
    assert "https://sanlian.example.gov.cn/accounts/login/" in approved.body
    assert "/accounts/login/" not in rejected.body
