"""Matching run by a worker with progress a page can poll (the MatchingJob row).

services.matching.io.matching_run reads, solves outside any transaction and writes; this
module only records the job's state around it, so the page can show progress, then the
proposals.
"""

import datetime

from django.utils import timezone

from communities.models import Community, Street
from sanlian.refusals import refuse
from services.matching.io import matching_run, matching_scope
from services.matching.models import MatchingJob
from services.matching.rules import run_matching_refusal
from services.matching.weeks import week_check_not_past


def matching_job_start(
    *,
    user,
    week_start: datetime.date,
    street: Street | None = None,
    community: Community | None = None,
    city: bool = False,
) -> MatchingJob:
    """Neither street nor community with `city=True`: the whole city (civil affairs only)."""
    if not city and street is None and community is None:
        raise ValueError("Pass a street, a community or city=True.")
    refuse(
        run_matching_refusal(user, matching_scope(street=street, community=community, city=city))
    )
    week_check_not_past(week_start)
    job = MatchingJob(owner=user, week_start=week_start, street=street, community=community)
    job.full_clean()
    job.save()
    return job


def _mark(job: MatchingJob, **fields) -> None:
    MatchingJob.objects.filter(pk=job.pk).update(**fields)


def matching_job_execute(*, job: MatchingJob) -> None:
    """Run the matching for the job's scope and week; a failure is recorded, not raised."""
    _mark(job, status=MatchingJob.Status.RUNNING, progress=10)
    try:
        run = matching_run(
            user=job.owner, street=job.street, community=job.community,
            city=job.city_wide, week_start=job.week_start,
            progress=lambda percent: _mark(job, progress=percent),
        )  # fmt: skip
    except Exception as error:
        _mark(job, status=MatchingJob.Status.FAILED, error=str(error)[:500],
              finished_at=timezone.now())  # fmt: skip
        return
    _mark(job, status=MatchingJob.Status.DONE, progress=100, run=run,
          finished_at=timezone.now())  # fmt: skip
