"""Activities: publish at a venue, sign up, wait, cancel with promotion, attend, rate.

Locks, always taken in this order: the venue row (booking), then the activity row
(places), then sign-up rows. The activity's `confirmed_count` moves only under its row
lock, so the last place goes to exactly one of two people signing up at once.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from activities.models import Activity, ActivityFeedback, Signup
from activities.rules import (
    attendance_refusal,
    cancel_activity_refusal,
    cancel_signup_refusal,
    feedback_refusal,
    publish_activity_refusal,
    signup_channel,
    signup_refusal,
)
from communities.models import Resident, Venue
from organizations.models import Organization
from sanlian import stored_text
from sanlian.audit import audit_record, snapshot
from sanlian.refusals import refuse
from services.models import Notification
from services.notifications.channels import notifications_create_many
from services.notifications.models import notification_texts
from socialworkers.models import VolunteerTeam

AUDIT_FIELDS = ["title", "venue", "starts_at", "ends_at", "capacity", "open_to", "status"]
SIGNUP_AUDIT_FIELDS = ["activity", "resident", "status", "channel", "attended_at"]


def venue_conflicts(*, venue: Venue, starts_at, ends_at, exclude_pk=None):
    """Published activities at `venue` overlapping [starts_at, ends_at)."""
    return (
        Activity.objects.filter(
            venue=venue,
            status=Activity.Status.PUBLISHED,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .exclude(pk=exclude_pk)
        .order_by("starts_at")
    )


def _double_booked(clash: Activity | None) -> ValidationError:
    if clash is None:
        return ValidationError({"starts_at": _("该时段场地已被占用。")})
    return ValidationError(
        {
            "starts_at": _("该时段场地已被占用：%(activity)s 至 %(end)s。")
            % {"activity": clash, "end": f"{timezone.localtime(clash.ends_at):%H:%M}"}
        }
    )


def _book(activity: Activity) -> None:
    """Save `activity` unless its venue is taken then; the venue row lock serialises bookings.

    On PostgreSQL the exclusion constraint refuses an overlap the lock did not see (a
    writer that skipped the domain); its IntegrityError becomes the same message.
    """
    Venue.objects.select_for_update().get(pk=activity.venue_id)
    clash = venue_conflicts(
        venue=activity.venue,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        exclude_pk=activity.pk,
    ).first()
    if clash is not None:
        raise _double_booked(clash)
    try:
        with transaction.atomic():
            activity.save()
    except IntegrityError as error:
        raise _double_booked(None) from error


def _check_shape(activity: Activity) -> None:
    if activity.capacity is not None and activity.capacity < 1:
        raise ValidationError({"capacity": _("名额至少为 1 人。")})
    if activity.starts_at and activity.ends_at and activity.ends_at <= activity.starts_at:
        raise ValidationError({"ends_at": _("结束时间须晚于开始时间。")})
    activity.full_clean()
    if activity.starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("活动开始时间须晚于现在。")})
    if activity.capacity > activity.venue.capacity:
        raise ValidationError(
            {"capacity": _("名额超过场地容纳人数（%(n)s 人）。") % {"n": activity.venue.capacity}}
        )


@transaction.atomic
def activity_publish(
    *,
    actor,
    venue: Venue,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    capacity: int,
    open_to: str = Activity.OpenTo.COMMUNITY,
    description: str = "",
    organization: Organization | None = None,
    team: VolunteerTeam | None = None,
) -> Activity:
    refuse(publish_activity_refusal(actor, venue, organization, team))
    activity = Activity(
        community_id=venue.community_id,
        venue=venue,
        organization=organization,
        team=team,
        title=title.strip(),
        description=description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        open_to=open_to,
        created_by=actor,
    )
    _check_shape(activity)
    _book(activity)
    audit_record(
        actor=actor, instance=activity, action="create", after=snapshot(activity, AUDIT_FIELDS)
    )
    return activity


@transaction.atomic
def activity_cancel(*, actor, activity: Activity, reason: str) -> Activity:
    """Cancel an activity; its venue slot is free again at once."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    refuse(cancel_activity_refusal(actor, activity))
    if not reason.strip():
        raise ValidationError({"reason": _("请说明取消原因。")})
    before = snapshot(activity, AUDIT_FIELDS)
    activity.status = Activity.Status.CANCELLED
    activity.save(update_fields=["status"])
    transaction.on_commit(lambda: _notify_cancelled(activity, reason.strip()))
    audit_record(
        actor=actor,
        instance=activity,
        action="change",
        before=before,
        after=snapshot(activity, AUDIT_FIELDS),
        reason=reason.strip(),
    )
    return activity


def _family_and_self(resident: Resident) -> list:
    users = [link.user for link in resident.family_members.select_related("user")]
    if resident.user is not None:
        users.append(resident.user)
    return [user for user in users if user.is_active]


def _notify_cancelled(activity: Activity, reason: str) -> None:
    signups = activity.signups.exclude(status=Signup.Status.CANCELLED).select_related(
        "resident__user"
    )
    texts = notification_texts(
        title=stored_text.text(gettext_noop("活动取消：%(activity)s"), activity=activity.title),
        body=stored_text.text(
            gettext_noop("很抱歉，%(activity)s 已取消：%(reason)s"),
            activity=str(activity),
            reason=reason,
        ),
    )
    notifications_create_many(
        notifications=[
            Notification(
                user=user,
                **texts,
                link=reverse("activities:detail", args=[activity.pk]),
                dedupe_key=f"activity-cancelled:{signup.pk}:{user.pk}",
            )
            for signup in signups
            for user in _family_and_self(signup.resident)
        ]
    )


def _locked_activity(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().select_related("community").get(pk=activity.pk)


@transaction.atomic
def signup_create(*, actor, activity: Activity, resident: Resident) -> Signup:
    """Sign `resident` up: a place while there is one, else the waiting list."""
    activity = _locked_activity(activity)
    refuse(signup_refusal(actor, activity, resident))
    taken = Signup.objects.filter(activity=activity, resident=resident).exclude(
        status=Signup.Status.CANCELLED
    )
    if taken.exists():
        raise ValidationError(_("%(name)s 已经报名了这个活动。") % {"name": resident.name})
    has_place = activity.confirmed_count < activity.capacity
    signup = Signup(
        activity=activity,
        resident=resident,
        status=Signup.Status.CONFIRMED if has_place else Signup.Status.WAITING,
        channel=signup_channel(actor, resident),
        signed_up_by=actor,
    )
    signup.full_clean()
    signup.save()
    if has_place:
        Activity.objects.filter(pk=activity.pk).update(confirmed_count=F("confirmed_count") + 1)
    audit_record(
        actor=actor, instance=signup, action="create", after=snapshot(signup, SIGNUP_AUDIT_FIELDS)
    )
    return signup


def _notify_promoted(signup: Signup) -> None:
    resident = signup.resident
    users = _family_and_self(resident)
    texts = notification_texts(
        title=stored_text.text(
            gettext_noop("候补转正：%(activity)s"), activity=signup.activity.title
        ),
        body=stored_text.text(
            gettext_noop("%(name)s 已从候补转为正式报名，活动时间 %(time)s，地点 %(venue)s。"),
            name=resident.name,
            time=signup.activity.starts_at,
            venue=str(signup.activity.venue),
        ),
    )
    link = reverse("activities:detail", args=[signup.activity_id])
    notifications_create_many(
        notifications=[
            Notification(
                user=user,
                **texts,
                link=link,
                dedupe_key=f"activity-promoted:{signup.pk}:{user.pk}",
            )
            for user in users
        ]
    )


def _promote_next(activity: Activity) -> Signup | None:
    waiting = (
        Signup.objects.select_for_update()
        .filter(activity=activity, status=Signup.Status.WAITING)
        .order_by("created_at", "id")
        .first()
    )
    if waiting is None:
        Activity.objects.filter(pk=activity.pk).update(confirmed_count=F("confirmed_count") - 1)
        return None
    waiting.status = Signup.Status.CONFIRMED
    waiting.promoted_at = timezone.now()
    waiting.save(update_fields=["status", "promoted_at"])
    transaction.on_commit(lambda: _notify_promoted(waiting))
    return waiting


@transaction.atomic
def signup_cancel(*, actor, signup: Signup) -> Signup | None:
    """Cancel a sign-up; a freed place goes to the first on the waiting list (returned)."""
    activity = _locked_activity(signup.activity)
    signup = Signup.objects.select_for_update().select_related("resident").get(pk=signup.pk)
    signup.activity = activity
    refuse(cancel_signup_refusal(actor, signup))
    before = snapshot(signup, SIGNUP_AUDIT_FIELDS)
    was_confirmed = signup.status == Signup.Status.CONFIRMED
    signup.status = Signup.Status.CANCELLED
    signup.cancelled_at = timezone.now()
    signup.save(update_fields=["status", "cancelled_at"])
    audit_record(
        actor=actor,
        instance=signup,
        action="change",
        before=before,
        after=snapshot(signup, SIGNUP_AUDIT_FIELDS),
    )
    return _promote_next(activity) if was_confirmed else None


@transaction.atomic
def signup_mark_attended(*, actor, signup: Signup) -> Signup:
    """Tick a resident off at the door; a second tap changes nothing."""
    signup = (
        Signup.objects.select_for_update(of=("self",))
        .select_related("activity__community", "activity__organization", "activity__team")
        .get(pk=signup.pk)
    )
    refuse(attendance_refusal(actor, signup))
    if signup.attended_at is not None:
        return signup
    signup.attended_at = timezone.now()
    signup.save(update_fields=["attended_at"])
    audit_record(
        actor=actor,
        instance=signup,
        action="change",
        after={"attended_at": str(signup.attended_at)},
    )
    return signup


@transaction.atomic
def activity_feedback_give(
    *, actor, signup: Signup, rating: int, comment: str = ""
) -> ActivityFeedback:
    signup = (
        Signup.objects.select_for_update(of=("self",)).select_related("activity").get(pk=signup.pk)
    )
    refuse(feedback_refusal(actor, signup))
    feedback = ActivityFeedback(
        signup=signup, rating=rating, comment=comment.strip(), given_by=actor
    )
    feedback.full_clean()
    feedback.save()
    return feedback
