"""Property tests: the identifier validators, and the capacity invariant of matches under
random sequences of confirm, accept, decline and cancel."""

import contextlib
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanlian.validators import resident_id_check_char, validate_resident_id
from services.care.domain.requests import request_cancel
from services.matching.domain import match_accept, match_confirm, match_decline
from services.models import Match, OfferingWeek
from tests import factories as f

ID_CHARS = "0123456789X"
# Arabic-Indic, full-width and Devanagari digits: `\d` would take them, registers do not.
FOREIGN_DIGITS = "٠١٢٣٤٥٦٧٨٩０１２３４５６７８９०१२३४५६७८९"

regions = st.from_regex(r"[1-9][0-9]{5}", fullmatch=True)
# A fixed past bound: strategies are built at import, and no birth date lies ahead.
births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31))
sequences = st.from_regex(r"[0-9]{3}", fullmatch=True)


@st.composite
def resident_ids(draw) -> str:
    first17 = f"{draw(regions)}{draw(births):%Y%m%d}{draw(sequences)}"
    return first17 + resident_id_check_char(first17)


@given(resident_ids())
def test_any_well_formed_id_with_its_check_char_is_accepted(value):
    validate_resident_id(value)


@given(resident_ids(), st.integers(0, 17), st.sampled_from(ID_CHARS + "AZ-x "))
def test_any_single_character_change_is_rejected(value, position, replacement):
    changed = value[:position] + replacement + value[position + 1 :]
    if changed == value:
        return
    with pytest.raises(ValidationError):
        validate_resident_id(changed)


@given(resident_ids(), st.integers(0, 16), st.sampled_from(FOREIGN_DIGITS))
def test_non_ascii_digits_are_rejected(value, position, digit):
    with pytest.raises(ValidationError):
        validate_resident_id(value[:position] + digit + value[position + 1 :])


# --- capacity ---------------------------------------------------------------------------------

CAPACITY, REQUESTS = 2, 4
steps = st.lists(
    st.tuples(st.sampled_from(["confirm", "accept", "decline", "cancel"]), st.integers(0, 3)),
    min_size=1,
    max_size=25,
)


def _market(cast, week: datetime.date):
    offering = f.OfferingFactory(
        organization=cast.organization, communities=[cast.community], weekly_capacity=CAPACITY
    )
    matches = [
        f.MatchFactory(
            request=f.ServiceRequestFactory(resident=cast.resident),
            offering=offering,
            week_start=week,
            status=Match.Status.PROPOSED,
        )
        for _ in range(REQUESTS)
    ]
    return offering, week, matches


def _act(cast, action: str, match: Match) -> None:
    if action == "confirm":
        match_confirm(match=match, user=cast.community_staff)
    elif action == "accept":
        match_accept(match=match, user=cast.member)
    elif action == "decline":
        match_decline(match=match, user=cast.member, reason="人手不足")
    else:
        request_cancel(service_request=match.request, actor=cast.community_staff, reason="不需要")


def _check_invariant(offering, week) -> None:
    holding = Match.objects.filter(
        offering=offering, week_start=week, status__in=Match.HOLDING
    ).count()
    row = OfferingWeek.objects.filter(offering=offering, week_start=week).first()
    reserved = row.reserved if row else 0
    assert reserved <= CAPACITY
    assert reserved == holding


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps)
def test_capacity_holds_under_any_sequence_of_answers(cast, clock, sequence):
    with transaction.atomic():
        offering, week, matches = _market(cast, clock.monday)
        for action, index in sequence:
            # A refused step must change nothing, which the invariant checks as well.
            with contextlib.suppress(ValidationError, PermissionDenied):
                _act(cast, action, matches[index])
            _check_invariant(offering, week)
        transaction.set_rollback(True)
