"""Confirming, answering and expiring matches, with capacity held per offering and week.

Capacity rule: a place is taken by one conditional UPDATE
(reserved = reserved + 1 WHERE reserved < capacity) on the OfferingWeek row,
locked with SELECT ... FOR UPDATE first. Two staff confirming, or two members
accepting, at the same moment therefore queue on that row and the second sees
the first's place; the CHECK constraint reserved <= capacity is the last guard.

An accepted match's place follows the visit that rides on it: when that visit moves to
another week, services.care.domain.visits moves the place and `Match.week_start` with it, so
releasing the match's place (declined, expired, withdrawn) always gives back the week
actually held, once.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from organizations.models import Organization
from organizations.queries import agreements_in_force
from sanlian import stored_text
from sanlian.audit import audit_reason_fields, audit_record, snapshot
from sanlian.bulk_rows import rows_insert
from sanlian.models import AuditEntry
from sanlian.refusals import refuse
from services.matching.rules import (
    accept_match_refusal,
    assign_manually_refusal,
    confirm_match_refusal,
    decline_match_refusal,
)
from services.matching.weeks import week_check_not_past
from services.models import Match, OfferingWeek, ServiceOffering, ServiceRequest
from services.offerings.models import week_start_of
from services.offerings.queries import offerings_visible_to

logger = logging.getLogger(__name__)

_MATCH_FIELDS = ["status", "confirmed_by", "expires_at", "responded_by", "response_note"]


def _offering_week(offering: ServiceOffering, week_start: datetime.date) -> OfferingWeek:
    week, _created = OfferingWeek.objects.get_or_create(
        offering=offering, week_start=week_start, defaults={"capacity": offering.weekly_capacity}
    )
    return week


def _reserve_place(offering: ServiceOffering, week_start: datetime.date) -> None:
    week = _offering_week(offering, week_start)
    OfferingWeek.objects.select_for_update().get(pk=week.pk)
    taken = OfferingWeek.objects.filter(pk=week.pk, reserved__lt=F("capacity")).update(
        reserved=F("reserved") + 1
    )
    if not taken:
        raise ValidationError(_("该服务项目本周名额已满。"))


def offering_week_reserve(*, offering: ServiceOffering, week_start: datetime.date) -> bool:
    """Take one place in the offering's week under the capacity rule; False when it is full."""
    try:
        _reserve_place(offering, week_start)
    except ValidationError:
        return False
    return True


def offering_week_release(*, offering_id: int, week_start: datetime.date) -> bool:
    """Give back one place in the offering's week; False when the week held none.

    Never below zero (the CHECK constraint would refuse it), but a release with nothing
    to give back means a place was counted twice somewhere: logged as an error, so the
    bug shows instead of silently taking another booking's place later.
    """
    OfferingWeek.objects.select_for_update().filter(
        offering_id=offering_id, week_start=week_start
    ).first()
    released = OfferingWeek.objects.filter(
        offering_id=offering_id, week_start=week_start, reserved__gt=0
    ).update(reserved=F("reserved") - 1)
    if not released:
        logger.error(
            "offering %s, week of %s: a place was given back that was not held",
            offering_id,
            week_start,
        )
    return bool(released)


def offering_week_move(
    *, offering: ServiceOffering, from_week: datetime.date, to_week: datetime.date
) -> bool:
    """Move one place of the offering from one week to another; False (nothing changed) when full.

    Both weeks are locked in date order first, so two moves in opposite directions queue
    instead of deadlocking.
    """
    _offering_week(offering, to_week)
    list(
        OfferingWeek.objects.select_for_update()
        .filter(offering=offering, week_start__in=(from_week, to_week))
        .order_by("week_start")
    )
    if not offering_week_reserve(offering=offering, week_start=to_week):
        return False
    offering_week_release(offering_id=offering.pk, week_start=from_week)
    return True


def _release_place(match: Match) -> None:
    offering_week_release(offering_id=match.offering_id, week_start=match.week_start)


def _locked(match: Match) -> Match:
    return (
        # of=self: locking the joined offering row too would queue every confirmation.
        Match.objects.select_for_update(of=("self",))
        .select_related("offering__organization")
        .get(pk=match.pk)
    )


def _set_request_status(request: ServiceRequest, status: str, *, actor, reason: str | dict) -> None:
    before = snapshot(request, ["status"])
    request.status = status
    request.full_clean()
    request.save(update_fields=["status"])
    audit_record(
        actor=actor,
        instance=request,
        action="status",
        before=before,
        after=snapshot(request, ["status"]),
        reason=reason,
    )


def _save_match(match: Match, before: dict, *, actor, reason: str = "") -> Match:
    match.full_clean()
    match.save()
    audit_record(
        actor=actor,
        instance=match,
        action="status",
        before=before,
        after=snapshot(match, _MATCH_FIELDS),
        reason=reason,
    )
    return match


def matches_withdraw_proposed(*, matches, actor, reason: str | dict) -> int:
    """Withdraw still-proposed matches in one UPDATE, with one history entry each.

    Bulk on purpose: a matching run may replace thousands of proposals at once.
    """
    proposed = list(
        matches.filter(status=Match.Status.PROPOSED).order_by().values_list("pk", flat=True)
    )
    # The same actor, change and reason for every entry: worked out once, not per match
    # (rendering the reason's text per entry took ~0.3 ms each, 5 s for a city-wide run).
    reasons = audit_reason_fields(reason)
    common = (
        actor.pk if actor is not None and actor.is_authenticated else None,
        timezone.now(),
        AuditEntry.Action.STATUS,
        Match._meta.label_lower,
        "",
        {"status": [Match.Status.PROPOSED, Match.Status.WITHDRAWN]},
        reasons["reason"],
        reasons["reason_facts"],
    )
    rows_insert(
        model=AuditEntry,
        columns=(
            "actor_id", "at", "action", "object_type", "object_repr", "changes", "reason",
            "reason_facts", "object_id",
        ),
        rows=((*common, str(pk)) for pk in proposed),
    )  # fmt: skip
    return Match.objects.filter(pk__in=proposed).update(status=Match.Status.WITHDRAWN)


def _hold(match: Match, request: ServiceRequest, user) -> None:
    """Take a place for `match` and mark its request matched; raises if either is taken."""
    if request.status != ServiceRequest.Status.OPEN:
        raise ValidationError(_("该需求已不是待匹配状态。"))
    if request.matches.filter(status__in=Match.HOLDING).exists():
        raise ValidationError(_("该需求已有生效的匹配。"))
    _reserve_place(match.offering, match.week_start)
    now = timezone.now()
    match.status = Match.Status.CONFIRMED
    match.confirmed_by, match.confirmed_at = user, now
    match.expires_at = now + datetime.timedelta(hours=settings.MATCH_PROPOSAL_TTL_HOURS)
    _set_request_status(
        request,
        ServiceRequest.Status.MATCHED,
        actor=user,
        reason=stored_text.text(gettext_noop("匹配已确认")),
    )


@transaction.atomic
def match_confirm(*, match: Match, user) -> Match:
    """Staff confirm a proposal: it takes a place and goes to the organization to accept."""
    match = _locked(match)
    refuse(confirm_match_refusal(user, match))
    request = ServiceRequest.objects.select_for_update().get(pk=match.request_id)
    before = snapshot(match, _MATCH_FIELDS)
    _hold(match, request, user)
    matches_withdraw_proposed(
        matches=Match.objects.filter(request=request).exclude(pk=match.pk),
        actor=user,
        reason=stored_text.text(gettext_noop("另一匹配已确认")),
    )
    return _save_match(match, before, actor=user)


@transaction.atomic
def match_accept(*, match: Match, user) -> Match:
    match = _locked(match)
    refuse(accept_match_refusal(user, match))
    before = snapshot(match, _MATCH_FIELDS)
    match.status = Match.Status.ACCEPTED
    match.responded_by, match.responded_at = user, timezone.now()
    return _save_match(match, before, actor=user)


def _free(match: Match, status: str, *, actor, note: str | dict) -> Match:
    """`note`: the organization's own words, or the portal's as facts (an expiry)."""
    before = snapshot(match, _MATCH_FIELDS)
    _release_place(match)
    match.status = status
    match.responded_by = actor
    match.responded_at = timezone.now()
    written = stored_text.in_source_language(note) if isinstance(note, dict) else note
    match.response_note = written[:200]
    request = ServiceRequest.objects.select_for_update().get(pk=match.request_id)
    if request.status == ServiceRequest.Status.MATCHED:
        _set_request_status(request, ServiceRequest.Status.OPEN, actor=actor, reason=note)
    return _save_match(match, before, actor=actor, reason=note)


@transaction.atomic
def matches_withdraw_for_request(*, service_request: ServiceRequest, actor, reason: str) -> int:
    """Withdraw a request's live matches (it was cancelled), freeing the places they held."""
    live = service_request.matches.select_for_update().filter(
        status__in=(Match.Status.PROPOSED, *Match.HOLDING)
    )
    count = 0
    for match in live:
        before = snapshot(match, _MATCH_FIELDS)
        if match.status in Match.HOLDING:
            _release_place(match)
        match.status = Match.Status.WITHDRAWN
        _save_match(match, before, actor=actor, reason=reason)
        count += 1
    return count


@transaction.atomic
def match_decline(*, match: Match, user, reason: str) -> Match:
    """The organization turns a confirmed match down; the place is freed, the request reopens."""
    match = _locked(match)
    refuse(decline_match_refusal(user, match))
    if not reason.strip():
        raise ValidationError({"reason": _("请说明拒绝原因。")})
    return _free(match, Match.Status.DECLINED, actor=user, note=reason.strip())


@transaction.atomic
def match_expire_overdue(*, now: datetime.datetime) -> int:
    """Expire confirmed matches nobody answered in time; returns how many."""
    overdue = (
        Match.objects.select_for_update(skip_locked=True)
        .filter(status=Match.Status.CONFIRMED, expires_at__lte=now)
        .order_by("pk")
    )
    note = stored_text.text(gettext_noop("组织未在期限内答复"))
    count = 0
    for match in overdue:
        _free(match, Match.Status.EXPIRED, actor=None, note=note)
        count += 1
    return count


def offering_serves(
    offering: ServiceOffering, *, community_id: int, week_start: datetime.date
) -> bool:
    """Listed for the community, or its organization holds an agreement there in force that
    week: the matcher's rule too (services.matching.io), so both agree on every pair."""
    return offering.communities.filter(pk=community_id).exists() or (
        agreements_in_force(week_start=week_start)
        .filter(organization_id=offering.organization_id, community_id=community_id)
        .exists()
    )


def _check_assignable(request, offering, user, week_start: datetime.date) -> None:
    refuse(assign_manually_refusal(user, request))
    if not offerings_visible_to(user).filter(pk=offering.pk).exists():
        raise PermissionDenied(_("该服务项目不在您的管辖范围内。"))
    if offering.service_type_id != request.service_type_id:
        raise ValidationError({"offering": _("服务项目的类型与需求不一致。")})
    # A past week before "serves": no agreement need be in force for a week nobody can book.
    week_check_not_past(week_start)
    if not offering_serves(
        offering, community_id=request.resident.community_id, week_start=week_start_of(week_start)
    ):
        raise ValidationError({"offering": _("该服务项目不服务此居民所在社区。")})
    if offering.status != ServiceOffering.Status.ACTIVE:
        raise ValidationError({"offering": _("该服务项目已暂停。")})
    if offering.organization.status != Organization.Status.APPROVED:
        raise ValidationError({"offering": _("该社会组织不在正常服务状态。")})


@transaction.atomic
def match_assign_manually(
    *,
    request: ServiceRequest,
    offering: ServiceOffering,
    week_start: datetime.date,
    user,
    reason: str,
) -> Match:
    """Staff assign a request by hand; same capacity rule, the match starts confirmed."""
    _check_assignable(request, offering, user, week_start)
    if not reason.strip():
        raise ValidationError({"reason": _("请说明手工指派的原因。")})
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    match = Match(
        request=request,
        offering=offering,
        week_start=week_start_of(week_start),
        reason=_("手工指派：%(reason)s") % {"reason": reason.strip()},
    )
    _hold(match, request, user)
    matches_withdraw_proposed(
        matches=Match.objects.filter(request=request),
        actor=user,
        reason=stored_text.text(gettext_noop("已手工指派")),
    )
    match.full_clean()
    match.save()
    audit_record(
        actor=user, instance=match, action="create", after=snapshot(match, _MATCH_FIELDS),
        reason=reason.strip(),
    )  # fmt: skip
    return match
