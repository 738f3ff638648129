"""Celery tasks for visits: beat keeps weekly plans filled a few weeks ahead."""

from celery import shared_task

from services.care.domain.visits import visit_plan_extend
from services.models import VisitPlan


@shared_task(name="services.extend_visit_plans")
def task_extend_visit_plans(*, horizon_weeks: int = 4) -> int:
    """Extend every active plan; returns the number of visits created."""
    created = 0
    for plan_id in VisitPlan.objects.filter(active=True).values_list("pk", flat=True):
        extension = visit_plan_extend(plan=VisitPlan(pk=plan_id), horizon_weeks=horizon_weeks)
        created += len(extension.created)
    return created
