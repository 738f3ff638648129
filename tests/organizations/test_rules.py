"""The predicates of organizations/rules.py against the shared cast."""

import pytest
from django.contrib.auth.models import AnonymousUser

from organizations import rules
from organizations.models import Agreement, Organization
from tests import factories as f

Status = Organization.Status


def _set_status(organization, status):
    organization.status = status
    organization.review_reason = "材料不全" if status == Status.REJECTED else ""
    organization.save()


def _agreement(cast, status, *, other=False):
    return f.AgreementFactory(
        organization=cast.other_organization if other else cast.organization,
        community=f.CommunityFactory(street=cast.west_street if other else cast.east_street),
        status=status,
    )


def test_review_list_is_for_supervisors(cast):
    assert rules.may_view_review_list(cast.civil)
    assert rules.may_view_review_list(cast.street_staff)
    assert not rules.may_view_review_list(cast.community_staff)
    assert not rules.may_view_review_list(cast.member)
    assert not rules.may_view_review_list(AnonymousUser())


def test_review_organization_needs_scope(cast):
    assert rules.may_review_organization(cast.civil, cast.other_organization)
    assert rules.may_review_organization(cast.street_staff, cast.organization)
    assert not rules.may_review_organization(cast.street_staff, cast.other_organization)
    assert not rules.may_review_organization(cast.community_staff, cast.organization)
    assert not rules.may_review_organization(cast.member, cast.organization)


@pytest.mark.parametrize(
    ("status", "open_actions"),
    [
        (Status.SUBMITTED, ["approve", "reject"]),
        (Status.APPROVED, ["suspend"]),
        (Status.SUSPENDED, ["reinstate"]),
        (Status.REJECTED, []),
    ],
)
def test_review_actions_follow_the_status(cast, status, open_actions):
    _set_status(cast.organization, status)
    for action in rules.REVIEW_FROM:
        expected = action in open_actions
        assert rules.may_review_organization(cast.street_staff, cast.organization, action) is (
            expected
        )
    assert rules.review_actions(cast.street_staff, cast.organization) == open_actions
    assert rules.review_actions(cast.other_street_staff, cast.organization) == []


def test_view_organization_is_for_staff_in_scope(cast):
    assert rules.may_view_organization(cast.community_staff, cast.organization)
    assert not rules.may_view_organization(cast.community_staff, cast.other_organization)
    assert not rules.may_view_organization(cast.member, cast.organization)
    assert not rules.may_view_organization(cast.resident.user)


def test_workspace_is_for_organization_staff(cast):
    assert rules.may_use_workspace(cast.member)
    assert not rules.may_use_workspace(cast.civil)
    assert not rules.may_use_workspace(cast.family)


def test_resubmit_only_an_admin_of_a_rejected_organization(cast):
    assert not rules.may_resubmit(cast.member, cast.organization)  # approved
    _set_status(cast.organization, Status.REJECTED)
    assert rules.may_resubmit(cast.member, cast.organization)
    assert not rules.may_resubmit(cast.other_member, cast.organization)
    plain = f.OrganizationMemberFactory(organization=cast.organization, is_admin=False).user
    assert not rules.may_resubmit(plain, cast.organization)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.APPROVED, True),
        (Status.REJECTED, True),
        (Status.SUBMITTED, False),
        (Status.SUSPENDED, False),
    ],
)
def test_edit_profile_approved_or_rejected_members(cast, status, expected):
    _set_status(cast.organization, status)
    assert rules.may_edit_profile(cast.member, cast.organization) is expected
    assert not rules.may_edit_profile(cast.other_member, cast.organization)
    assert not rules.may_edit_profile(cast.civil, cast.organization)


def test_invite_member_admin_of_approved_organization(cast):
    assert rules.may_invite_member(cast.member, cast.organization)
    assert not rules.may_invite_member(cast.other_member, cast.organization)
    plain = f.OrganizationMemberFactory(organization=cast.organization, is_admin=False).user
    assert not rules.may_invite_member(plain, cast.organization)
    _set_status(cast.organization, Status.SUSPENDED)
    assert not rules.may_invite_member(cast.member, cast.organization)


@pytest.mark.parametrize("predicate", [rules.may_manage_offerings, rules.may_request_agreement])
def test_member_of_approved_organization(cast, predicate):
    assert predicate(cast.member)
    assert not predicate(cast.street_staff)
    assert predicate(cast.member, cast.organization)
    assert not predicate(cast.other_member, cast.organization)
    assert not predicate(cast.civil, cast.organization)
    _set_status(cast.organization, Status.SUSPENDED)
    assert not predicate(cast.member, cast.organization)


def test_view_agreements_organizers_in_scope(cast):
    ours = _agreement(cast, Agreement.Status.PENDING)
    assert rules.may_view_agreements(cast.member, ours)
    assert rules.may_view_agreements(cast.street_staff, ours)
    assert not rules.may_view_agreements(cast.other_member, ours)
    assert not rules.may_view_agreements(cast.other_street_staff, ours)
    assert not rules.may_view_agreements(cast.resident.user)


def test_decide_agreement_local_staff_in_scope_while_pending(cast):
    pending = _agreement(cast, Agreement.Status.PENDING)
    assert rules.may_decide_agreement(cast.street_staff)
    assert not rules.may_decide_agreement(cast.civil)  # the bureau does not sign for a community
    assert rules.may_decide_agreement(cast.street_staff, pending)
    # Community staff decide for their own community only, not for the rest of the street.
    assert not rules.may_decide_agreement(cast.community_staff, pending)
    here = f.AgreementFactory(community=cast.community, status=Agreement.Status.PENDING)
    assert rules.may_decide_agreement(cast.community_staff, here)
    assert not rules.may_decide_agreement(cast.other_street_staff, pending)
    assert not rules.may_decide_agreement(cast.member, pending)
    active = _agreement(cast, Agreement.Status.ACTIVE)
    assert not rules.may_decide_agreement(cast.street_staff, active)


def test_end_agreement_member_while_active(cast):
    active = _agreement(cast, Agreement.Status.ACTIVE)
    assert rules.may_end_agreement(cast.member)
    assert not rules.may_end_agreement(cast.street_staff)
    assert rules.may_end_agreement(cast.member, active)
    assert not rules.may_end_agreement(cast.other_member, active)
    assert not rules.may_end_agreement(cast.street_staff, active)
    pending = _agreement(cast, Agreement.Status.PENDING)
    assert not rules.may_end_agreement(cast.member, pending)
    assert not rules.may_end_agreement(cast.other_member, _agreement(cast, "ended", other=True))
