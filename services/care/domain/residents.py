"""Reads for hotline intake: finding the caller among the residents a staff member may see."""

import re

from django.db.models import QuerySet
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Resident
from communities.privacy import IdentifierSearchThrottled, residents_identifier_search
from communities.queries import residents_visible_to
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

    Every branch is an indexed lookup: phone, phone_last4, id_number, a name prefix, or
    a given-name prefix (PostgreSQL expression index, migration 0003); only a fragment
    found in neither place is scanned, and that scan stops at the limit. A full phone or
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
            title=_("按完整号码查找次数异常"),
            body=_("%(who)s 在一小时内按完整身份证号或手机号查找的次数超过上限，已被暂停。")
            % {"who": who},
            link=reverse("audit:access_log") + f"?actor={user.username}",
            dedupe_key=f"search-volume:{user.pk}:{staff.pk}:{hour}",
        )


def _by_name(residents: QuerySet[Resident], term: str) -> list[Resident]:
    # Callers usually say their whole name: a prefix walks the name index in name
    # order (Django adds a pattern-ops index for LIKE 'x%' on PostgreSQL).
    by_prefix = list(residents.filter(name__startswith=term).order_by("name", "id")[:SEARCH_LIMIT])
    if by_prefix:
        return by_prefix
    # Then the given name (the name after the one-character surname), then anywhere.
    # No ORDER BY here: sorting by name would make PostgreSQL walk the whole name
    # index instead of the expression index; twenty rows are sorted in Python.
    by_given = residents.alias(given=Substr("name", 2)).filter(given__startswith=term)
    found = list(by_given.order_by()[:SEARCH_LIMIT]) or list(
        residents.filter(name__contains=term).order_by()[:SEARCH_LIMIT]
    )
    return sorted(found, key=lambda resident: (resident.name, resident.pk))


def search_term_display(term: str) -> tuple[str, bool]:
    """What the page may echo back: numbers masked like results, and whether it was masked."""
    term = re.sub(r"[\s-]", "", term or "")
    if _DIGITS.fullmatch(term) and len(term) == 11:
        return mask_phone(term), True
    if _ID_NUMBER.fullmatch(term):
        return mask_id_number(term.upper()), True
    return term, False
