"""Reads for hotline intake: finding the caller among the residents a staff member may see."""

import re

from django.db.models import QuerySet
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from communities.models import Resident
from communities.privacy import IdentifierSearchThrottled, residents_identifier_search
from communities.queries import residents_visible_to
from sanlian import stored_text
from sanlian.masking import mask_id_number, mask_phone
from sanlian.models import User
from sanlian.roles import Role
from services.notifications.channels import notification_create

SEARCH_LIMIT = 20
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9Xx]", re.ASCII)


def residents_search(
    *, user, term: str, purpose: str = "", client_address: str = ""
) -> list[Resident]:
    """At most 20 residents matching a phone number, its last 4 digits, an ID number or a name.

    Every branch is an indexed lookup, hit or miss: phone, phone_last4, id_number, a name
    prefix (a surname alone included), a given-name prefix (PostgreSQL expression index,
    communities migration 0003), or three or more characters anywhere in the name (trigram
    index, migration 0004); shorter fragments are not searched anywhere in the name. A full phone or
    ID number is a sensitive read (communities/privacy.py): it needs `purpose`, is
    access-logged and rate-limited; civil-affairs staff hear of a user who hits the limit.
    """
    term = re.sub(r"[\s-]", "", term or "")
    residents = residents_visible_to(user).filter(anonymised_at__isnull=True)
    if not term:
        return []
    if _ID_NUMBER.fullmatch(term):
        field, value = "id_number", term.upper()
    elif _DIGITS.fullmatch(term) and len(term) == 11:
        field, value = "phone", term
    elif _DIGITS.fullmatch(term) and len(term) == 4:
        found = residents.filter(phone_last4=term)
        return list(found.order_by("name", "id")[:SEARCH_LIMIT])
    elif _DIGITS.fullmatch(term):
        return []  # fragments would match half the city
    else:
        return _by_name(residents, term)
    try:
        return residents_identifier_search(
            actor=user, residents=residents, field=field, value=value, purpose=purpose,
            client_address=client_address, limit=SEARCH_LIMIT,
        )  # fmt: skip
    except IdentifierSearchThrottled:
        _alert_search_volume(user)
        raise


def _alert_search_volume(user) -> None:
    """One in-app alert per civil-affairs user, per searcher and hour (dedupe key)."""
    hour = timezone.now().strftime("%Y%m%d%H")
    who = user.display_name or user.username
    for staff in User.objects.filter(role=Role.CIVIL_AFFAIRS, is_active=True):
        notification_create(
            user=staff,
            title=stored_text.text(gettext_noop("按完整号码查找次数异常")),
            body=stored_text.text(
                gettext_noop(
                    "%(who)s 在一小时内按完整身份证号或手机号查找的次数超过上限，已被暂停。"
                ),
                who=who,
            ),
            link=reverse("audit:access_log") + f"?actor={user.username}",
            dedupe_key=f"search-volume:{user.pk}:{staff.pk}:{hour}",
        )


# A fragment found anywhere in a name needs three characters: pg_trgm takes no trigram
# from a shorter unanchored pattern, so `LIKE '%秀%'` could only be a full scan.
FRAGMENT_MIN_LENGTH = 3


def _by_name(residents: QuerySet[Resident], term: str) -> list[Resident]:
    """The start of the name (a surname alone, or the whole name), then the start of the
    given name, then three or more characters anywhere: each an indexed lookup, hit or miss.

    No ORDER BY in SQL: sorting by name would let PostgreSQL walk the whole name index
    in name order, filtering row by row (110k rows for `王` at 200k residents), instead
    of reading the matches from the pattern, trigram or expression index and stopping
    at the limit. The twenty rows are sorted in Python.
    """
    by_given = residents.alias(given=Substr("name", 2)).filter(given__startswith=term)
    searches = [residents.filter(name__startswith=term), by_given]
    if len(term) >= FRAGMENT_MIN_LENGTH:
        searches.append(residents.filter(name__contains=term))
    for search in searches:
        if found := list(search.order_by()[:SEARCH_LIMIT]):
            return sorted(found, key=lambda resident: (resident.name, resident.pk))
    return []


def search_term_display(term: str) -> tuple[str, bool]:
    """What the page may echo back: numbers masked like results, and whether it was masked."""
    term = re.sub(r"[\s-]", "", term or "")
    if _DIGITS.fullmatch(term) and len(term) == 11:
        return mask_phone(term), True
    if _ID_NUMBER.fullmatch(term):
        return mask_id_number(term.upper()), True
    return term, False
