"""The demo's social work: assessments with a spread of levels that set the residents' care
levels, open and closed cases of the demo social worker, a week of callbacks; a reset
removes and rebuilds them."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from casework.models import Assessment, Callback, Case, ProgressNote
from casework.queries import latest_effective
from services.models import Visit

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
    week = set(Callback.objects.values_list("week_start", flat=True))
    assert len(week) == 1 and Callback.objects.count() >= 3
    assert Callback.objects.filter(status="done", happened_as_logged=True).exists()
    assert Callback.objects.filter(happened_as_logged=False).count() == 1
    assert Visit.objects.filter(condition_changed_at__isnull=False).count() == 1

    call_command("seed_demo", "--reset", "--residents", "300", stdout=io.StringIO())
    assert _demo_worker_counts() == counts
    assert Callback.objects.filter(happened_as_logged=False).count() == 1
