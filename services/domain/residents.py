"""Reads for hotline intake: finding the caller among the residents a staff member may see."""

import re

from django.db.models import QuerySet

from communities.models import Resident
from communities.queries import residents_visible_to
from sanlian.masking import mask_id_number, mask_phone

SEARCH_LIMIT = 20
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9Xx]", re.ASCII)


def residents_search(*, user, term: str) -> QuerySet[Resident]:
    """At most 20 residents matching a phone number, its last 4 digits, an ID number or a name.

    Every branch is an indexed lookup (phone, phone_last4, id_number, name prefix),
    except a name fragment that starts no name, which is scanned but capped by the limit.
    """
    term = re.sub(r"[\s-]", "", term or "")
    residents = residents_visible_to(user).filter(anonymised_at__isnull=True)
    if not term:
        return residents.none()
    if _ID_NUMBER.fullmatch(term):
        found = residents.filter(id_number=term.upper())
    elif _DIGITS.fullmatch(term):
        if len(term) == 11:
            found = residents.filter(phone=term)
        elif len(term) == 4:
            found = residents.filter(phone_last4=term)
        else:
            return residents.none()  # fragments would match half the city
    else:
        found = _by_name(residents, term)
    return found.order_by("name", "id")[:SEARCH_LIMIT]


def _by_name(residents: QuerySet[Resident], term: str) -> QuerySet[Resident]:
    # Callers usually say their whole name: a prefix walks the name index (on
    # PostgreSQL Django adds a pattern-ops index for LIKE 'x%'). Only when no
    # name starts with the term is it searched as a given name inside names.
    by_prefix = residents.filter(name__startswith=term)
    if by_prefix.exists():
        return by_prefix
    return residents.filter(name__contains=term)


def search_term_display(term: str) -> tuple[str, bool]:
    """What the page may echo back: numbers masked like results, and whether it was masked."""
    term = re.sub(r"[\s-]", "", term or "")
    if _DIGITS.fullmatch(term) and len(term) == 11:
        return mask_phone(term), True
    if _ID_NUMBER.fullmatch(term):
        return mask_id_number(term.upper()), True
    return term, False
