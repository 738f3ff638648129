"""How a permission predicate says no: `<action>_refusal(user, obj)` returns the exception
the domain function raises (PermissionDenied for the wrong person, ValidationError with
the message for the wrong state), or None; `may_<action>` is "no refusal"."""

from django.core.exceptions import PermissionDenied, ValidationError

Refusal = PermissionDenied | ValidationError


def refuse(refusal: Refusal | None) -> None:
    """Raise the refusal, if there is one: how domain functions go through the predicates."""
    if refusal is not None:
        raise refusal
