"""The predicates of communities/rules.py against the shared cast."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities import rules
from communities.privacy import resident_anonymise, resident_export, resident_reveal
from sanlian.models import AccessLog
from tests import factories as f

ACTIONS_ON_A_LIVE_RECORD = [
    rules.may_reveal_resident,
    rules.may_export_resident,
    rules.may_correct_resident,
    rules.may_anonymise,
]


def test_community_pages_are_for_staff(cast):
    for user in (cast.civil, cast.street_staff, cast.community_staff):
        assert rules.may_view_communities(user)
    for user in (cast.member, cast.resident.user, cast.family, AnonymousUser()):
        assert not rules.may_view_communities(user)


def test_view_resident_staff_in_scope(cast):
    assert rules.may_view_resident(cast.civil, cast.other_resident)
    assert rules.may_view_resident(cast.street_staff, cast.resident)
    assert rules.may_view_resident(cast.community_staff, cast.resident)
    assert not rules.may_view_resident(cast.street_staff, cast.other_resident)
    assert not rules.may_view_resident(cast.other_street_staff, cast.resident)
    # The resident's side and organizations read their own through the API, not these pages.
    assert not rules.may_view_resident(cast.resident.user, cast.resident)
    assert not rules.may_view_resident(cast.family, cast.resident)
    assert not rules.may_view_resident(cast.member)
    assert not rules.may_view_resident(AnonymousUser(), cast.resident)


@pytest.mark.parametrize("predicate", ACTIONS_ON_A_LIVE_RECORD)
def test_personal_data_actions_staff_in_scope_on_a_live_record(cast, predicate):
    assert predicate(cast.street_staff)
    assert predicate(cast.community_staff, cast.resident)
    assert not predicate(cast.street_staff, cast.other_resident)
    assert not predicate(cast.member, cast.resident)
    assert not predicate(cast.family, cast.resident)
    cast.resident.anonymised_at = timezone.now()
    cast.resident.save()
    assert not predicate(cast.street_staff, cast.resident)
    assert not predicate(cast.civil, cast.resident)


def test_withdraw_consent_needs_a_consent_not_yet_withdrawn(cast):
    cast.resident.consents.all().delete()
    assert not rules.may_withdraw_consent(cast.street_staff, cast.resident)
    consent = f.ConsentFactory(resident=cast.resident)
    assert rules.may_withdraw_consent(cast.street_staff, cast.resident)
    assert not rules.may_withdraw_consent(cast.other_street_staff, cast.resident)
    assert not rules.may_withdraw_consent(cast.family, cast.resident)
    consent.withdrawn_at = timezone.now()
    consent.save()
    assert not rules.may_withdraw_consent(cast.street_staff, cast.resident)


def test_withdraw_consent_refused_once_anonymised(cast):
    f.ConsentFactory(resident=cast.resident)
    cast.resident.anonymised_at = timezone.now()
    cast.resident.save()
    assert not rules.may_withdraw_consent(cast.civil, cast.resident)


def test_reveal_and_export_refused_on_an_anonymised_record(cast):
    """The detail page never offered them; the domain now refuses them too."""
    resident_anonymise(actor=cast.street_staff, resident=cast.resident, reason="本人要求删除")
    cast.resident.refresh_from_db()
    logged = AccessLog.objects.count()
    with pytest.raises(ValidationError):
        resident_reveal(
            actor=cast.street_staff, resident=cast.resident, field="phone", purpose="回访核实"
        )
    with pytest.raises(ValidationError):
        resident_export(actor=cast.street_staff, resident=cast.resident, purpose="本人申请")
    assert AccessLog.objects.count() == logged


def test_domain_refuses_staff_out_of_scope(cast):
    with pytest.raises(PermissionDenied):
        resident_reveal(
            actor=cast.other_street_staff, resident=cast.resident, field="phone", purpose="回访核实"
        )
    assert not AccessLog.objects.filter(resident=cast.resident).exists()
