"""Who may do what with a resident's record and personal data: one predicate per action.

`may_<action>(user)` answers for the page and the menu; `may_<action>(user, resident)` adds
the scope (`residents_visible_to`) and the record's state, for the button and the domain.
The staff pages are for government staff only; the API's wider read scope (organizations,
workers, the resident's side) stays in `residents_visible_to`.
"""

from communities.models import Resident
from communities.queries import residents_visible_to
from sanlian.roles import STAFF


def may_view_communities(user) -> bool:
    """The community pages with their indicators (social workers, facility area)."""
    return user.is_authenticated and user.role in STAFF


def resident_in_scope(user, resident: Resident) -> bool:
    return residents_visible_to(user).filter(pk=resident.pk).exists()


def is_anonymised(resident: Resident) -> bool:
    return resident.anonymised_at is not None


def has_unwithdrawn_consent(resident: Resident) -> bool:
    return resident.consents.filter(withdrawn_at__isnull=True).exists()


def may_view_resident(user, resident: Resident | None = None) -> bool:
    """Government staff whose scope holds the resident (the hotline, civil affairs)."""
    if not (user.is_authenticated and user.role in STAFF):
        return False
    return resident is None or resident_in_scope(user, resident)


def _live(user, resident: Resident | None) -> bool:
    """Staff in scope, on a record that has not been anonymised (nothing is left to act on)."""
    if not may_view_resident(user, resident):
        return False
    return resident is None or not is_anonymised(resident)


def may_reveal_resident(user, resident: Resident | None = None) -> bool:
    return _live(user, resident)


def may_export_resident(user, resident: Resident | None = None) -> bool:
    return _live(user, resident)


def may_correct_resident(user, resident: Resident | None = None) -> bool:
    return _live(user, resident)


def may_anonymise(user, resident: Resident | None = None) -> bool:
    return _live(user, resident)


def may_withdraw_consent(user, resident: Resident | None = None) -> bool:
    if not _live(user, resident):
        return False
    return resident is None or has_unwithdrawn_consent(resident)
