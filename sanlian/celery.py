"""The Celery application and the one place where beat schedules live."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanlian.settings")

app = Celery("sanlian")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every app's tasks.py; services/matching/tasks.py gathers those of its sub-packages.
app.autodiscover_tasks()

# Beat schedules: django-celery-beat copies these into the database on start, so
# several beat-capable hosts agree on one schedule.
app.conf.beat_schedule = {
    "expire-matches": {"task": "services.expire_matches", "schedule": 5 * 60},
    # The safety net of visit reminders, and the one that enqueues those falling due in the
    # next REMINDER_ETA_AHEAD_SECONDS for their due time (services/notifications/reminders.py).
    "dispatch-due-reminders": {"task": "services.dispatch_due_reminders", "schedule": 60},
    "raise-escalations": {"task": "services.raise_escalations", "schedule": 5 * 60},
}
# Weekly visit plans keep their next weeks filled (services/care/tasks.py).
app.conf.beat_schedule["extend-visit-plans"] = {
    "task": "services.extend_visit_plans",
    "schedule": 24 * 60 * 60,
}
# Residents who withdrew consent are anonymised after ANONYMISE_AFTER_DAYS (communities/tasks.py).
app.conf.beat_schedule["anonymise-withdrawn-residents"] = {
    "task": "communities.anonymise_withdrawn",
    "schedule": 24 * 60 * 60,
}
# Monetary care: credit the current month's allowances (services/allowances/tasks.py); a daily
# run is safe, each resident gets one credit per rule and month.
app.conf.beat_schedule["credit-monthly-allowances"] = {
    "task": "services.credit_monthly_allowances",
    "schedule": 24 * 60 * 60,
}
# Activity reminders to residents with a place, the day before (activities/tasks.py). Every
# minute, so one goes out at most a tick after its time (issue 20: lateness ≤ 90 s), as visit
# reminders do without their ETA; a run with nothing due is three indexed queries.
app.conf.beat_schedule["send-activity-reminders"] = {
    "task": "activities.send_activity_reminders",
    "schedule": 60,
}
# Exports built in the background (reporting/tasks.py).
# Their files are removed EXPORT_RETENTION_HOURS after they were built; hourly is precise enough.
app.conf.beat_schedule["expire-exports"] = {"task": "sanlian.exports_expire", "schedule": 60 * 60}
# Jobs whose send to the broker failed (Redis away) are sent again (sanlian/job_queue.py).
app.conf.beat_schedule["requeue-stale-exports"] = {
    "task": "sanlian.requeue_stale_exports",
    "schedule": 60,
}
app.conf.beat_schedule["requeue-stale-matching"] = {
    "task": "services.requeue_stale_matching",
    "schedule": 60,
}
# City-wide statistics recomputed into the cache before they expire (reporting/tasks.py).
app.conf.beat_schedule["warm-stats"] = {"task": "sanlian.warm_stats", "schedule": 60}
# Quality callbacks: last week's completed visits sampled per organization (casework/tasks.py);
# daily is safe, a rerun only tops each group up to its share.
app.conf.beat_schedule["sample-callbacks"] = {
    "task": "casework.sample_callbacks",
    "schedule": 24 * 60 * 60,
}
# Case reviews and reassessments falling due, reminded once each in-app (casework/reminders.py).
app.conf.beat_schedule["casework-reminders"] = {
    "task": "casework.send_reminders",
    "schedule": 24 * 60 * 60,
}
