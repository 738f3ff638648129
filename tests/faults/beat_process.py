"""`celery beat` as deployed (sanlian.beat.SingleBeatScheduler and its lease), with the
reminder sweep every second instead of every minute, so a test sees many ticks.

    python -m tests.faults.beat_process --pidfile … [other `celery beat` options]

Only the schedule differs from the real beat: it holds the sweep alone, so the ticks a beat
log shows are all sweeps. The scheduler copies it into the database as the real one does.
"""

import sys

from sanlian.celery import app

SWEEP = {"task": "services.dispatch_due_reminders", "schedule": 1.0}

if __name__ == "__main__":
    app.conf.beat_schedule = {"dispatch-due-reminders": SWEEP}
    sys.exit(app.start(["beat", *sys.argv[1:]]))
