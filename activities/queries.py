"""Who sees which activities, sign-ups, volunteer posts, time-bank accounts and suggestions."""

import datetime
from dataclasses import dataclass

from django.core import signing
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from activities.models import (
    Activity,
    ActivityReminder,
    HelpRecord,
    HoursCredit,
    ShiftSignup,
    Signup,
    Suggestion,
    TimeBankAccount,
    VolunteerPost,
)
from communities.models import Venue
from communities.queries import communities_visible_to, residents_visible_to
from organizations.queries import agreed_venues_of, membership_of
from sanlian.roles import PEOPLE, RESIDENT_SIDE, STAFF, Role, role_of
from services.models import Visit
from socialworkers.models import Volunteer, VolunteerTeam
from socialworkers.queries import volunteers_visible_to


def acting_for(user) -> Q:
    """Residents a resident-side user acts for: themself, or those they are family of."""
    return Q(user=user) | Q(family_members__user=user)


def venues_visible_to(user) -> QuerySet[Venue]:
    if role_of(user) not in PEOPLE:
        return Venue.objects.none()
    return Venue.objects.select_related("community").filter(
        community__in=communities_visible_to(user).values("pk")
    )


def activities_visible_to(user) -> QuerySet[Activity]:
    """Activities are public notices: those of the user's communities, and open ones."""
    activities = Activity.objects.select_related("venue", "community", "organization", "team")
    if role_of(user) not in PEOPLE:
        return activities.none()
    return activities.filter(
        Q(community__in=communities_visible_to(user).values("pk"))
        | Q(open_to=Activity.OpenTo.ANYONE)
        | Q(organization__members__user=user)
    ).distinct()


def activities_managed_by(user) -> QuerySet[Activity]:
    """Activities whose sign-up list and attendance this user keeps."""
    activities = Activity.objects.select_related("venue", "community", "organization", "team")
    role = role_of(user)
    if role in STAFF:
        return activities.filter(community__in=communities_visible_to(user).values("pk"))
    if role == Role.ORGANIZATION:
        return activities.filter(organization__members__user=user)
    if role == Role.SOCIAL_WORKER:
        return activities.filter(team__leader__user=user)
    return activities.none()


def signups_visible_to(user) -> QuerySet[Signup]:
    signups = Signup.objects.select_related("activity__venue", "resident")
    if role_of(user) in RESIDENT_SIDE:
        return signups.filter(resident__in=residents_visible_to(user).values("pk"))
    return signups.filter(activity__in=activities_managed_by(user).values("pk"))


def activity_reminders_visible_to(user) -> QuerySet[ActivityReminder]:
    """Reminders of the sign-ups this user may see (the admin's list of what went out)."""
    return ActivityReminder.objects.select_related("signup__activity", "signup__resident").filter(
        signup__in=signups_visible_to(user).values("pk")
    )


def posts_visible_to(user) -> QuerySet[VolunteerPost]:
    posts = VolunteerPost.objects.select_related("community", "skill", "activity")
    if role_of(user) not in PEOPLE:
        return posts.none()
    return posts.filter(community__in=communities_visible_to(user).values("pk"))


def shift_signups_visible_to(user) -> QuerySet[ShiftSignup]:
    signups = ShiftSignup.objects.select_related("shift__post", "volunteer")
    if role_of(user) in STAFF:
        return signups.filter(shift__post__in=posts_visible_to(user).values("pk"))
    return signups.filter(volunteer__in=volunteers_visible_to(user).values("pk"))


def time_bank_accounts_visible_to(user) -> QuerySet[TimeBankAccount]:
    accounts = TimeBankAccount.objects.select_related("resident__community")
    if role_of(user) in STAFF or role_of(user) in RESIDENT_SIDE:
        return accounts.filter(resident__in=residents_visible_to(user).values("pk"))
    return accounts.none()


def help_records_visible_to(user) -> QuerySet[HelpRecord]:
    records = HelpRecord.objects.select_related("helper", "helped")
    if role_of(user) in STAFF or role_of(user) in RESIDENT_SIDE:
        mine = residents_visible_to(user).values("pk")
        return records.filter(Q(helper__in=mine) | Q(helped__in=mine))
    return records.none()


def suggestions_visible_to(user) -> QuerySet[Suggestion]:
    suggestions = Suggestion.objects.select_related("community", "organization", "author")
    role = role_of(user)
    if role in STAFF:
        return suggestions.filter(community__in=communities_visible_to(user).values("pk"))
    if role == Role.ORGANIZATION:
        return suggestions.filter(organization__members__user=user)
    if role in PEOPLE:
        return suggestions.filter(author=user)
    return suggestions.none()


@dataclass(frozen=True)
class ServiceLine:
    day: datetime.date
    what: str
    minutes: int


@dataclass(frozen=True)
class ServiceRecord:
    lines: list[ServiceLine]

    @property
    def total_minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def total_hours(self) -> str:
        return f"{self.total_minutes / 60:.1f}"


def _visit_minutes(visit: Visit) -> int:
    """A completed visit counts the time between check-in and check-out, else its plan."""
    if visit.checked_in_at and visit.checked_out_at:
        return int((visit.checked_out_at - visit.checked_in_at).total_seconds() // 60)
    return visit.duration_minutes


def volunteer_minutes(volunteer_ids: list[int]) -> dict[int, int]:
    """Served minutes per volunteer (shifts attended + completed visits), in two queries."""
    totals = dict.fromkeys(volunteer_ids, 0)
    credited = (
        HoursCredit.objects.filter(volunteer_id__in=volunteer_ids)
        .values("volunteer_id")
        .annotate(n=Sum("minutes"))
        .order_by()
    )
    for row in credited:
        totals[row["volunteer_id"]] += row["n"]
    visits = Visit.objects.filter(
        volunteer_id__in=volunteer_ids, status=Visit.Status.COMPLETED
    ).only("volunteer_id", "checked_in_at", "checked_out_at", "duration_minutes")
    for visit in visits:
        totals[visit.volunteer_id] += _visit_minutes(visit)
    return totals


def volunteer_service_record(volunteer: Volunteer) -> ServiceRecord:
    """Every hour a volunteer served, from shift attendance and completed visits: never typed."""
    credits = HoursCredit.objects.filter(volunteer=volunteer).select_related(
        "shift_signup__shift__post"
    )
    lines = [
        ServiceLine(
            day=timezone.localdate(credit.shift_signup.shift.starts_at),
            what=str(credit.shift_signup.shift.post),
            minutes=credit.minutes,
        )
        for credit in credits
    ]
    visits = Visit.objects.filter(
        volunteer=volunteer, status=Visit.Status.COMPLETED
    ).select_related("request__service_type")
    lines += [
        ServiceLine(
            day=timezone.localdate(visit.checked_in_at or visit.scheduled_start),
            what=str(visit.request.service_type),
            minutes=_visit_minutes(visit),
        )
        for visit in visits
    ]
    return ServiceRecord(lines=sorted(lines, key=lambda line: line.day, reverse=True))


def venues_for_publishing(user) -> QuerySet[Venue]:
    """Venues where this user could publish an activity (rules.py decides each one)."""
    role = role_of(user)
    if role in STAFF:
        return venues_visible_to(user)
    if role == Role.ORGANIZATION:
        membership = membership_of(user)
        if membership is not None:
            return agreed_venues_of(membership.organization)
    if role == Role.SOCIAL_WORKER:
        led = VolunteerTeam.objects.filter(leader__user=user).values("community_id")
        return Venue.objects.select_related("community").filter(community_id__in=led)
    return Venue.objects.none()


def venue_bookings(venue: Venue, *, start: datetime.datetime, end: datetime.datetime):
    return (
        Activity.objects.filter(
            venue=venue,
            status=Activity.Status.PUBLISHED,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .select_related("organization", "team", "community")
        .order_by("starts_at")
    )


FIGURES = (
    "activities_held",
    "attendances",
    "volunteer_minutes",
    "volunteers",
    "mutual_help_minutes",
    "helpers",
    "venue_minutes",
    "venues_used",
    "suggestions_open",
    "suggestions_answered",
    "suggestions_done",
)


def _between(field: str, since, until) -> Q:
    condition = Q()
    if since is not None:
        condition &= Q(**{f"{field}__gte": since})
    if until is not None:
        condition &= Q(**{f"{field}__lt": until})
    return condition


def _counted(rows, key: str, **names: str) -> dict:
    """{community id: {figure: value}} from grouped rows."""
    figures: dict = {}
    for row in rows:
        found = figures.setdefault(row[key], {})
        for figure_name, field in names.items():
            found[figure_name] = row[field] or 0
    return figures


def _volunteer_figures(communities, since, until) -> dict:
    """Minutes and distinct volunteers per community: shifts attended (by the post's
    community) and completed visits (by the resident's), the two sources of a volunteer's
    record (`volunteer_service_record`), so the dashboard and the certificate agree."""
    minutes: dict = {}
    people: dict = {}
    credits = HoursCredit.objects.filter(
        _between("shift_signup__shift__starts_at", since, until),
        shift_signup__shift__post__community__in=communities,
    ).values_list("shift_signup__shift__post__community_id", "volunteer_id", "minutes")
    visits = (
        Visit.objects.filter(
            _between("scheduled_start", since, until),
            status=Visit.Status.COMPLETED,
            volunteer__isnull=False,
            request__resident__community__in=communities,
        )
        .only("volunteer_id", "checked_in_at", "checked_out_at", "duration_minutes")
        .annotate(community_id=F("request__resident__community_id"))
    )
    served = list(credits) + [(v.community_id, v.volunteer_id, _visit_minutes(v)) for v in visits]
    for community, volunteer, spent in served:
        minutes[community] = minutes.get(community, 0) + spent
        people.setdefault(community, set()).add(volunteer)
    return {pk: {"volunteer_minutes": minutes[pk], "volunteers": len(people[pk])} for pk in minutes}


def community_activity_figures(
    *,
    communities: QuerySet,
    since: datetime.datetime | None,
    until: datetime.datetime | None,
) -> dict:
    """Per community id (of `communities`), over [since, until) (None: open-ended): the
    dashboards' figures, every key of FIGURES present (0 when nothing happened).

    Activities held (published and ended), attendances taken, volunteer minutes and the
    volunteers who served them, confirmed mutual-help minutes and their helpers, venue
    minutes booked by published activities and the venues used, suggestions by status.
    Ten grouped queries whatever the number of communities. For reporting.stats, which
    sits above this app and suppresses the small counts.
    """
    scope = communities.values("pk")
    activities = Activity.objects.filter(
        _between("starts_at", since, until),
        status=Activity.Status.PUBLISHED,
        community__in=scope,
    ).order_by()
    held = activities.filter(ends_at__lte=timezone.now()).values("community_id")
    booked = activities.values("community_id").annotate(
        minutes=Sum(F("ends_at") - F("starts_at")), venues=Count("venue", distinct=True)
    )
    attended = (
        Signup.objects.filter(
            _between("activity__starts_at", since, until),
            attended_at__isnull=False,
            activity__community__in=scope,
        )
        .order_by()
        .values("activity__community_id")
        .annotate(n=Count("pk"))
    )
    helped = (
        HelpRecord.objects.filter(
            _between(
                "day", since and timezone.localdate(since), until and timezone.localdate(until)
            ),
            status=HelpRecord.Status.CONFIRMED,
            helper__community__in=scope,
        )
        .order_by()
        .values("helper__community_id")
        .annotate(n=Sum("minutes"), people=Count("helper", distinct=True))
    )
    suggestions = (
        Suggestion.objects.filter(_between("created_at", since, until), community__in=scope)
        .order_by()
        .values("community_id")
        .annotate(
            **{
                f"suggestions_{status}": Count("pk", filter=Q(status=status))
                for status in Suggestion.Status.values
            }
        )
    )
    parts = [
        _counted(held.annotate(n=Count("pk")), "community_id", activities_held="n"),
        {
            row["community_id"]: {
                "venue_minutes": int(row["minutes"].total_seconds() // 60),
                "venues_used": row["venues"],
            }
            for row in booked
        },
        _counted(attended, "activity__community_id", attendances="n"),
        _volunteer_figures(scope, since, until),
        _counted(helped, "helper__community_id", mutual_help_minutes="n", helpers="people"),
        _counted(suggestions, "community_id", **{name: name for name in FIGURES[-3:]}),
    ]
    figures: dict = {}
    for part in parts:
        for pk, values in part.items():
            figures.setdefault(pk, dict.fromkeys(FIGURES, 0)).update(values)
    return figures


CHECKIN_SALT = "activities.signup-checkin"


def signup_checkin_token(signup: Signup) -> str:
    """What the resident's QR code carries: the sign-up id, signed, so it cannot be guessed."""
    return signing.dumps(signup.pk, salt=CHECKIN_SALT)


def signup_by_checkin_token(user, token: str) -> Signup | None:
    """The sign-up a scanned code names, if this user keeps its activity's attendance."""
    try:
        pk = signing.loads(token, salt=CHECKIN_SALT)
    except signing.BadSignature:
        return None
    return (
        signups_visible_to(user)
        .filter(pk=pk, activity__in=activities_managed_by(user).values("pk"))
        .first()
    )
