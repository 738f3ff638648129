"""Volunteer posts and shifts; hours credited when a shift's attendance is taken."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import HoursCredit, Shift, ShiftSignup, VolunteerPost
from activities.rules import (
    credit_shift_refusal,
    manage_posts_refusal,
    shift_signup_refusal,
)
from communities.models import Community
from sanlian.audit import audit_record, snapshot
from sanlian.refusals import refuse
from socialworkers.models import Skill, Volunteer


@transaction.atomic
def post_create(
    *,
    actor,
    community: Community,
    project: str,
    title: str,
    description: str = "",
    skill: Skill | None = None,
) -> VolunteerPost:
    refuse(manage_posts_refusal(actor, community))
    post = VolunteerPost(
        community=community,
        project=project.strip(),
        title=title.strip(),
        description=description.strip(),
        skill=skill,
        created_by=actor,
    )
    post.full_clean()
    post.save()
    audit_record(
        actor=actor, instance=post, action="create", after=snapshot(post, ["project", "title"])
    )
    return post


@transaction.atomic
def shift_add(
    *,
    actor,
    post: VolunteerPost,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    slots: int,
) -> Shift:
    refuse(manage_posts_refusal(actor, post.community))
    shift = Shift(post=post, starts_at=starts_at, ends_at=ends_at, slots=slots)
    shift.full_clean()
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("班次开始时间须晚于现在。")})
    shift.save()
    return shift


@transaction.atomic
def shift_sign_up(*, actor, shift: Shift, volunteer: Volunteer) -> ShiftSignup:
    """Take one of the shift's slots; the shift row lock keeps slots from running over."""
    shift = Shift.objects.select_for_update().select_related("post__community").get(pk=shift.pk)
    refuse(shift_signup_refusal(actor, shift, volunteer))
    active = ShiftSignup.objects.filter(shift=shift, cancelled_at__isnull=True)
    if active.filter(volunteer=volunteer).exists():
        raise ValidationError(_("%(name)s 已经报名了这个班次。") % {"name": volunteer.name})
    if active.count() >= shift.slots:
        raise ValidationError(_("这个班次已经满员。"))
    signup = ShiftSignup(shift=shift, volunteer=volunteer)
    signup.full_clean()
    signup.save()
    return signup


@transaction.atomic
def shift_attendance_credit(*, actor, signup: ShiftSignup) -> HoursCredit:
    """Record that the volunteer served the shift: credits its length once, never typed."""
    signup = (
        ShiftSignup.objects.select_for_update(of=("self",))
        .select_related("shift__post__community", "volunteer")
        .get(pk=signup.pk)
    )
    refuse(credit_shift_refusal(actor, signup))
    existing = HoursCredit.objects.filter(shift_signup=signup).first()
    if existing is not None:
        return existing
    credit = HoursCredit(
        volunteer=signup.volunteer,
        shift_signup=signup,
        minutes=signup.shift.minutes,
        credited_by=actor,
    )
    credit.full_clean()
    credit.save()
    audit_record(
        actor=actor,
        instance=credit,
        action="create",
        after={"volunteer": signup.volunteer_id, "minutes": credit.minutes},
    )
    return credit
