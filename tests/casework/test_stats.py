import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework import domain
from casework.models import Assessment, Callback
from reporting.stats import StatsFilter, stats_casework
from services.models import Visit
from tests import factories as f
from tests.casework.conftest import answers_for_total


def _signed(resident, user, spec, total, days_ago=0):
    assessment = domain.assessment_start(resident=resident, assessor=user)
    domain.assessment_save(
        assessment=assessment, actor=user, answers=answers_for_total(spec, total), adjustments=[]
    )
    domain.assessment_sign(assessment=assessment, actor=user)
    when = timezone.now() - datetime.timedelta(days=days_ago)
    Assessment.objects.filter(pk=assessment.pk).update(effective_at=when)


def test_stats_casework_levels_overdue_and_callback_coverage(cast, sw, spec):
    residents = f.ResidentFactory.create_batch(6, community=cast.community)
    for resident in residents[:5]:
        _signed(resident, sw.sue.user, spec, 50)
    _signed(residents[5], sw.sue.user, spec, 90, days_ago=400)
    visits = f.VisitFactory.create_batch(
        4,
        status=Visit.Status.COMPLETED,
        offering=f.OfferingFactory(organization=cast.organization),
        request=f.ServiceRequestFactory(resident=cast.resident),
    )
    Callback.objects.create(
        visit=visits[0],
        social_worker=sw.sue,
        week_start=timezone.localdate(),
        status="done",
        happened_as_logged=True,
        done_at=timezone.now(),
    )
    Callback.objects.create(visit=visits[1], social_worker=sw.sue, week_start=timezone.localdate())

    with CaptureQueriesContext(connection) as queries:
        figures = stats_casework(StatsFilter(), today=timezone.localdate())
    assert len(queries) == 3
    east = figures["levels"][cast.community.pk]
    assert east[2] == {"value": 5, "suppressed": False}
    assert east[0] == {"value": None, "suppressed": True}  # one resident: suppressed
    assert east[None]["suppressed"]  # cast.resident, never assessed
    assert figures["overdue"][cast.community.pk] == {"value": None, "suppressed": True}
    assert figures["callbacks"][cast.organization.pk] == {
        "completed": 4,
        "called": 1,
        "confirmed": 1,
    }
