"""The demo's social work: assessments with a spread of levels that set the residents' care
levels, open and closed cases of the demo social worker, a week of callbacks drawn by the
weekly sample; a reset removes and rebuilds them."""

import datetime
import io
import math
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from casework.models import Assessment, Callback, Case, ProgressNote
from casework.queries import latest_effective, organization_mean_ratings
from demo.casework import COLLEAGUE_PREFIX
from sanlian.models import User
from services.models import Visit
from socialworkers.models import SocialWorker

pytestmark = pytest.mark.django_db


def _demo_worker_counts():
    cases = Case.objects.filter(social_workers__user__username="socialworker")
    return {
        "open": cases.exclude(status="closed").count(),
        "closed": cases.filter(status="closed").count(),
    }


def test_seed_demo_has_assessments_cases_and_a_week_of_callbacks():
    call_command("seed_demo", "--residents", "300", stdout=io.StringIO())
    levels = dict(
        Assessment.objects.filter(status="signed").values_list("level_rank").annotate(n=Count("pk"))
    )
    assert len(levels) >= 4 and levels[0] > levels.get(4, 0)  # most keep their abilities
    for assessment in Assessment.objects.select_related("resident")[:20]:
        assert assessment.resident.care_level == latest_effective(assessment.resident_id).care_level
    counts = _demo_worker_counts()
    assert counts["open"] >= 3 and counts["closed"] >= 1
    assert ProgressNote.objects.count() == Case.objects.count()
    assert Case.objects.filter(planned_services__request__isnull=False).exists()
    _assert_a_week_of_callbacks()
    assert Visit.objects.filter(condition_changed_at__isnull=False).count() == 1

    week = _outcomes()
    call_command("seed_demo", "--reset", "--residents", "300", stdout=io.StringIO())
    assert _demo_worker_counts() == counts
    assert _outcomes() == week  # the same seed, the same calls
    assert User.objects.filter(username__startswith=COLLEAGUE_PREFIX).count() == (
        SocialWorker.objects.filter(user__username__startswith=COLLEAGUE_PREFIX).count()
    )


def _outcomes() -> list:
    return sorted(
        Callback.objects.values_list(
            "visit__offering__organization__name", "status", "happened_as_logged", "quality_score"
        ),
        key=repr,
    )


def _assert_a_week_of_callbacks() -> None:
    """Last week's sample is the portal's own (each organization-and-community group holds
    exactly its share), called back by social workers serving the visit's community, with
    every outcome; 王润梅 has a visit found not as logged to follow up and a call to make."""
    weeks = set(Callback.objects.values_list("week_start", flat=True))
    assert len(weeks) == 1
    start = timezone.make_aware(datetime.datetime.combine(weeks.pop(), datetime.time()))
    callers = set(Callback.objects.values_list("social_worker", flat=True))
    served = set(
        SocialWorker.communities.through.objects.filter(socialworker__in=callers).values_list(
            "community", flat=True
        )
    )
    completed = Visit.objects.filter(
        status="completed",
        scheduled_start__gte=start,
        scheduled_start__lt=start + datetime.timedelta(days=7),
        request__resident__community__in=served,
    )
    low = {
        org
        for org, mean in organization_mean_ratings(
            since=timezone.now() - datetime.timedelta(days=90)
        ).items()
        if mean < settings.CALLBACK_LOW_RATING
    }
    group_of = ("offering__organization", "request__resident__community")
    groups = Counter(completed.values_list(*group_of))
    flagged = set(completed.filter(review_state__in=["pending", "disputed"]).values_list(*group_of))
    sampled = Counter(
        Callback.objects.values_list(
            "visit__offering__organization", "visit__request__resident__community"
        )
    )
    assert set(sampled) == set(groups) and len(groups) >= 4
    for (org, community), n in groups.items():
        more = org in low or (org, community) in flagged
        percent = settings.CALLBACK_LOW_RATED_PERCENT if more else settings.CALLBACK_SAMPLE_PERCENT
        assert sampled[org, community] == min(n, max(1, math.ceil(n * percent / 100)))
    for callback in Callback.objects.select_related("visit__request__resident"):
        assert callback.social_worker.communities.filter(
            pk=callback.visit.request.resident.community_id
        ).exists()
    outcomes = Counter(Callback.objects.values_list("status", "happened_as_logged"))
    assert set(outcomes) == {
        ("done", True),
        ("done", False),
        ("unreachable", None),
        ("pending", None),
    }
    mine = Callback.objects.filter(social_worker__user__username="socialworker")
    assert mine.filter(status="pending").exists() and mine.filter(happened_as_logged=False).exists()
    assert not Callback.objects.filter(status="done", quality_score__isnull=True).exists()
