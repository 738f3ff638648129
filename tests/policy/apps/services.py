"""Access-matrix rows of services that the core table (tests/policy/policy.py) does not hold:
the worker app's offline queue, whose one door (services:visit_step) takes check-in,
check-out and completion steps sent later from the phone, each under an idempotency key.

The door must answer like the pages it stands in for: the visit's assigned worker or
volunteer on their own side only, a visit out of scope is not found (404), and a role that
may not do the step changes nothing.
"""

import uuid

from django.utils import timezone

from services.models import Visit
from tests.policy.policy import WORKERS, _page

OBJECTS = {"visits"}  # the core table's object: these rows add the queue's door to it


def _fresh(visit: Visit) -> Visit:
    return Visit.objects.get(pk=visit.pk)


def _envelope(step: str):
    # A fresh key and the phone's clock at the moment of the probe: a replayed key would
    # answer from the first step, and an old clock would only flag the step as late.
    return lambda visit: {
        "step": step,
        "key": str(uuid.uuid4()),
        "device_at": timezone.now().isoformat(),
    }


EFFECTS = {
    ("visits", "step_check_in"): lambda v: _fresh(v).status,
    ("visits", "step_check_out"): lambda v: _fresh(v).checked_out_at,
    ("visits", "step_complete"): lambda v: _fresh(v).status,
}

EXTRA_DATA = {
    ("visits", "step_check_in"): _envelope("check_in"),
    ("visits", "step_check_out"): _envelope("check_out"),
    ("visits", "step_complete"): _envelope("complete"),
}

LOG = {"service_log": "理发一次（离线补传）"}

RULES = (
    _page(
        "visits",
        "step_check_in",
        "services:visit_step",
        WORKERS,
        method="POST",
        target="visit_scheduled",
    ),
    _page(
        "visits",
        "step_check_out",
        "services:visit_step",
        WORKERS,
        method="POST",
        data=LOG,
        target="visit_in_progress",
    ),
    _page(
        "visits",
        "step_complete",
        "services:visit_step",
        WORKERS,
        method="POST",
        data=LOG,
        target="visit_in_progress",
    ),
)


def extend_world(world) -> None:
    """The core world's scheduled and in-progress visits on each side are the targets."""
