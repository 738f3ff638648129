"""Rules the database itself holds: each insert below must be refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations.models import Agreement, Organization
from services.models import OfferingWeek, ServiceOffering
from tests import factories as f


def _refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.mark.django_db
def test_community_cannot_have_more_elderly_than_people():
    _refused(lambda: f.CommunityFactory(population=100, residents_60_plus=101))


@pytest.mark.django_db
def test_staff_assignment_is_a_street_or_a_community_not_both():
    street = f.StreetFactory()
    community = f.CommunityFactory(street=street)
    _refused(lambda: f.StaffAssignmentFactory(street=street, community=community))
    _refused(lambda: f.StaffAssignmentFactory(street=None, community=None))


@pytest.mark.django_db
def test_agreement_only_one_open_per_organization_and_community():
    agreement = f.AgreementFactory(status=Agreement.Status.ACTIVE)
    _refused(
        lambda: f.AgreementFactory(
            organization=agreement.organization,
            community=agreement.community,
            status=Agreement.Status.PENDING,
        )
    )
    ended = f.AgreementFactory(
        organization=agreement.organization,
        community=agreement.community,
        status=Agreement.Status.ENDED,
    )
    assert ended.pk


@pytest.mark.django_db
def test_agreement_cannot_end_before_it_starts():
    _refused(
        lambda: f.AgreementFactory(
            start_date=datetime.date(2026, 5, 1), end_date=datetime.date(2026, 4, 30)
        )
    )


@pytest.mark.django_db
def test_rejected_organization_needs_a_reason():
    _refused(lambda: f.OrganizationFactory(status=Organization.Status.REJECTED, review_reason=""))


@pytest.mark.django_db
def test_offering_capacity_and_price_rules():
    _refused(lambda: f.OfferingFactory(weekly_capacity=0))
    _refused(lambda: f.OfferingFactory(price_class="free", price_fen=100))
    _refused(lambda: f.OfferingFactory(price_class="paid", price_fen=0))


@pytest.mark.django_db
def test_offering_week_cannot_reserve_beyond_capacity():
    offering = f.OfferingFactory(weekly_capacity=2)
    week = OfferingWeek.objects.create(
        offering=offering, week_start=datetime.date(2026, 11, 23), capacity=2, reserved=2
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        OfferingWeek.objects.filter(pk=week.pk).update(reserved=3)
    week.refresh_from_db()
    assert week.reserved == 2


@pytest.mark.django_db
def test_feedback_rating_between_one_and_five():
    _refused(lambda: f.FeedbackFactory(rating=6))
    _refused(lambda: f.FeedbackFactory(rating=0))


@pytest.mark.django_db
def test_request_window_and_days_must_make_sense():
    _refused(
        lambda: f.ServiceRequestFactory(
            preferred_start=datetime.time(12, 0), preferred_end=datetime.time(9, 0)
        )
    )
    _refused(lambda: f.ServiceRequestFactory(preferred_days=0))
    _refused(lambda: f.ServiceRequestFactory(preferred_days=128))


@pytest.mark.django_db
def test_visit_check_out_needs_an_earlier_check_in():
    now = timezone.now()
    _refused(lambda: f.VisitFactory(checked_in_at=None, checked_out_at=now))
    _refused(
        lambda: f.VisitFactory(
            checked_in_at=now, checked_out_at=now - datetime.timedelta(minutes=1)
        )
    )


@pytest.mark.django_db
def test_request_holds_at_most_one_confirmed_or_accepted_match():
    first = f.MatchFactory(status="confirmed")
    _refused(lambda: f.MatchFactory(request=first.request, status="accepted"))
    declined = f.MatchFactory(request=first.request, status="declined")
    assert declined.pk


@pytest.mark.django_db
def test_guardian_consent_names_the_guardian():
    _refused(lambda: f.ConsentFactory(given_by="guardian", guardian_name=""))


@pytest.mark.django_db
def test_resident_full_clean_rejects_birth_date_differing_from_id():
    resident = f.ResidentFactory.build(
        community=f.CommunityFactory(), birth_date=datetime.date(1940, 3, 15)
    )
    resident.birth_date = datetime.date(1941, 3, 15)
    with pytest.raises(ValidationError) as caught:
        resident.full_clean()
    assert "birth_date" in caught.value.message_dict


@pytest.mark.django_db
def test_resident_phone_last4_follows_phone():
    resident = f.ResidentFactory(phone="13812345678")
    assert resident.phone_last4 == "5678"
    resident.phone = "13900001111"
    resident.save()
    resident.refresh_from_db()
    assert resident.phone_last4 == "1111"


@pytest.mark.django_db
def test_offering_paused_status_is_a_choice():
    offering = f.OfferingFactory(status=ServiceOffering.Status.PAUSED)
    assert offering.get_status_display()
