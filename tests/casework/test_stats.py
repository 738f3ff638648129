"""Social work's figures (reporting.stats.stats_casework): the dashboard section and
/api/v1/stats/casework/ agree with counts made straight from the database, per scope."""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.instruments import instrument_current
from casework.models import Assessment, Callback
from communities.models import Resident
from reporting.stats import StatsFilter, stats_casework
from services.models import Visit
from tests import factories as f
from tests.api.conftest import client_for

F = {"suppressed": False}


def _assessed(residents, worker, *, rank, days_ago):
    instrument = instrument_current()
    level = instrument.levels.get(rank=rank)
    when = timezone.now() - datetime.timedelta(days=days_ago)
    Assessment.objects.bulk_create(
        Assessment(
            resident=r,
            instrument=instrument,
            assessor=worker.user,
            status="signed",
            total=level.min_total,
            level_rank=rank,
            level_name=level.name,
            care_level=level.care_level,
            signed_by=worker.user,
            signed_at=when,
            effective_at=when,
        )
        for r in residents
    )


def _scene(cast, sw):
    east = f.ResidentFactory.create_batch(18, community=cast.community)
    _assessed(east[:6], sw.sue, rank=2, days_ago=30)
    _assessed(east[6:12], sw.sue, rank=4, days_ago=400)  # overdue: a year has passed
    _assessed(east[12:], sw.sue, rank=1, days_ago=60)
    # Later reassessed at another level: only the latest counts.
    _assessed(east[:6], sw.sue, rank=3, days_ago=5)
    offering = f.OfferingFactory(organization=cast.organization)
    flagged_long_ago = timezone.now() - datetime.timedelta(days=settings.ASSESSMENT_CHANGE_DAYS + 3)
    for resident in east[12:17]:  # five flagged since their assessment, past the change days
        f.VisitFactory(
            request=f.ServiceRequestFactory(resident=resident),
            offering=offering,
            status=Visit.Status.COMPLETED,
            condition_changed_at=flagged_long_ago,
            condition_note="行动不便",
        )
    west = f.ResidentFactory.create_batch(7, community=cast.other_community)
    _assessed(west, sw.sam, rank=0, days_ago=10)
    visits = f.VisitFactory.create_batch(
        8,
        status=Visit.Status.COMPLETED,
        offering=offering,
        request=f.ServiceRequestFactory(resident=cast.resident),
        scheduled_start=timezone.now() - datetime.timedelta(days=2),
    )
    for i, visit in enumerate(visits[:6]):
        Callback.objects.create(
            visit=visit,
            social_worker=sw.sue,
            week_start=timezone.localdate(),
            status="done",
            happened_as_logged=i < 5,
            quality_score=4,
            done_at=timezone.now(),
        )
    Callback.objects.create(visit=visits[6], social_worker=sw.sue, week_start=timezone.localdate())


def _direct(community, today):
    """The same figures counted resident by resident, without the stats code."""
    ranks, due, overdue = {}, 0, 0
    for resident in Resident.objects.filter(community=community, anonymised_at__isnull=True):
        latest = (
            Assessment.objects.filter(resident=resident, status="signed")
            .order_by("-effective_at")
            .first()
        )
        rank = latest.level_rank if latest else None
        ranks[rank] = ranks.get(rank, 0) + 1
        flags = Visit.objects.filter(request__resident=resident, condition_changed_at__isnull=False)
        if latest:
            flags = flags.filter(condition_changed_at__gt=latest.effective_at)
        flag = flags.order_by("condition_changed_at").first()
        if latest is None:
            due, overdue = due + 1, overdue + 1
            continue
        valid_until = timezone.localdate(latest.effective_at) + relativedelta(
            months=settings.ASSESSMENT_VALID_MONTHS
        )
        if flag:
            changed = timezone.localdate(flag.condition_changed_at)
            valid_until = min(
                valid_until, changed + datetime.timedelta(days=settings.ASSESSMENT_CHANGE_DAYS)
            )
        soon = today + datetime.timedelta(days=settings.ASSESSMENT_DUE_SOON_DAYS)
        due += bool(flag) or valid_until < soon
        overdue += valid_until < today
    return ranks, due, overdue


def _figure(n):
    return {"value": n, "suppressed": False} if n == 0 or n >= 5 else {"value": None, **T}


T = {"suppressed": True}


def test_stats_casework_equals_direct_counts(cast, sw):
    _scene(cast, sw)
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as queries:
        figures = stats_casework(StatsFilter(), today=today)
    assert len(queries) <= 6
    ranks = [level["rank"] for level in figures["levels"]]
    assert ranks == [0, 1, 2, 3, 4]
    rows = {row["id"]: row for row in figures["communities"]}
    for community in (cast.community, cast.other_community):
        direct_ranks, due, overdue = _direct(community, today)
        row = rows[community.pk]
        assert row["levels"] == [_figure(direct_ranks.get(rank, 0)) for rank in ranks]
        assert row["never_assessed"] == _figure(direct_ranks.get(None, 0))
        assert row["due"] == _figure(due) and row["overdue"] == _figure(overdue)
    east = rows[cast.community.pk]
    # Hand-checked: 6 reassessed to rank 3, 6 at rank 4 (overdue), 6 at rank 1 (5 flagged).
    assert east["levels"] == [_figure(0), _figure(6), _figure(0), _figure(6), _figure(6)]
    assert east["due"] == _figure(6 + 5 + 1) and east["overdue"] == _figure(12)
    assert east["never_assessed"] == {"value": None, **T}  # cast.resident alone

    (org,) = figures["organizations"]
    completed = Visit.objects.filter(
        status="completed", offering__organization=cast.organization
    ).count()
    called = Callback.objects.filter(status="done").count()
    confirmed = Callback.objects.filter(happened_as_logged=True).count()
    assert (completed, called, confirmed) == (13, 6, 5)
    assert org["completed"] == _figure(completed) and org["called"] == _figure(called)
    assert org["confirmed"] == _figure(confirmed)
    assert org["coverage_percent"] == {"value": round(100 * 6 / 13, 1), **F}
    assert org["confirmed_percent"] == {"value": round(100 * 5 / 6, 1), **F}


def test_stats_casework_api_scoped_and_agrees_with_the_page(client, cast, sw):
    _scene(cast, sw)
    body = client_for(cast.civil).get("/api/v1/stats/casework/").json()
    assert {row["id"] for row in body["communities"]} == {
        cast.community.pk,
        cast.other_community.pk,
    }
    west_body = client_for(cast.other_street_staff).get("/api/v1/stats/casework/").json()
    assert [row["id"] for row in west_body["communities"]] == [cast.other_community.pk]
    assert west_body["organizations"] == []  # the visits are in the east community
    assert west_body["totals"]["levels"][0] == _figure(7)
    assert client_for(sw.sue.user).get("/api/v1/stats/casework/").status_code == 403
    assert client_for(cast.member).get("/api/v1/stats/casework/").status_code == 403
    index = client_for(cast.civil).get("/api/v1/stats/").json()
    assert index["casework"]["url"].endswith("/api/v1/stats/casework/")

    page = client
    page.force_login(cast.other_street_staff)
    html = page.get(reverse("dashboard:index")).content.decode()
    assert 'data-testid="casework-levels"' in html
    assert f'data-community="{cast.other_community.pk}"' in html
    assert f'data-community="{cast.community.pk}"' not in html
    page.force_login(cast.street_staff)
    html = page.get(reverse("dashboard:index")).content.decode()
    assert f'data-organization="{cast.organization.pk}"' in html
    assert f"{round(100 * 6 / 13, 1)}%" in html


def test_stats_casework_date_filter_counts_visits_in_the_period_only(cast, sw):
    _scene(cast, sw)
    old = timezone.localdate() - datetime.timedelta(days=200)
    figures = stats_casework(
        StatsFilter(date_from=old, date_to=old + datetime.timedelta(days=1)),
        today=timezone.localdate(),
    )
    assert figures["organizations"] == []
