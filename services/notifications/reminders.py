"""Visit reminders: plan, move, cancel, claim and send, each reminder once.

A reminder row exists per (visit, recipient, channel, offset). Rows are written in
the caller's transaction, so a visit that rolls back leaves none. Sending is
claim-based: a claim sets status "sending" with a fresh token and counts one
attempt; only the holder of the current token may record the outcome. A claim
left "sending" longer than REMINDER_CLAIM_TIMEOUT_SECONDS belonged to a dead
worker and is claimed again; the gateways dedupe on the idempotency key. A live
sender renews its claim while it works (heartbeat) and hands back what it has not
started once its batch has run REMINDER_BATCH_SECONDS, so its claim never expires.

Each channel has senders of its own (notifications/tasks.py), so a stalled channel delays
only itself; a channel that keeps failing is paused (channel_health), and a reminder
that no channel could deliver becomes a call on the community's desk (desk).
"""

import datetime
import functools
import logging
import math
import operator
import time
import uuid
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from sanlian import stored_text
from sanlian.locale import language_of
from services.models import Notification, Reminder, ReminderPolicy, Visit

# The tasks module calls the senders below and this module enqueues its dispatch task:
# both hold the other as a module, so either may be imported first.
from services.notifications import rules, tasks
from services.notifications.channel_health import (
    channel_record_failure,
    channel_record_success,
    channels_paused,
)
from services.notifications.channels import (
    ALREADY_DELIVERED,
    ChannelDown,
    ChannelError,
    NotAttempted,
    SmsMessage,
    email_send,
    notifications_create_many,
    sms_send_many,
)
from services.notifications.desk import desk_calls_open_for_failed
from services.notifications.models import notification_texts
from services.notifications.outgoing import (
    Outgoing,
    outgoing_claimed_select,
    outgoing_facts,
    outgoing_texts,
    reminders_outgoing,
)

logger = logging.getLogger(__name__)

Channel = Reminder.Channel
Status = Reminder.Status


class PermanentChannelError(ChannelError):
    """Retrying cannot help (no phone number, no e-mail address)."""


def reminder_offsets() -> list[int]:
    """Minutes before a visit at which reminders go out, largest first."""
    policy = ReminderPolicy.objects.filter(pk=1).first()
    if policy is not None:
        return policy.offset_list
    return sorted(set(settings.REMINDER_OFFSETS_MINUTES), reverse=True)


def resident_side_channels(resident) -> dict[tuple[str, str], object]:
    """(recipient_key, channel) -> user (None for the resident's own phone), in each
    recipient's channel order: the resident's own phone by SMS, then their account in-app;
    each family member in-app, then by SMS. Visit reminders and activity reminders
    (activities/domain/reminders.py) reach the resident side through this one list."""
    wanted: dict[tuple[str, str], object] = {}
    if resident.phone and resident.anonymised_at is None:
        wanted[(f"resident:{resident.pk}", Channel.SMS)] = None
    if resident.user is not None and resident.user.is_active:
        wanted[(f"user:{resident.user.pk}", Channel.IN_APP)] = resident.user
    for link in resident.family_members.select_related("user"):
        if link.user.is_active:
            wanted[(f"user:{link.user.pk}", Channel.IN_APP)] = link.user
            if link.user.phone:
                wanted[(f"user:{link.user.pk}", Channel.SMS)] = link.user
    return wanted


def _recipients(visit: Visit) -> dict[tuple[str, str], object]:
    """(recipient_key, channel) -> user (None for the resident's own phone)."""
    wanted = resident_side_channels(visit.request.resident)
    workers = [
        visit.social_worker.user if visit.social_worker else None,
        visit.volunteer.user if visit.volunteer else None,
        visit.staff_member,
    ]
    for user in workers:
        if user is not None and user.is_active:
            wanted[(f"user:{user.pk}", Channel.IN_APP)] = user
            if user.email:
                wanted[(f"user:{user.pk}", Channel.EMAIL)] = user
    return wanted


def _wanted_reminders(visit: Visit, now: datetime.datetime) -> dict[tuple, tuple]:
    """(key, channel, offset) -> (user, due_at) for a visit as it stands now.

    Offsets already past collapse into one reminder due now (the smallest of
    them), so a visit booked for tomorrow still gets a reminder today, once.
    """
    if visit.status != Visit.Status.SCHEDULED or visit.scheduled_start <= now:
        return {}
    offsets = reminder_offsets()
    due = {offset: visit.scheduled_start - datetime.timedelta(minutes=offset) for offset in offsets}
    past = [offset for offset in offsets if due[offset] <= now]
    kept = [offset for offset in offsets if due[offset] > now] + ([min(past)] if past else [])
    return {
        (key, channel, offset): (user, max(due[offset], now))
        for (key, channel), user in _recipients(visit).items()
        for offset in kept
    }


@transaction.atomic
def _reminders_sync(*, visit: Visit, now: datetime.datetime, dispatch: bool = True) -> int:
    wanted = _wanted_reminders(visit, now)
    existing = {
        (r.recipient_key, r.channel, r.offset_minutes): r
        for r in Reminder.objects.select_for_update().filter(visit=visit)
    }
    for slot, reminder in existing.items():
        if reminder.status != Status.PENDING:
            continue  # sent, failed, in flight or cancelled: never touched again
        if slot not in wanted:
            reminder.status = Status.CANCELLED
        else:
            reminder.due_at = wanted[slot][1]
        reminder.next_attempt_at = None
        reminder.save(update_fields=["status", "due_at", "next_attempt_at"])
    created = [
        Reminder(
            visit=visit,
            recipient_key=slot[0],
            channel=slot[1],
            offset_minutes=slot[2],
            recipient_user=user,
            due_at=due_at,
        )
        for slot, (user, due_at) in wanted.items()
        if slot not in existing
    ]
    for reminder in created:
        reminder.full_clean(exclude=["visit", "recipient_user"])
    Reminder.objects.bulk_create(created)
    if dispatch and any(due_at <= now for _user, due_at in wanted.values()):
        _dispatch_after_commit()
    # Also when planned by the sweep (dispatch=False): its own enqueueing starts at the
    # watermark, which may already lie past these.
    ahead = now + _eta_ahead()
    if any(now < due_at <= ahead for _user, due_at in wanted.values()):
        rows = _pending_due_between(Reminder.objects.filter(visit=visit), now, ahead)
        transaction.on_commit(lambda: _eta_enqueue(rows))
    return len(created)


def _dispatch_soon() -> None:
    try:
        tasks.task_dispatch_due_reminders.delay()
    except Exception as error:  # the broker is away: beat's next tick sends them
        logger.warning("reminders: dispatch not enqueued, beat will send them: %s", error)


def _dispatch_after_commit() -> None:
    """Send what is due right after the commit, once per transaction however many visits."""
    pending = getattr(transaction.get_connection(), "run_on_commit", [])
    if not any(callback[1] is _dispatch_soon for callback in pending):
        transaction.on_commit(_dispatch_soon)


# Sending at the due time (ETA) ------------------------------------------------------
#
# Beat's sweep alone sends a reminder up to a tick (60 s) after it falls due. So reminders
# falling due within REMINDER_ETA_AHEAD_SECONDS are also sent to the broker with that time
# as their ETA: by the visit's scheduling or moving (after the commit), and by each sweep
# for those falling due before its successors run. The ETA task claims them like the sweep
# does (pending and due, SKIP LOCKED), so whichever comes first sends and the other finds
# nothing; a visit moved or cancelled meanwhile leaves its reminder not due or not pending,
# and the stale ETA sends nothing. The window stays far below the broker's visibility
# timeout: Redis hands an ETA task still unacknowledged after it to a second worker.

# Up to which due time the sweeps enqueued (cache key). Reminders written around the domain
# functions (a bulk load, the benchmark) are enqueued only from the watermark on.
ETA_WATERMARK_KEY = "reminders:eta-enqueued-until"


def _eta_ahead() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.REMINDER_ETA_AHEAD_SECONDS)


def _pending_due_between(
    reminders: QuerySet[Reminder], start: datetime.datetime, end: datetime.datetime
) -> list[tuple[int, datetime.datetime, str]]:
    """(id, due_at, channel) of first attempts falling due in (start, end], by due time."""
    due = reminders.filter(
        status=Status.PENDING, due_at__gt=start, due_at__lte=end, next_attempt_at__isnull=True
    )
    return list(due.order_by("due_at", "pk").values_list("pk", "due_at", "channel"))


def _eta_batches(
    rows: list[tuple[int, datetime.datetime, str]],
) -> list[tuple[datetime.datetime, str | None, list[int]]]:
    """(eta, queue, ids): one task per second of due time and queue, at most a batch each.

    The ETA is the latest due time of its ids, so every one of them is due when it runs.
    """
    groups: dict[tuple[int, str | None], list[tuple[int, datetime.datetime]]] = {}
    for pk, due_at, channel in rows:
        queue = settings.REMINDER_EMAIL_QUEUE if channel == Channel.EMAIL else ""
        second = int(due_at.timestamp()) + (due_at.microsecond > 0)
        groups.setdefault((second, queue or None), []).append((pk, due_at))
    size = settings.REMINDER_BATCH_SIZE
    return [
        (max(due_at for _pk, due_at in chunk), queue, [pk for pk, _due_at in chunk])
        for (_second, queue), members in sorted(groups.items(), key=lambda item: item[0][0])
        for chunk in (members[at : at + size] for at in range(0, len(members), size))
    ]


def _eta_enqueue(rows: list[tuple[int, datetime.datetime, str]]) -> datetime.datetime | None:
    """Send the reminders of `rows` to the broker for their due times, in due order.

    Returns the due time up to which every one reached the broker (None: all of them). With
    the broker away it stops at the first failure, logged, not raised: the sweep sends
    the rest once they are due.
    """
    for eta, queue, ids in _eta_batches(rows):
        try:
            tasks.task_send_reminders.apply_async(
                kwargs={"ids": ids, "due": eta.isoformat()}, eta=eta, queue=queue
            )
        except Exception as error:  # kombu's OperationalError, a refused or timed-out socket
            logger.warning("reminders due %s not enqueued, the sweep sends them: %s", eta, error)
            return eta - datetime.timedelta(microseconds=1)
    return None


def reminders_enqueue_ahead(*, now: datetime.datetime) -> int:
    """Enqueue for their due time the reminders falling due before the next sweeps run.

    A watermark in the cache says up to which due time the last sweep got, so each
    reminder is enqueued once by the sweeps; one scheduled or moved within the window was
    enqueued by its visit (a second ETA for it only finds it sent). Returns how many.
    """
    end = now + _eta_ahead()
    try:
        start = max(now, cache.get(ETA_WATERMARK_KEY) or now)
    except Exception:  # the cache is away: from now, at worst a second ETA for some
        start = now
    if end <= start:
        return 0
    rows = _pending_due_between(Reminder.objects.all(), start, end)
    stopped = _eta_enqueue(rows)
    try:
        cache.set(ETA_WATERMARK_KEY, stopped or end, timeout=int(_eta_ahead().total_seconds()) * 2)
    except Exception:
        logger.warning("reminders: ETA watermark not stored")
    return len(rows) if stopped is None else sum(due <= stopped for _pk, due, _c in rows)


def reminders_send_listed(*, ids: list[int], due: datetime.datetime) -> int:
    """Claim and send those of `ids` that are due and still pending (the ETA task).

    The rows are checked again, so a visit moved or cancelled after the enqueue, or a
    reminder the sweep sent first, sends nothing. `due` is the task's ETA: a timer that
    fires a moment early still finds its reminders due; an ETA task run long before it
    (an eager test run, a clock far off) claims only what is due by the clock.
    Returns how many it claimed.
    """
    began = time.monotonic()  # no later than the claim's claimed_at: see ClaimKeeper
    now = timezone.now()
    if due - now <= datetime.timedelta(seconds=1):
        now = max(now, due)
    token, claimed = _reminders_claim(now=now, limit=len(ids), among=ids)
    if claimed:
        _send_rows(claimed, claim_token=token, now=None, claimed=began)
    return len(claimed)


def reminders_plan_for_visit(*, visit: Visit, now: datetime.datetime | None = None) -> int:
    """Create the reminders of a scheduled visit; call inside the visit's transaction."""
    return _reminders_sync(visit=visit, now=now or timezone.now())


def reminders_move_for_visit(*, visit: Visit, now: datetime.datetime | None = None) -> int:
    """Re-time pending reminders after a reschedule (and reach newly assigned workers)."""
    return _reminders_sync(visit=visit, now=now or timezone.now())


def reminders_cancel_for_visit(*, visit: Visit) -> int:
    return Reminder.objects.filter(visit=visit, status=Status.PENDING).update(
        status=Status.CANCELLED, next_attempt_at=None
    )


def reminders_plan_missing(*, now: datetime.datetime) -> int:
    """Plan reminders for scheduled visits in the next hours that have none yet."""
    horizon = now + datetime.timedelta(hours=settings.REMINDER_PLAN_AHEAD_HOURS)
    visits = (
        Visit.objects.filter(
            status=Visit.Status.SCHEDULED,
            scheduled_start__gt=now,
            scheduled_start__lte=horizon,
        )
        .exclude(pk__in=Reminder.objects.values("visit_id"))
        .select_related(*_VISIT_RELATED)
    )
    # The caller (the dispatch task) sends what is due next; no extra dispatch per visit.
    return sum(_reminders_sync(visit=visit, now=now, dispatch=False) for visit in visits)


_VISIT_RELATED = (
    "request__resident__user",
    "request__resident__community",
    "request__service_type",
    "offering__organization",
    "social_worker__user",
    "volunteer__user",
    "staff_member",
)


# Quiet hours -----------------------------------------------------------------


def _quiet_window() -> tuple[datetime.time, datetime.time] | None:
    spec = settings.SMS_QUIET_HOURS.strip()
    if not spec:
        return None
    start, end = (datetime.time.fromisoformat(part.strip()) for part in spec.split("-"))
    return start, end


def sms_quiet_at(moment: datetime.datetime) -> bool:
    window = _quiet_window()
    if window is None:
        return False
    start, end = window
    local = timezone.localtime(moment).time()
    if start > end:  # spans midnight, e.g. 21:00-08:00
        return local >= start or local < end
    return start <= local < end


# Claiming and sending ----------------------------------------------------------


def _claimable(
    now: datetime.datetime, channel: str | None = None, among: list[int] | None = None
) -> tuple[Q, Q]:
    """(taken over, due): claims left by dead senders, and pending reminders ready now.

    Two conditions, queried one after the other, so each walks the (status, due_at)
    index: an OR of both would make PostgreSQL sort every due row for each claim.
    A retry's next_attempt_at is set after a claim, so later than its due_at: the
    due_at bound holds for retries too.
    """
    paused, quiet = frozenset(channels_paused(now=now)), sms_quiet_at(now)
    return _claim_conditions(now, channel, among, paused=paused, quiet=quiet)


def _claim_conditions(
    now: datetime.datetime,
    channel: str | None,
    among: list[int] | None,
    *,
    paused: frozenset[str],
    quiet: bool,
) -> tuple[Q, Q]:
    """`_claimable` with the paused channels and quiet hours given."""
    stale = now - datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    taken_over = Q(status=Status.SENDING, claimed_at__lt=stale)
    ready = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    due = Q(status=Status.PENDING, due_at__lte=now) & ready
    if channel is not None:
        taken_over, due = taken_over & Q(channel=channel), due & Q(channel=channel)
    if among is not None:
        taken_over, due = taken_over & Q(pk__in=among), due & Q(pk__in=among)
    if paused:
        # A paused channel's reminders wait (or go to the desk) instead of each timing out.
        taken_over, due = taken_over & ~Q(channel__in=paused), due & ~Q(channel__in=paused)
    if quiet:
        # Deferred, not dropped: claimable again when quiet hours end.
        loud = ~Q(channel=Channel.SMS, urgent=False)
        return taken_over & loud, due & loud
    return taken_over, due


def reminders_claim_due(
    *,
    now: datetime.datetime,
    limit: int,
    channel: str | None = None,
    among: list[int] | None = None,
) -> tuple[str, list[int]]:
    """Claim up to `limit` due reminders (of `channel`, or of any channel not paused;
    with `among`, only reminders of those ids)."""
    token, rows = _reminders_claim(now=now, limit=limit, channel=channel, among=among)
    return token, [row.pk for row in rows]


def _reminders_claim(
    *,
    now: datetime.datetime,
    limit: int,
    channel: str | None = None,
    among: list[int] | None = None,
) -> tuple[str, list[Outgoing]]:
    """`reminders_claim_due`, the claimed reminders read as a sender reads them (on
    PostgreSQL by the claim's own statement), in due order per condition."""
    token = str(uuid.uuid4())
    if not connection.features.has_select_for_update_skip_locked:
        _claim_serialised(_claimable(now, channel, among), token=token, now=now, limit=limit)
        held = Reminder.objects.filter(claim_token=token, status=Status.SENDING)
        return token, reminders_outgoing(held)
    rows: list[Outgoing] = []
    with transaction.atomic():  # one commit for both statements
        for where in _claimable_sql(now, channel, among):
            if len(rows) >= limit:
                break
            rows += _claim_skip_locked(where, token=token, now=now, limit=limit - len(rows))
    return token, rows


def _claim_skip_locked(
    where: tuple[str, list], *, token: str, now: datetime.datetime, limit: int
) -> list[Outgoing]:
    """Claim up to `limit` reminders meeting the condition `where` (SQL, parameters) that no
    other sender holds, and read them, in one statement: the UPDATE takes the ids its
    subquery locks (SKIP LOCKED) and hands its rows to the senders' SELECT
    (`outgoing_claimed_select`).

    `= ANY(ARRAY(…))`, not `IN (…)`: the array is an init plan, run once, and the rows are
    then found by primary key; PostgreSQL may plan an IN as a hash join over a scan of
    the whole table."""
    condition, params = where
    head, tail = _claim_statement()
    with connection.cursor() as cursor:
        cursor.execute(head + condition + tail, [Status.SENDING.value, now, token, *params, limit])
        return [Outgoing(*row) for row in cursor.fetchall()]


def _claimable_sql(
    now: datetime.datetime, channel: str | None, among: list[int] | None
) -> list[tuple[str, list]]:
    """`_claimable` as SQL: (condition, parameters) of each.

    A sender claims batch after batch with the same conditions at other moments, so they
    are compiled once per kind (channel, paused channels, quiet hours, claim timeout) at a
    fixed moment, and each claim puts its own moments in (the ORM's compiling cost more
    than the claim's statement, issue 20). With `among` (an ETA task's ids) each time."""
    paused, quiet = frozenset(channels_paused(now=now)), sms_quiet_at(now)
    if among is not None:
        conditions = _claim_conditions(now, channel, among, paused=paused, quiet=quiet)
        return [_where_sql(condition) for condition in conditions]
    timeout = datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    moments = {_COMPILED_AT: now, _COMPILED_AT - timeout: now - timeout}
    return [
        (sql, [moments.get(p, p) if isinstance(p, datetime.datetime) else p for p in params])
        for sql, params in _claimable_compiled(channel, paused, quiet, timeout)
    ]


# The moment the claim conditions are compiled at: any moment would do, no claim's is this.
_COMPILED_AT = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@functools.lru_cache(maxsize=32)
def _claimable_compiled(
    channel: str | None, paused: frozenset[str], quiet: bool, timeout: datetime.timedelta
) -> list[tuple[str, tuple]]:
    conditions = _claim_conditions(_COMPILED_AT, channel, None, paused=paused, quiet=quiet)
    compiled = [_where_sql(condition) for condition in conditions]
    for _sql, params in compiled:
        # Each condition bounds a moment (claimed_at, due_at): one must be there to set.
        if not {_COMPILED_AT, _COMPILED_AT - timeout} & set(params):
            raise RuntimeError(f"no moment among the claim's parameters: {params}")
    return [(sql, tuple(params)) for sql, params in compiled]


def _where_sql(condition: Q) -> tuple[str, list]:
    query = Reminder.objects.filter(condition).query
    return query.get_compiler(connection=connection).compile(query.where)


@functools.cache
def _claim_statement() -> tuple[str, str]:
    """The claim's statement around its condition: (before it, after it)."""
    table = connection.ops.quote_name(Reminder._meta.db_table)
    head = (
        f"WITH claimed AS (UPDATE {table} SET status = %s, claimed_at = %s, claim_token = %s,"  # noqa: S608 - the model's table, values as parameters
        f" attempts = attempts + 1 WHERE id = ANY(ARRAY(SELECT id FROM {table} WHERE "
    )
    tail = " ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED)) RETURNING *) "
    return head, tail + outgoing_claimed_select()


@transaction.atomic
def _claim_serialised(
    conditions: tuple[Q, Q], *, token: str, now: datetime.datetime, limit: int
) -> None:
    """SQLite has no SKIP LOCKED, but its writers take turns (IMMEDIATE transactions), so
    the conditional UPDATE is itself the claim."""
    ids: list[int] = []
    for condition in conditions:
        wanted = limit - len(ids)
        if wanted > 0:
            ids += (
                Reminder.objects.filter(condition)
                .order_by("due_at")
                .values_list("pk", flat=True)[:wanted]
            )
    Reminder.objects.filter(conditions[0] | conditions[1], pk__in=ids).update(
        status=Status.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )


def _visit_link(visit_id: int) -> str:
    try:
        return reverse("services:visit_detail", kwargs={"pk": visit_id})
    except NoReverseMatch:
        return reverse("notifications:list")


def reminders_send_due(
    *,
    batch_size: int,
    deadline: float,
    on_backlog: Callable[[], None] | None = None,
    channel: str | None = None,
) -> int:
    """Claim and send due reminders, batch after batch, until none is left or time is up.

    `deadline` is a `time.monotonic()` value: a sender stops between batches after it,
    so a beat tick's senders end before the next tick's start. Each batch is sent right
    after its claim, so no claim waits in a queue (and none nears the takeover timeout
    because of a backlog). `on_backlog` runs once, after the first full batch: the
    dispatcher starts more senders there, which share the work through SKIP LOCKED
    claims. With `channel`, only that channel's reminders. A batch hands back what it did
    not try when its channel failed (the sender stops: the breaker decides when to try
    again) or when its time ran out (the sender claims afresh, unless it sent nothing).
    Returns how many reminders this sender claimed.
    """
    handled = 0
    while True:
        claimed = time.monotonic()  # no later than the claim's claimed_at: see ClaimKeeper
        token, rows = _reminders_claim(now=timezone.now(), limit=batch_size, channel=channel)
        outcome: dict[str, int] = {}
        if rows:
            statuses = _send_rows(rows, claim_token=token, now=None, claimed=claimed)
            outcome = _counts(statuses, claimed=len(rows))
            if on_backlog is not None and len(rows) == batch_size:
                # After the batch, not between its claim and its sending: starting helpers
                # publishes to the broker, which can take seconds while Redis reconnects.
                on_backlog()
                on_backlog = None
        handled += len(rows)
        released = outcome.get(RELEASED, 0)
        drained = len(rows) < batch_size and not released
        stuck = outcome.get(HELD_BACK) or (rows and released == len(rows))
        if drained or stuck or time.monotonic() >= deadline:
            return handled


def reminder_send_claimed(*, reminder_id: int, claim_token: str, now: datetime.datetime) -> str:
    """Send one claimed reminder and record the outcome; returns the new status."""
    statuses = _send_rows(
        _held(ids=[reminder_id], claim_token=claim_token), claim_token=claim_token, now=now
    )
    return statuses[0] if statuses else "skipped"


def reminders_send_batch(
    *, ids: list[int], claim_token: str, claimed: float | None = None
) -> dict[str, int]:
    """Send a claimed batch: one query loads it, one UPDATE records it; counts per status.
    (A sender that claims for itself has its batch from the claim: `reminders_send_due`.)

    `claimed`: the `time.monotonic()` at which the caller began the claim, when it made the
    claim itself; the claim then needs no renewal before the first send (ClaimKeeper).
    """
    rows = _held(ids=ids, claim_token=claim_token)
    return _counts(_send_rows(rows, claim_token=claim_token, claimed=claimed), claimed=len(ids))


def _held(*, ids: list[int], claim_token: str) -> list[Outgoing]:
    """The reminders of `ids` still held under `claim_token`, read as a sender reads them."""
    # By the token, not the ids: the claim gave exactly these ids this token, and an IN list
    # of hundreds of ids costs more to build than the rest of the query.
    held = Reminder.objects.filter(claim_token=claim_token, status=Status.SENDING)
    return reminders_outgoing(held if len(ids) > 1 else held.filter(pk__in=ids))


def _counts(statuses: list[str], *, claimed: int) -> dict[str, int]:
    outcome = Counter(statuses)
    if len(statuses) < claimed:
        outcome["skipped"] = claimed - len(statuses)  # taken over, or already finished
    return dict(outcome)


# What a sender reports for reminders it handed back untried (they are "pending" again):
# because its channel failed or is paused, or because the batch's time was up.
HELD_BACK = "held back"
RELEASED = "released"


class ClaimKeeper:
    """Keeps a sender's claim alive while it works (heartbeat), and says when to stop.

    Between two renewals a sender makes at most one channel call, bounded by its timeout;
    settings refuse a claim timeout that is not longer than heartbeat plus that timeout.
    A renewal that finds the claim gone (taken over) stops the sender at once; one that
    cannot reach the database lets it go on only while the last renewal still covers a call.
    """

    def __init__(self, claim_token: str, *, rows: int, claimed: float | None = None):
        self.token, self.rows = claim_token, rows
        self.started = time.monotonic()
        self.lost = False
        if claimed is not None:
            # The sender made the claim itself and timed it from before its claimed_at was
            # taken: the claim is at most this old, as if renewed then (one UPDATE of the
            # whole batch fewer; keep_going still renews it before it could expire).
            self.renewed = claimed
            return
        # Nothing is known of the claim's age until a renewal: it may have aged since it was
        # taken (a busy CPU, a slow query), and a sender that trusted it could send what a
        # takeover sends too. So the first renewal comes before the first call.
        self.renewed = -math.inf
        if rows:
            self.renew()

    def keep_going(self) -> bool:
        now = time.monotonic()
        if self.lost or now - self.started >= settings.REMINDER_BATCH_SECONDS:
            return False
        if now - self.renewed >= settings.REMINDER_HEARTBEAT_SECONDS:
            self.renew()
        longest_call = max(settings.EMAIL_TIMEOUT or 0, settings.SMS_HTTP_TIMEOUT_SECONDS)
        covered = time.monotonic() - self.renewed + longest_call
        return not self.lost and covered < settings.REMINDER_CLAIM_TIMEOUT_SECONDS

    def renew(self) -> None:
        try:
            held = Reminder.objects.filter(claim_token=self.token, status=Status.SENDING).update(
                claimed_at=timezone.now()
            )
        except DatabaseError:
            return  # the database is away: the last renewal still counts, see keep_going
        self.renewed = time.monotonic()
        self.lost = held < self.rows  # some or all taken over: stop, the taker sends them


def _send_rows(
    reminders: list[Outgoing],
    *,
    claim_token: str,
    now: datetime.datetime | None = None,
    claimed: float | None = None,
) -> list[str]:
    """Deliver `reminders`, held under `claim_token`; their new statuses.

    Outcomes are recorded only after the gateways answered: a sender that dies in
    between leaves its claim "sending", and whoever takes it over sends again,
    which the gateways answer with "already delivered".
    """
    ready = [reminder for reminder in reminders if not _settled_unsent(reminder)]
    keeper = ClaimKeeper(claim_token, rows=len(reminders), claimed=claimed)
    answers = _deliver_all(ready, keeper=keeper)
    now = now or timezone.now()
    released: list[Outgoing] = []
    unexpected: list[tuple[int, Exception]] = []
    for reminder in ready:
        answer = answers[reminder.pk]
        if not isinstance(answer, Exception):
            reminder.status, reminder.sent_at, reminder.response = Status.SENT, now, answer[:300]
        elif isinstance(answer, NotAttempted):
            released.append(reminder)
        else:
            _reminder_fail(reminder, error=answer, now=now)
            if not isinstance(answer, ChannelError):
                unexpected.append((reminder.pk, answer))
    _log_unexpected(unexpected)
    recorded = reminders
    if released:
        released_pks = {reminder.pk for reminder in released}
        recorded = [reminder for reminder in reminders if reminder.pk not in released_pks]
    _outcomes_record(recorded, claim_token=claim_token)
    _release(released, claim_token=claim_token)
    _channels_report(ready, answers, now=now)
    desk_calls_open_for_failed(reminders=[r for r in recorded if r.status == Status.FAILED])
    return [reminder.status for reminder in recorded] + [
        HELD_BACK if answers[reminder.pk].channel_failed else RELEASED for reminder in released
    ]


def _release(reminders: list[Outgoing], *, claim_token: str) -> None:
    """Hand back untried reminders: pending again, their attempt not counted."""
    if reminders:
        Reminder.objects.filter(
            pk__in=[reminder.pk for reminder in reminders],
            claim_token=claim_token,
            status=Status.SENDING,
        ).update(status=Status.PENDING, attempts=F("attempts") - 1, next_attempt_at=None)


def _channels_report(
    ready: list[Outgoing], answers: dict[int, str | Exception], *, now: datetime.datetime
) -> None:
    """One report per channel and batch: delivered something, or failed as a channel."""
    for channel in {reminder.channel for reminder in ready}:
        mine = [answers[r.pk] for r in ready if r.channel == channel]
        if any(not isinstance(answer, Exception) for answer in mine):
            channel_record_success(channel=channel)
            continue
        down = [a for a in mine if isinstance(a, ChannelDown) or not isinstance(a, ChannelError)]
        if down:
            channel_record_failure(
                channel=channel, error=f"{type(down[0]).__name__}: {down[0]}", now=now
            )


def _log_unexpected(unexpected: list[tuple[int, Exception]]) -> None:
    """One log entry per batch for errors no channel expects (a bug, a broken setting):
    (reminder id, error) of each."""
    if unexpected:
        first_pk, first_error = unexpected[0]
        logger.error(
            "%s reminders failed with an unexpected error (first: reminder %s)",
            len(unexpected),
            first_pk,
            exc_info=first_error,
        )


def _outcomes_record(reminders: list[Outgoing], *, claim_token: str) -> None:
    """The outcomes of a batch, by the claim holder only, in one UPDATE however many
    reminders and however their outcomes differ (an HTTP gateway answers each message with
    an id of its own). Only the listed reminders: others of the claim were handed back."""
    if not reminders:
        return
    if connection.vendor != "postgresql":
        _outcomes_record_by_outcome(reminders, claim_token=claim_token)
        return
    outcomes = [_outcome(reminder) for reminder in reminders]
    ids = [reminder.pk for reminder in reminders]
    if len(set(outcomes)) == 1:
        # The usual batch, every reminder delivered alike: no arrays of outcomes, whose
        # thousands of literals PostgreSQL parses and casts one by one.
        outcome_source, params = _ONE_OUTCOME, [ids, *outcomes[0]]
    else:
        outcome_source, params = _OUTCOME_ARRAYS, [ids, *map(list, zip(*outcomes, strict=True))]
    table = connection.ops.quote_name(Reminder._meta.db_table)
    with connection.cursor() as cursor:
        # The token in the WHERE clause: a claim taken over meanwhile is not overwritten.
        cursor.execute(
            f"UPDATE {table} AS r SET status = o.status, sent_at = o.sent_at,"  # noqa: S608 - the model's table, values as parameters
            f" next_attempt_at = o.next_attempt_at, response = o.response FROM {outcome_source}"
            " WHERE r.id = o.id AND r.claim_token = %s AND r.status = %s",
            [*params, claim_token, Status.SENDING],
        )


_OUTCOME_FIELDS = ("status", "sent_at", "next_attempt_at", "response")


# A reminder's outcome as a tuple, in the order of _OUTCOME_FIELDS.
_outcome = operator.attrgetter(*_OUTCOME_FIELDS)


# The rows `o` an outcome UPDATE takes its values from: the ids, then one outcome for all
# or an array of each outcome field, in the order of _OUTCOME_FIELDS.
_ONE_OUTCOME = (
    "(SELECT unnest(%s::bigint[]) AS id, %s::varchar AS status, %s::timestamptz AS sent_at,"
    " %s::timestamptz AS next_attempt_at, %s::varchar AS response) AS o"
)
_OUTCOME_ARRAYS = (
    "unnest(%s::bigint[], %s::varchar[], %s::timestamptz[], %s::timestamptz[], %s::varchar[])"
    " AS o(id, status, sent_at, next_attempt_at, response)"
)


@transaction.atomic
def _outcomes_record_by_outcome(reminders: list[Outgoing], *, claim_token: str) -> None:
    """One UPDATE per distinct outcome (SQLite has no arrays to join)."""
    groups: dict[tuple, list[int]] = {}
    for reminder in reminders:
        groups.setdefault(_outcome(reminder), []).append(reminder.pk)
    for outcome, pks in groups.items():
        held = Reminder.objects.filter(claim_token=claim_token, status=Status.SENDING, pk__in=pks)
        held.update(**dict(zip(_OUTCOME_FIELDS, outcome, strict=True)))


def _settled_unsent(reminder: Outgoing) -> bool:
    """Set the outcome of a reminder that must not be sent; False if it is to be sent."""
    if reminder.sent_at is not None or _email_noted_elsewhere(reminder):
        # An e-mail the server accepted before its sender died (see _email_send).
        reminder.status, reminder.response = Status.SENT, ALREADY_DELIVERED
    elif reminder.visit_status != Visit.Status.SCHEDULED:
        reminder.status, reminder.response = Status.CANCELLED, "visit no longer scheduled"
    elif reminder.attempts > settings.REMINDER_MAX_ATTEMPTS:
        # Claimed again and again by workers that died while sending it.
        reminder.status, reminder.response = Status.FAILED, "too many attempts"
    else:
        return False
    reminder.next_attempt_at = None
    return True


def _deliver_all(reminders: list[Outgoing], *, keeper: ClaimKeeper) -> dict[int, str | Exception]:
    """Per reminder id: the channel's answer, or the error that stopped it.

    In-app first, then SMS, then e-mail one by one: the slowest channel goes last, a
    channel paused meanwhile is not tried, and e-mail stops at its first ChannelDown.
    """
    answers: dict[int, str | Exception] = {}
    sms: list[tuple[Outgoing, SmsMessage]] = []
    in_app: list[tuple[Outgoing, Notification]] = []
    emails: list[tuple[Outgoing, str]] = []
    paused = channels_paused(now=timezone.now()) if reminders else set()
    texts = _batch_texts([r for r in reminders if r.channel not in paused])
    for reminder in reminders:
        try:
            message = (
                _message(reminder, texts.get(reminder.pk))
                if reminder.channel not in paused
                else NotAttempted("paused", channel_failed=True)
            )
        except Exception as error:
            message = error
        if isinstance(message, Exception):
            answers[reminder.pk] = message
        elif isinstance(message, SmsMessage):
            sms.append((reminder, message))
        elif isinstance(message, Notification):
            in_app.append((reminder, message))
        else:
            emails.append((reminder, message))
    if (in_app or sms) and not keeper.keep_going():
        # The claim may not outlive the sends (a batch that took long to load): hand back.
        answers.update({r.pk: NotAttempted() for r, _message in in_app + sms + emails})
        in_app, sms, emails = [], [], []
    answers.update(_in_bulk(in_app, lambda notes: notifications_create_many(notifications=notes)))
    answers.update(
        _in_bulk(sms, lambda texts: sms_send_many(messages=texts, keep_going=keeper.keep_going))
    )
    answers.update(_emails_send(emails, keeper=keeper, texts=texts))
    return answers


def _emails_send(
    emails: list[tuple[Outgoing, str]], *, keeper: ClaimKeeper, texts: dict[int, str]
) -> dict[int, str | Exception]:
    """One by one (SMTP has no batch), each only while the claim is sure to outlive it."""
    answers: dict[int, str | Exception] = {}
    failed = out_of_time = False
    for reminder, address in emails:
        out_of_time = out_of_time or failed or not keeper.keep_going()
        if out_of_time:
            answers[reminder.pk] = NotAttempted(channel_failed=failed)
            continue
        answers[reminder.pk] = _email_send(reminder, address, texts.get(reminder.pk))
        failed = isinstance(answers[reminder.pk], ChannelDown)
    return answers


def _batch_texts(reminders: list[Outgoing]) -> dict[int, str]:
    """The SMS and e-mail texts of a batch in one go; none if one of them cannot be
    written (each is then written alone, so its error stays its own)."""
    written = [r for r in reminders if r.channel in (Channel.SMS, Channel.EMAIL)]
    try:
        return dict(zip([r.pk for r in written], outgoing_texts(written), strict=True))
    except Exception:
        return {}


def _in_bulk(pairs: list[tuple], send) -> dict[int, str | Exception]:
    if not pairs:
        return {}
    try:
        answers = send([message for _reminder, message in pairs])
    except Exception as error:
        answers = [error] * len(pairs)
    return {
        reminder.pk: answer for (reminder, _message), answer in zip(pairs, answers, strict=True)
    }


def _message(reminder: Outgoing, text: str | None = None) -> SmsMessage | Notification | str:
    """What goes out: an SMS, an in-app notification, or the e-mail address (body apart);
    `text`: the SMS's, if written already (_batch_texts)."""
    to_user = reminder.recipient_user_id is not None
    if reminder.channel == Channel.SMS:
        phone = reminder.phone if to_user else reminder.resident_phone
        if not phone:
            raise PermanentChannelError("no phone number")
        text = text or outgoing_texts([reminder])[0]
        return SmsMessage(phone, text, str(reminder.idempotency_key))
    if not to_user:
        raise PermanentChannelError("no recipient account")
    if reminder.channel == Channel.EMAIL:
        if not reminder.email:
            raise PermanentChannelError("no e-mail address")
        return reminder.email
    return Notification(
        user_id=reminder.recipient_user_id,
        **notification_texts(
            title=stored_text.text(gettext_noop("上门服务提醒")), body=outgoing_facts(reminder)
        ),
        link=_visit_link(reminder.visit_id),
        dedupe_key=f"reminder:{reminder.idempotency_key}",
    )


def _email_send(reminder: Outgoing, address: str, text: str | None = None) -> str | Exception:
    """Send one e-mail and note its delivery on the reminder at once.

    SMTP has no idempotency key, so the mail server cannot refuse a resend the way the
    SMS gateways do. Instead `sent_at` is written (committed, still under the claim) as
    soon as the server accepts the message, and a sender taking the claim over records
    it as delivered instead of mailing again. Only a death in the milliseconds between
    the server's answer and that UPDATE can still send an e-mail twice.
    """
    try:
        answer = email_send(
            address=address,
            subject=stored_text.in_language(
                stored_text.text(gettext_noop("上门服务提醒")), language_of(reminder)
            ),
            body=text or outgoing_texts([reminder])[0],
            idempotency_key=str(reminder.idempotency_key),
        )
    except Exception as error:
        return error
    _email_note_delivery(reminder)
    return answer


def _delivery_key(reminder: Outgoing) -> str:
    return f"reminder-delivered:{reminder.idempotency_key}"


def _email_note_delivery(reminder: Outgoing) -> None:
    """Note an accepted e-mail in the cache (Redis) first, then on the row.

    Two stores: with the database away at this moment, the cache still tells a sender
    taking the claim over that the e-mail went out. Only a death before either write
    lands (or both stores away) can still mail twice.
    """
    try:
        cache.set(_delivery_key(reminder), 1, timeout=7 * 24 * 3600)
    except Exception:
        logger.warning("reminder %s: delivery not noted in the cache", reminder.pk)
    _email_note_delivery_on_row(reminder)


def _email_note_delivery_on_row(reminder: Outgoing) -> None:
    Reminder.objects.filter(
        pk=reminder.pk, claim_token=reminder.claim_token, status=Status.SENDING
    ).update(sent_at=timezone.now())


def _email_noted_elsewhere(reminder: Outgoing) -> bool:
    """An e-mail of an earlier claim noted in the cache only (the database was away)."""
    if reminder.channel != Channel.EMAIL or reminder.attempts <= 1:
        return False  # a first attempt has nothing to find
    try:
        return bool(cache.get(_delivery_key(reminder)))
    except Exception:
        return False


def _reminder_fail(reminder: Outgoing, *, error: Exception, now: datetime.datetime) -> None:
    """Set the outcome of a failed attempt: retried after a backoff, or failed for good."""
    final = isinstance(error, PermanentChannelError) or (
        reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS
    )
    reminder.status = Status.FAILED if final else Status.PENDING
    reminder.next_attempt_at = (
        None if final else now + datetime.timedelta(minutes=2**reminder.attempts)
    )
    reminder.response = f"{type(error).__name__}: {error}"[:300]


# Staff view of failures ------------------------------------------------------------


def reminder_retry(*, reminder: Reminder, actor) -> None:
    """Give a failed reminder a fresh set of attempts, now (a settled one: nothing to do)."""
    if reminder.status != Status.FAILED:
        return
    if not rules.may_retry_reminder(actor, reminder):
        raise PermissionDenied
    Reminder.objects.filter(pk=reminder.pk, status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, next_attempt_at=None, claim_token=None
    )
    _dispatch_after_commit()


def reminder_policy_update(*, offsets: str, actor) -> ReminderPolicy:
    """Change the offsets of reminders planned from now on (planned ones keep theirs)."""
    if not rules.may_edit_reminder_policy(actor):
        raise PermissionDenied
    policy = ReminderPolicy.objects.filter(pk=1).first() or ReminderPolicy(pk=1)
    policy.offsets = ",".join(part.strip() for part in offsets.split(",") if part.strip())
    policy.updated_by = actor
    policy.full_clean()
    policy.save()
    return policy
