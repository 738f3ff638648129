"""/healthz answers 200 when the database and the Celery broker answer, 503 otherwise."""

import socket

import pytest

from sanlian.celery import app as celery_app


def closed_port() -> int:
    """A local port nothing listens on: bound once to learn a free number, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_healthz_reports_ok_when_database_and_broker_answer(client):
    # An anonymous client: load balancers and docker healthchecks do not log in.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": True,
        "broker": True,
        "cache": True,
        "channels": {"sms": "ok", "email": "ok", "in_app": "ok"},
    }


@pytest.mark.django_db
def test_healthz_answers_503_when_broker_is_unreachable(client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", f"redis://127.0.0.1:{closed_port()}/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"] is False
    assert body["database"] is True
