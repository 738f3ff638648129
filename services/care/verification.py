"""Field visit verification: where and when a check-in or check-out was made.

Pure functions over plain values (no ORM), so the rules read, and test, on their own.
Nothing here blocks a step: a visit that cannot be verified is flagged for review
(`services.care.domain.visits`), because a worker in a stairwell without a fix must still
be able to record that the old person was served.
"""

import dataclasses
import datetime
import math
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from services.care.models import LocationState, Visit

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG), metres


@dataclasses.dataclass(frozen=True)
class Position:
    """A phone's reported fix: WGS-84 degrees and the browser's accuracy radius in metres."""

    lat: Decimal
    lon: Decimal
    accuracy_m: int | None = None


def position_of(lat, lon, accuracy_m) -> Position | None:
    """Both coordinates or no position; degrees kept to 6 places (about 0.1 m)."""
    if lat is None or lon is None:
        return None
    places = Decimal("0.000001")
    return Position(
        lat=Decimal(str(lat)).quantize(places),
        lon=Decimal(str(lon)).quantize(places),
        accuracy_m=None if accuracy_m is None else min(round(accuracy_m), 2_000_000),
    )


def distance_m(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle (haversine) distance in metres; plenty for a few hundred metres."""
    phi1, phi2 = math.radians(a_lat), math.radians(b_lat)
    d_phi, d_lambda = phi2 - phi1, math.radians(b_lon - a_lon)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def moment_state(
    *, position: Position | None, home: tuple | None, manual_reason: str
) -> tuple[str, int | None]:
    """The state of one moment (check-in or check-out) and its distance from the address.

    A fix whose accuracy circle reaches the address counts as on site: a phone indoors
    reports 50-100 m circles, and the radius is about the building, not the phone.
    """
    if position is None:
        state = LocationState.MANUAL if manual_reason.strip() else LocationState.NO_POSITION
        return state, None
    if home is None or None in home:
        return LocationState.NO_REFERENCE, None
    meters = distance_m(float(position.lat), float(position.lon), float(home[0]), float(home[1]))
    slack = min(position.accuracy_m or 0, settings.VISIT_VERIFY_RADIUS_M)
    on_site = meters <= settings.VISIT_VERIFY_RADIUS_M + slack
    return (LocationState.VERIFIED if on_site else LocationState.OFF_SITE), round(meters)


# The visit shows the worse of its two moments: the one a reviewer has to look at.
_SEVERITY = [
    LocationState.VERIFIED,
    LocationState.NO_REFERENCE,
    LocationState.NO_POSITION,
    LocationState.MANUAL,
    LocationState.OFF_SITE,
]


def worse_state(*states: str) -> str:
    known = [state for state in states if state]
    return max(known, key=_SEVERITY.index) if known else ""


def needs_review(
    *, location_state: str, early_check_in: bool, short_visit: bool, late_sync: bool = False
) -> bool:
    """Off-site and manual visits and the time-flagged ones go to the review list."""
    return (
        location_state in (LocationState.OFF_SITE, LocationState.MANUAL)
        or early_check_in
        or short_visit
        or late_sync
    )


def is_early(*, checked_in_at: datetime.datetime, scheduled_start: datetime.datetime) -> bool:
    margin = datetime.timedelta(minutes=settings.VISIT_EARLY_CHECKIN_MINUTES)
    return checked_in_at < scheduled_start - margin


def is_short(
    *, checked_in_at: datetime.datetime, checked_out_at: datetime.datetime, duration_minutes: int
) -> bool:
    served = checked_out_at - checked_in_at
    return served < datetime.timedelta(minutes=duration_minutes * settings.VISIT_MIN_DURATION_SHARE)


def masked_degrees(value: Decimal | None) -> Decimal | None:
    """A coordinate rounded to 0.01° (about 1 km) for exports and access requests."""
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def verification_label(visit: Visit) -> str:
    """The verification state as one cell of a statement export (no positions)."""
    parts = [visit.get_location_state_display()] if visit.location_state else []
    if visit.early_check_in:
        parts.append(_("提前签到"))
    if visit.short_visit:
        parts.append(_("服务时长不足"))
    if visit.late_sync:
        parts.append(_("离线补传间隔过长"))
    if visit.review_state:
        parts.append(visit.get_review_state_display())
    return pgettext("enumeration", "、").join(str(part) for part in parts)
