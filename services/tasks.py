"""Celery finds an app's tasks in `<app>.tasks`: this gathers the sub-packages' tasks."""

from services.allowances.tasks import task_credit_monthly_allowances  # noqa: F401
from services.care.tasks import task_extend_visit_plans  # noqa: F401
from services.matching.tasks import (  # noqa: F401
    task_expire_matches,
    task_requeue_stale_matching,
    task_run_matching,
)
from services.notifications.tasks import (  # noqa: F401
    task_dispatch_due_reminders,
    task_raise_escalations,
    task_send_due_reminders,
)
