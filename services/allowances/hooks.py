"""Who else may reverse a visit's charges, vouched for by an app above services.

Supervisors correct ledgers in their area (services/allowances/rules.py). An app above
services may vouch that a user may also reverse the charges of one visit: casework does for
the social worker whose quality callback found the visit did not happen as logged. The app
registers a predicate `(user, visit_id) -> bool` in its AppConfig.ready(); services imports
nothing of it. A vouched reversal still goes through `ledger_entry_reverse` (a correction
entry, never an edit; an entry is reversed once).
"""

from collections.abc import Callable

_vouchers: list[Callable[..., bool]] = []


def charge_reversal_voucher_register(predicate: Callable[..., bool]) -> None:
    if predicate not in _vouchers:
        _vouchers.append(predicate)


def charge_reversal_vouched(user, visit_id: int) -> bool:
    return user.is_authenticated and any(predicate(user, visit_id) for predicate in _vouchers)
