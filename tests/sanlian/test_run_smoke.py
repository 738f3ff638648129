"""`make run` for real: bin/run-demo starts the web server, a Celery worker and
Celery beat on a throw-away SQLite database and file-system broker; the login
page answers, a task goes through the worker, and SIGTERM stops all three."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Generous for a loaded CI machine; a normal run takes about 15 s in all.
DEADLINE_SECONDS = 45


@dataclass
class Demo:
    process: subprocess.Popen
    var: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], object], what: str, demo: Demo) -> object:
    """Poll `condition` until it returns something truthy, the deadline passes or
    bin/run-demo exits; a failure shows every log of the run."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline and demo.process.poll() is None:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    logs = "\n".join(f"--- {log}\n{log.read_text()}" for log in sorted(demo.var.rglob("*.log")))
    raise AssertionError(f"gave up waiting for {what}\n{logs}")


def fetch(url: str) -> tuple[int, str] | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local http
            return response.status, response.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_run_demo_serves_login_page_runs_tasks_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
        "PYTHON": sys.executable,
    }
    output = tmp_path / "var/log/run-demo.log"
    output.parent.mkdir(parents=True)
    with output.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own script
            [ROOT / "bin/run-demo", "--no-seed", "--noreload", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    demo = Demo(process=process, var=tmp_path / "var")
    try:
        status, page = wait_until(
            lambda: fetch(f"http://127.0.0.1:{port}/accounts/login/"), "the login page", demo
        )
        assert status == 200
        assert "登录三社联动服务平台" in page

        subprocess.run(
            [
                sys.executable,
                "-c",
                "from sanlian.celery import app;"
                "app.send_task('celery.accumulate', args=['run-smoke-test'])",
            ],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "sanlian.settings"},
            check=True,
            timeout=60,
        )
        worker_log = tmp_path / "var/log/celery-worker.log"
        wait_until(
            lambda: re.search(r"succeeded in .*'run-smoke-test'", worker_log.read_text()),
            "the worker to run the task",
            demo,
        )
        # The exchange table lives under VAR_DIR, not in the working directory.
        assert (tmp_path / "var/celery/control/celery.exchange").exists()
        beat_log = tmp_path / "var/log/celery-beat.log"
        wait_until(lambda: "beat: Starting" in beat_log.read_text(), "Celery beat to start", demo)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=DEADLINE_SECONDS)

    pids = [int(pid) for pid in re.findall(r"started \(pid (\d+)\)", output.read_text())]
    assert len(pids) == 2  # worker and beat
    assert [pid for pid in pids if is_running(pid)] == []
    assert fetch(f"http://127.0.0.1:{port}/accounts/login/") is None
