"""A worker's step sent from the phone's offline queue: once per idempotency key, in order.

The phone records check-in, check-out and completion with its own clock while there is
no network and replays them, oldest first, when it comes back. Each step carries a key
the phone made; the portal keeps the key with its answer, so a replay whose first answer
was lost gets the same answer and has no second effect. A step the visit's state refuses
(check-out before check-in) is refused like the page would, and its key is not kept.
"""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from services.care.domain import visits as steps
from services.care.models import Visit, VisitStep

STEP_FUNCTIONS = {
    VisitStep.Kind.CHECK_IN: steps.visit_check_in,
    VisitStep.Kind.CHECK_OUT: steps.visit_check_out,
    VisitStep.Kind.COMPLETE: steps.visit_complete,
}


def _answer(visit: Visit, step: VisitStep) -> dict:
    return {
        "key": str(step.key),
        "step": step.kind,
        "visit": visit.pk,
        "status": visit.status,
        "device_at": step.device_at.isoformat(),
        "received_at": step.received_at.isoformat(),
        "late": step.late,
    }


def _replayed(*, found: VisitStep, visit: Visit, actor, kind: str) -> VisitStep:
    # A key names one step of one worker on one visit; anything else is a clash, and
    # says nothing about the step it belongs to.
    if (found.visit_id, found.actor_id, found.kind) != (visit.pk, actor.pk, kind):
        raise ValidationError(_("这个步骤编号已用于另一个步骤。"), code="key_reused")
    return found


@transaction.atomic
def visit_step_sync(
    *, visit: Visit, actor, key: uuid.UUID, kind: str, device_at: datetime.datetime, **arguments
) -> tuple[VisitStep, bool]:
    """Apply one queued step at the phone's time; returns (step, replayed).

    The visit row is locked before the key is looked up, so two replays of one key race
    on the lock and the second finds the first one's step.
    """
    Visit.objects.select_for_update(of=("self",)).filter(pk=visit.pk).first()
    found = VisitStep.objects.filter(key=key).first()
    if found is not None:
        return _replayed(found=found, visit=visit, actor=actor, kind=kind), True
    received_at = timezone.now()
    gap = abs(received_at - device_at)
    late = gap > datetime.timedelta(minutes=settings.VISIT_SYNC_GAP_MINUTES)
    # A phone clock ahead of the portal's cannot put a step in the future.
    at = min(device_at, received_at)
    done = STEP_FUNCTIONS[kind](visit=visit, actor=actor, at=at, **arguments)
    if late and not done.late_sync:
        done = steps.visit_flag_late_sync(visit=done, actor=actor)
    step = VisitStep(
        key=key,
        visit=done,
        actor=actor,
        kind=kind,
        device_at=device_at,
        received_at=received_at,
        gap_seconds=min(int(gap.total_seconds()), 2**31 - 1),
        late=late,
    )
    step.answer = _answer(done, step)
    step.full_clean()
    step.save()
    return step, False
