"""Schemathesis keeps the API to its own schema, for each role that holds a token.

Every phase (examples, coverage, fuzzing, stateful) and every check, including the schema
conformance of each answer and of its status code, run against a live server (the
portal's WSGI app in a thread, on the test database) with a real token of the dashboard,
organization, street and civil-affairs roles. No check is excluded. The budget is fixed:
a seed, so each run sends the same requests, a number of examples per operation and
phase, a number of stateful steps, and a time cap that must not be what ends the run. Two
choices keep it short without checking less: the dashboard token's run covers the
operations it can reach (/api/v1/stats/; every other one answers it 403, which
tests/policy asserts operation by operation), and methods an operation does not have are
probed once, with the civil-affairs token (they answer 405 whoever asks).

Not yet green, so not yet in the default run: set SANLIAN_FUZZ_API=1 to run it. Fixed
since 2026-12-02: filters and stats take exactly what the schema says (ids, bounded dates,
page and page_size), a bad token login is a 401, state refusals and duplicates are 409,
local times, non-empty lists, credit codes and mobiles are stated in the schema. Still
found (2026-12-03, street token, 25 findings): state refusals a domain function raises
itself rather than through sanlian.refusals.refuse, still 400 where 409 is meant (approve an
organization no longer submitted, accept an agreement no longer pending, approve a payment
request already decided); writes whose body names a row that does not exist
(`"resident": 7`, a 400 the schema cannot foresee); the matching-job scope (exactly one of
city, street, community: not stated as a oneOf). Seconds per role on this 2-core machine
with 6 sessions sharing it (load ~10): street 267, dashboard about 250 (its stats figures
are computed afresh for each new filter); the four together do not yet fit 4 minutes.
"""

import json
import os
import time
from collections import Counter

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies as st
from rest_framework import throttling
from rest_framework.authtoken.models import Token
from schemathesis.engine import StopReason, events, from_schema

from sanlian.api.inputs import PASSWORD_FORMAT
from sanlian.roles import Role
from sanlian.validators import CREDIT_CODE_FORMAT, CREDIT_CODE_PATTERN, credit_code_check_char
from tests.policy.world import build_world

pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("SANLIAN_FUZZ_API") != "1",
        reason="opt-in until it passes: SANLIAN_FUZZ_API=1 (see the module docstring)",
    ),
]

ROLES = (Role.DASHBOARD, Role.ORGANIZATION, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
SEED = 20261202
EXAMPLES = 3  # per operation, in the fuzzing phase
STATEFUL_STEPS = 10
STATEFUL_SCENARIOS = 3
MAX_SECONDS = 240  # a guard: a run ended by it fails, so the budget above is what bounds it
SLOWEST_ANSWER_MS = 10_000  # the max_response_time check
# A dashboard token reaches /api/v1/stats/ and nothing else (every other operation answers
# it 403, which tests/policy asserts per operation): its run covers what it can reach.
REACHES = {Role.DASHBOARD: r"^/api/v1/stats/"}
# Methods an operation does not have answer 405 before any role matters: probed once, with
# the role that passes most permission checks, not four times.
PROBES_UNEXPECTED_METHODS = Role.CIVIL_AFFAIRS


def _config(role: str, base_url: str, token: str) -> schemathesis.Config:
    coverage = {"enabled": True}
    if role != PROBES_UNEXPECTED_METHODS:
        coverage["unexpected-methods"] = []
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "max-time": MAX_SECONDS,
            "base-url": base_url,
            "headers": {"Authorization": f"Token {token}"},
            "workers": 1,
            "generation": {"max-examples": EXAMPLES, "database": "none"},
            "checks": {"max_response_time": SLOWEST_ANSWER_MS / 1000},
            "phases": {
                "examples": {"enabled": True},
                "coverage": coverage,
                "fuzzing": {"enabled": True},
                "stateful": {
                    "enabled": True,
                    "max-steps": STATEFUL_STEPS,
                    "generation": {"max-examples": STATEFUL_SCENARIOS},
                },
            },
        }
    )


def _failures(event) -> list[str]:
    if isinstance(event, events.ScenarioFinished):
        return [
            f"{event.phase.value} {event.recorder.label} [{check.name}]: "
            f"{check.failure_info.failure.title} {check.failure_info.failure.message}"[:600]
            + f"\n    {check.failure_info.code_sample[:400]}{_answer(event, case_id)}"
            for case_id, checks in event.recorder.checks.items()
            for check in checks
            if check.failure_info is not None
        ]
    if isinstance(event, events.NonFatalError):
        return [f"error in {event.label}: {event.value!r}"[:600]]
    if isinstance(event, events.FatalError):
        return [f"fatal: {event.exception!r}"]
    return []


def _answer(event, case_id: str) -> str:
    interaction = event.recorder.interactions.get(case_id)
    response = interaction.response if interaction is not None else None
    if response is None:
        return ""
    body = (response.content or b"")[:200].decode(errors="replace")
    return f"\n    -> {response.status_code} {body}"


def _credit_codes() -> st.SearchStrategy[str]:
    """Codes the schema's credit-code format admits: the shape, then the check character."""
    first17 = st.from_regex(CREDIT_CODE_PATTERN, fullmatch=True).map(lambda code: code[:17])
    return first17.map(lambda start: start + credit_code_check_char(start))


def _passwords() -> st.SearchStrategy[str]:
    """Passwords the schema's password format admits: 8 characters or more, not all digits,
    not common, not like any other field (a random hex tail sees to the last two)."""
    return st.uuids().map(lambda uuid: f"Pw-{uuid.hex[:16]}")


schemathesis.openapi.format(CREDIT_CODE_FORMAT, _credit_codes())
schemathesis.openapi.format(PASSWORD_FORMAT, _passwords())


requests, seconds, answering = Counter(), Counter(), Counter()


def run_schemathesis(
    role: str, base_url: str, token: str
) -> tuple[list[str], Counter, events.EngineFinished]:
    config = _config(role, base_url, token)
    # The schema /api/v1/schema/ publishes, generated here: no first request to time out.
    published = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))
    schema = schemathesis.openapi.from_dict(published, config=config)
    if role in REACHES:
        schema = schema.include(path_regex=REACHES[role])
    problems, scenarios, finished = [], Counter(), None
    for event in from_schema(schema).execute():
        problems += _failures(event)
        if isinstance(event, events.ScenarioFinished):
            requests[event.phase.value] += len(event.recorder.interactions)
            answering[event.phase.value] += sum(
                i.response.elapsed for i in event.recorder.interactions.values() if i.response
            )
            seconds[event.phase.value] += event.elapsed_time
            if event.is_test_scenario:
                scenarios[event.phase.value] += 1
        if isinstance(event, events.EngineFinished):
            finished = event
    return sorted(set(problems)), scenarios, finished


@pytest.fixture
def unthrottled_users(monkeypatch):
    """A signed-in client's 600 requests a minute would end the run in 429s; the anonymous,
    login and registration throttles stay, and their 429 must be documented too."""
    rates = {**throttling.SimpleRateThrottle.THROTTLE_RATES, "user": "1000000/min"}
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)


@pytest.mark.parametrize("role", ROLES)
def test_api_keeps_its_schema_for_every_phase_and_check(
    role, cast, live_server, unthrottled_users, capsys
):
    world = build_world(cast)
    token, _created = Token.objects.get_or_create(user=world.users[role])
    started = time.monotonic()
    problems, scenarios, finished = run_schemathesis(role, live_server.url, token.key)
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\nschemathesis {role}: {dict(scenarios)} in {elapsed:.0f} s")
        print(f"requests {dict(requests)} seconds { {k: round(v) for k, v in seconds.items()} }")
        print(f"server seconds { {k: round(v) for k, v in answering.items()} }")
        requests.clear(), seconds.clear(), answering.clear()
    assert problems == [], "\n".join(problems)
    assert finished is not None and finished.stop_reason == StopReason.COMPLETED
    assert set(scenarios) == {"examples", "coverage", "fuzzing", "stateful"}, scenarios
