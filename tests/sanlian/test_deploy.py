"""The production description holds together: docker-compose.yml (parsed, since
no Docker engine runs the tests), the Dockerfile, .env.example and the README's
table of environment variables all agree with settings.py."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_VARIABLE = re.compile(r"""(?:os\.getenv|env\w+)\(\s*(?:f?)"([A-Z][A-Z0-9_]+)""")
COMPOSE_ONLY_VARIABLES = {"POSTGRES_PASSWORD", "WEB_PORT", "WEB_WORKERS"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def settings_variables() -> set[str]:
    source = (ROOT / "sanlian/settings.py").read_text(encoding="utf-8")
    names = set(SETTINGS_VARIABLE.findall(source))
    # envsecret(NAME) also reads NAME_FILE.
    names |= {f"{name}_FILE" for name in re.findall(r'envsecret\("([A-Z_]+)"', source)}
    return names


def test_compose_runs_the_production_services(compose):
    services = compose["services"]

    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat", "proxy"}
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert services["web"]["command"][:2] == ["gunicorn", "sanlian.wsgi"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "sanlian", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "sanlian", "beat"]
    assert "--scheduler=sanlian.beat:SingleBeatScheduler" in services["beat"]["command"]
    assert services["migrate"]["command"][-3:] == ["manage.py", "migrate", "--noinput"]


def test_compose_scaled_web_publishes_no_host_port(compose):
    services = compose["services"]

    # `--scale web=3` on one host: only the proxy binds a host port, and it reaches web by name.
    assert "ports" not in services["web"] and services["web"]["expose"] == ["8000"]
    assert services["proxy"]["ports"] == ["${WEB_PORT:-8000}:80"]
    mount = services["proxy"]["volumes"][0].split(":")
    assert (ROOT / mount[0]).exists() and mount[1] == "/etc/nginx/conf.d/default.conf"
    assert "proxy_pass $web_upstream" in (ROOT / mount[0]).read_text(encoding="utf-8")
    assert "http://web:8000" in (ROOT / mount[0]).read_text(encoding="utf-8")


def test_compose_healthchecks_gate_the_start_order(compose):
    services = compose["services"]

    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "bin/healthcheck"]
    assert (ROOT / "bin/healthcheck").exists()
    for name in ("web", "worker", "beat"):
        conditions = {dep: rule["condition"] for dep, rule in services[name]["depends_on"].items()}
        assert conditions == {
            "postgres": "service_healthy",
            "redis": "service_healthy",
            "migrate": "service_completed_successfully",
        }, name


def test_compose_points_the_app_at_postgres_and_redis(compose):
    for name in ("migrate", "web", "worker", "beat"):
        service = compose["services"][name]
        assert service["env_file"] == ".env"
        assert service["build"] == "."
        assert "@postgres:5432/sanlian" in service["environment"]["DATABASE_URL"]
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    used = {
        volume.split(":")[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
        if not volume.startswith("./")  # bind-mounted configuration, not a named volume
    }
    assert used == set(compose["volumes"]) == {"postgres-data", "redis-data", "media"}


def test_dockerfile_builds_on_python_311_slim_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")

    assert dockerfile.startswith("# ") and "\nFROM python:3.11-slim\n" in dockerfile
    users = re.findall(r"^USER (\S+)$", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}


def test_env_example_names_only_variables_something_reads():
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    names = {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}

    assert {"SECRET_KEY", "POSTGRES_PASSWORD", "ALLOWED_HOSTS"} <= names
    assert names - settings_variables() - COMPOSE_ONLY_VARIABLES == set()


def test_readme_documents_every_settings_variable():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))

    assert settings_variables() - documented == set()
