"""How a permission predicate says no: `<action>_refusal(user, obj)` returns the exception
the domain function raises (PermissionDenied for the wrong person, ValidationError with
the message for the wrong state, raised as a StateConflict), or None; `may_<action>` is
"no refusal"."""

from django.core.exceptions import PermissionDenied, ValidationError

Refusal = PermissionDenied | ValidationError


class StateConflict(ValidationError):
    """A refusal for the object's state, not the input (a match no longer awaiting an answer,
    a deadline passed): pages show it like any ValidationError, the API answers 409."""


class OutOfReach(ValidationError):
    """A row the input names exists, but not among those it may name here (an organization
    that does not serve the resident's community, a venue of another community): pages show
    it like any ValidationError, the API answers 404 naming the field, as for a row that
    does not exist, since a schema can say "an id" but never which ids fit together."""


def refuse(refusal: Refusal | None) -> None:
    """Raise the refusal, if there is one: how domain functions go through the predicates."""
    if isinstance(refusal, ValidationError) and not isinstance(refusal, StateConflict):
        raise StateConflict(refusal)
    if refusal is not None:
        raise refusal
