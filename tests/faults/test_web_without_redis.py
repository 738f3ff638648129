"""The portal, served by gunicorn on the private Redis, answers while Redis is stopped; a
job started then reaches a worker once Redis is back (the job row is the outbox, the
requeue sweep its relay), and runs once."""

import datetime
import re
import subprocess
import sys

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from organizations.models import Organization
from sanlian.models import User
from services.matching.models import MatchingJob
from services.models import MatchingRun
from services.offerings.models import week_start_of
from tests import factories as f
from tests.faults.harness import (
    ROOT,
    Worker,
    free_port,
    portal_env,
    producer,
    send_task,
    wait_until,
)

pytestmark = [pytest.mark.faults, pytest.mark.slow]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def web(private_redis, tmp_path):
    port = free_port()
    # DEBUG=1 only so the pages find their static files without a collectstatic run.
    env = portal_env(private_redis.url, tmp_path, JOB_REQUEUE_AFTER_SECONDS="1", DEBUG="1")
    command = [sys.executable, "-m", "gunicorn", "sanlian.wsgi", "-b", f"127.0.0.1:{port}"]
    command += ["-w", "1", "--threads", "4", "--timeout", "60"]
    with (tmp_path / "web.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    up = wait_until(lambda: _answers(f"{base}/healthz"), seconds=30, step=0.3)
    assert up, (tmp_path / "web.log").read_text()[-3000:]
    yield base, env
    process.terminate()
    process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code < 600
    except requests.RequestException:
        return False


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base}/accounts/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


def csrf_post(session: requests.Session, url: str, data: dict) -> requests.Response:
    page = session.get(url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(url, {**data, "csrfmiddlewaretoken": token}, timeout=10,
                        allow_redirects=False)  # fmt: skip


def test_portal_answers_with_redis_stopped_and_the_job_runs_once_it_is_back(
    cast, web, private_redis, tmp_path
):
    base, env = web
    # The test settings hash with MD5, which the portal's own settings do not accept.
    hasher = PBKDF2PasswordHasher()
    hashed = hasher.encode(PASSWORD, hasher.salt())
    User.objects.filter(username__in=["civil", "street"]).update(password=hashed)
    submitted = f.OrganizationFactory(status=Organization.Status.SUBMITTED)
    private_redis.stop()
    # Sign in, the dashboard, the token endpoint, API reads and a write: all answer.
    civil = login(base, "civil")
    assert civil.get(f"{base}/dashboard/", timeout=10).status_code == 200
    token = requests.post(f"{base}/api/v1/auth/token/",
                          json={"username": "civil", "password": PASSWORD}, timeout=10)  # fmt: skip
    assert token.status_code == 200, token.text[:300]
    api = {"Authorization": f"Token {token.json()['token']}"}
    assert requests.get(f"{base}/api/v1/communities/", headers=api, timeout=10).json()["count"] == 2
    overview = requests.get(f"{base}/api/v1/stats/overview/", headers=api, timeout=10)
    assert overview.status_code == 200
    approve = requests.post(f"{base}/api/v1/organizations/{submitted.pk}/approve/",
                            json={}, headers=api, timeout=10)  # fmt: skip
    assert approve.status_code == 200, approve.text[:300]
    # A matching job started now: the page answers, the job waits as "queued".
    street = login(base, "street")
    week = week_start_of(timezone.localdate()) + datetime.timedelta(days=7)
    scope = {"scope": f"street:{cast.east_street.pk}", "week_start": week.isoformat()}
    started = csrf_post(street, f"{base}/matching/", scope)
    assert started.status_code == 302, started.text[:500]
    job = MatchingJob.objects.get()
    assert job.status == MatchingJob.Status.QUEUED
    # Redis is back (empty): a worker starts, beat's sweep sends the job, it runs once.
    private_redis.start()
    worker = Worker(env, tmp_path / "worker.log")
    try:
        app = producer(private_redis.url)
        done = wait_until(
            lambda: MatchingJob.objects.get().status == MatchingJob.Status.DONE,
            seconds=45,
            step=1,
            tick=lambda: send_task(app, "services.requeue_stale_matching"),
        )
        assert done, worker.tail()
        send_task(app, "services.requeue_stale_matching")  # another sweep: nothing to resend
        send_task(app, "services.run_matching", job_id=job.pk)  # a duplicate delivery
        assert wait_until(lambda: "'skipped'" in worker.tail(), seconds=20), worker.tail()
    finally:
        worker.kill()
    job.refresh_from_db()
    assert job.status == MatchingJob.Status.DONE and job.run_id is not None
    assert MatchingRun.objects.count() == 1  # ran once, though sent three times
