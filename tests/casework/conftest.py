"""Social workers for the shared cast: Sue serves the east community, Sam the west one,
Ann is a second east assessor and Vera a senior who supervises Sue."""

from types import SimpleNamespace

import pytest

from casework.instruments import instrument_current, instrument_load, spec_of
from casework.models import Supervision
from sanlian.roles import Role
from socialworkers.models import SocialWorker
from tests import factories as f


@pytest.fixture(autouse=True)
def _instrument_loaded(request):
    """The instrument is a migration's data: a transactional test that ran earlier in the
    session (the browser journeys, the demo) flushed it; load it again for database tests."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        if instrument_current() is None:
            instrument_load()


def _worker(username: str, community, qualification=SocialWorker.Qualification.INTERMEDIATE):
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(username=username, role=Role.SOCIAL_WORKER), qualification=qualification
    )
    worker.communities.add(community)
    return worker


@pytest.fixture
def sw(cast):
    sue = _worker("sue", cast.community)
    ann = _worker("ann", cast.community)
    sam = _worker("sam", cast.other_community)
    vera = _worker("vera", cast.community, SocialWorker.Qualification.SENIOR)
    Supervision.objects.create(supervisor=vera, social_worker=sue)
    f.ConsentFactory(resident=cast.resident)
    return SimpleNamespace(sue=sue, ann=ann, sam=sam, vera=vera)


@pytest.fixture
def spec(db):
    return spec_of(instrument_current())


def answers_for_total(spec, total: int) -> dict[str, str]:
    """Answers scoring `total`: every item at its best, then lowered item by item."""
    options = {c: o for items in spec.indicators.values() for c, o in items.items()}
    answers = {c: max(o, key=o.get) for c, o in options.items()}
    excess = sum(options[c][a] for c, a in answers.items()) - total
    for code, opts in options.items():
        if excess <= 0:
            break
        best = opts[answers[code]]
        target = max(best - excess, min(opts.values()))
        answers[code] = next(k for k, v in opts.items() if v == target and k != "coma")
        excess -= best - target
    return answers
