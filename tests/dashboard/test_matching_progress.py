"""Matching as a background job: progress polled by htmx, then the proposals; owner only."""

from django.urls import reverse

from services.matching.jobs import matching_job_execute, matching_job_start
from services.matching.models import MatchingJob

# Matching plans next week (clock.next_monday): it refuses weeks that have already passed.


def test_queued_job_page_polls_and_a_finished_one_goes_to_its_proposals(client, cast, clock):
    job = matching_job_start(
        user=cast.street_staff, week_start=clock.next_monday, street=cast.east_street
    )
    client.force_login(cast.street_staff)
    page = client.get(reverse("matching:job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page
    matching_job_execute(job=job)
    job.refresh_from_db()
    assert job.status == "done" and job.progress == 100 and job.run is not None
    fragment = client.get(reverse("matching:job_progress", args=[job.pk]))
    assert fragment["HX-Redirect"] == reverse("matching:run_detail", args=[job.run_id])
    assert client.get(reverse("matching:job", args=[job.pk])).url == fragment["HX-Redirect"]


def test_another_users_matching_job_is_not_found(client, cast, clock):
    job = matching_job_start(
        user=cast.street_staff, week_start=clock.next_monday, street=cast.east_street
    )
    client.force_login(cast.other_street_staff)
    assert client.get(reverse("matching:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("matching:job_progress", args=[job.pk])).status_code == 404
    client.force_login(cast.member)
    assert client.get(reverse("matching:job", args=[job.pk])).status_code == 403


def test_a_failing_run_is_recorded_as_failed(cast, monkeypatch, clock):
    job = matching_job_start(
        user=cast.street_staff, week_start=clock.next_monday, street=cast.east_street
    )

    def broken(**kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr("services.matching.jobs.matching_run", broken)
    matching_job_execute(job=job)
    job.refresh_from_db()
    assert job.status == MatchingJob.Status.FAILED and "solver crashed" in job.error
