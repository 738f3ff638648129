import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casework import domain
from casework.models import Callback
from casework.queries import callbacks_visible_to
from services.models import Visit
from tests import factories as f

MONDAY = datetime.date(2026, 11, 23)


def _visits(organization, resident, n, rating=None):
    offering = f.OfferingFactory(organization=organization)
    start = timezone.make_aware(datetime.datetime.combine(MONDAY, datetime.time(9)))
    visits = []
    for i in range(n):
        visit = f.VisitFactory(
            request=f.ServiceRequestFactory(resident=resident),
            offering=offering,
            scheduled_start=start + datetime.timedelta(hours=i),
            status=Visit.Status.COMPLETED,
        )
        if rating:
            f.FeedbackFactory(visit=visit, rating=rating)
        visits.append(visit)
    return visits


@pytest.fixture
def week(cast, sw, settings):
    settings.CALLBACK_SAMPLE_PERCENT = 10
    settings.CALLBACK_LOW_RATED_PERCENT = 50
    good = _visits(cast.organization, cast.resident, 20, rating=5)
    poor = _visits(cast.other_organization, cast.resident, 20, rating=2)
    west = _visits(cast.other_organization, cast.other_resident, 4)
    return good, poor, west


def test_callbacks_sample_share_more_from_low_rated_and_idempotent(week, cast, sw):
    created = domain.callbacks_sample_week(week_start=MONDAY)
    by_org = {
        org: Callback.objects.filter(visit__offering__organization=org).count()
        for org in (cast.organization, cast.other_organization)
    }
    assert by_org[cast.organization] == 2  # 10% of 20
    assert by_org[cast.other_organization] == 10 + 2  # low rated: 50% of 20 east, of 4 west
    assert created == 14
    assert set(
        Callback.objects.filter(visit__request__resident=cast.resident).values_list(
            "social_worker", flat=True
        )
    ) == {sw.sue.pk}
    assert domain.callbacks_sample_week(week_start=MONDAY) == 0
    assert Callback.objects.count() == 14


def test_callbacks_sample_at_least_one_per_group(cast, sw, settings):
    settings.CALLBACK_SAMPLE_PERCENT = 10
    _visits(cast.organization, cast.resident, 3)
    assert domain.callbacks_sample_week(week_start=MONDAY) == 1


def test_callback_record_by_its_worker_only_and_seen_by_organization(week, cast, sw):
    domain.callbacks_sample_week(week_start=MONDAY)
    callback = Callback.objects.filter(
        social_worker=sw.sue, visit__offering__organization=cast.organization
    ).first()
    with pytest.raises(PermissionDenied):
        domain.callback_record(
            callback=callback,
            actor=sw.ann.user,
            reached=True,
            happened_as_logged=True,
            quality_score=5,
        )
    with pytest.raises(ValidationError):
        domain.callback_record(callback=callback, actor=sw.sue.user, reached=True)
    domain.callback_record(
        callback=callback,
        actor=sw.sue.user,
        reached=True,
        happened_as_logged=False,
        quality_score=2,
        comment="未上门",
    )
    callback.refresh_from_db()
    assert (callback.status, callback.happened_as_logged, callback.quality_score) == (
        "done",
        False,
        2,
    )
    assert callback in callbacks_visible_to(cast.member)
    assert callback not in callbacks_visible_to(cast.other_member)
    assert callback not in callbacks_visible_to(sw.sam.user)


def test_callbacks_sample_flagged_visits_first_and_more_of_their_organization(cast, sw, settings):
    settings.CALLBACK_SAMPLE_PERCENT = 10
    settings.CALLBACK_LOW_RATED_PERCENT = 30
    visits = _visits(cast.organization, cast.resident, 10, rating=5)
    flagged = visits[7]
    Visit.objects.filter(pk=flagged.pk).update(review_state="pending", short_visit=True)
    assert domain.callbacks_sample_week(week_start=MONDAY) == 3  # 30%, not 10%, of 10
    assert Callback.objects.filter(visit=flagged).exists()


def test_callbacks_sample_reviewed_visit_counts_as_unflagged(cast, sw, settings):
    settings.CALLBACK_SAMPLE_PERCENT = 10
    settings.CALLBACK_LOW_RATED_PERCENT = 30
    visits = _visits(cast.organization, cast.resident, 10, rating=5)
    Visit.objects.filter(pk=visits[0].pk).update(review_state="accepted")
    assert domain.callbacks_sample_week(week_start=MONDAY) == 1
