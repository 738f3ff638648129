"""One error shape for every API response: {"detail": "...", "errors": {field: [...]}}.

Domain functions raise Django's ValidationError (bad input → 400) and
PermissionDenied (→ 403); a refusal for the object's state (sanlian.refusals.StateConflict)
and a unique-constraint race (IntegrityError) answer 409. A body well formed in every field
but naming a row that does not exist, or that the caller may not see (`"resident": 7`),
or that exists but may not be named beside the rest of the body (sanlian.refusals.OutOfReach:
a venue of another community), answers 404 with the field named, as a path naming such a
row does: the schema can say an id is an integer, never which ids exist or fit together, so
a 400 there would refuse data the schema accepts. Nothing a client sends should end in a 500.
"""

import functools

from django.apps import apps
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from sanlian.refusals import OutOfReach, StateConflict

NON_FIELD = "non_field_errors"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("数据已被他人同时修改，请刷新后重试。")
    default_code = "conflict"


@functools.cache
def _constraint_names() -> frozenset[str]:
    return frozenset(
        constraint.name for model in apps.get_models() for constraint in model._meta.constraints
    )


def _readable(messages: list[str]) -> list[str]:
    """A constraint without a message of its own would show its name: say what it means."""
    names = _constraint_names()
    return [
        str(_("提交的数据前后矛盾或超出允许范围，请检查后重试。"))
        if any(name in message for name in names)
        else message
        for message in messages
    ]


def _from_django(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(
            {
                (NON_FIELD if field == "__all__" else field): _readable(messages)
                for field, messages in error.message_dict.items()
            }
        )
    return exceptions.ValidationError({NON_FIELD: _readable(error.messages)})


def _flatten(value) -> list[str]:
    if isinstance(value, dict):
        return [message for item in value.values() for message in _flatten(item)]
    if isinstance(value, list):
        return [message for item in value for message in _flatten(item)]
    return [str(value)]


def _shape(data) -> dict:
    if isinstance(data, dict) and set(data) <= {"detail"}:
        return {"detail": str(data.get("detail", "")), "errors": {}}
    if isinstance(data, list):
        data = {NON_FIELD: data}
    errors = {field: _flatten(messages) for field, messages in data.items()}
    general = errors.pop(NON_FIELD, [])
    first = general[0] if general else str(_("提交的数据有误，请检查标出的字段。"))
    if general:
        errors[NON_FIELD] = general
    return {"detail": first, "errors": errors}


class StateConflictError(exceptions.ValidationError):
    """The request is well formed, but the object's state refuses it (HTTP 409)."""

    status_code = status.HTTP_409_CONFLICT


class MissingReference(exceptions.ValidationError):
    """Every field is well formed, but a row the body names is missing or out of reach."""

    status_code = status.HTTP_404_NOT_FOUND


# DRF's code when a related field's id (or slug) matches no row of its queryset.
_MISSING = "does_not_exist"


def _codes(codes) -> list[str]:
    if isinstance(codes, dict):
        return [code for item in codes.values() for code in _codes(item)]
    if isinstance(codes, list):
        return [code for item in codes for code in _codes(item)]
    return [codes]


def _only_missing_rows(exc: exceptions.ValidationError) -> bool:
    codes = _codes(exc.get_codes())
    return bool(codes) and all(code == _MISSING for code in codes)


def _only_uniqueness(error: DjangoValidationError) -> bool:
    """A row with this name or code exists already: a conflict, as the IntegrityError is."""
    errors = (
        error.error_list
        if not hasattr(error, "error_dict")
        else [item for items in error.error_dict.values() for item in items]
    )
    return bool(errors) and all(item.code in ("unique", "unique_together") for item in errors)


def exception_handler(exc, context):
    if isinstance(exc, StateConflict) or (
        isinstance(exc, DjangoValidationError) and _only_uniqueness(exc)
    ):
        exc = StateConflictError(_from_django(exc).detail)
    elif isinstance(exc, OutOfReach):
        exc = MissingReference(_from_django(exc).detail)
    elif isinstance(exc, DjangoValidationError):
        exc = _from_django(exc)
    elif type(exc) is exceptions.ValidationError and _only_missing_rows(exc):
        exc = MissingReference(exc.detail)
    elif isinstance(exc, IntegrityError):
        exc = Conflict()
    elif isinstance(exc, Http404):
        # Django's text names the model ("No ServiceRequest matches …"), in English only;
        # out of scope and missing read the same, so a 404 tells nothing either way.
        exc = exceptions.NotFound(_("找不到该记录，或您无权查看。"))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _shape(response.data)
    if isinstance(exc, MissingReference):
        response.data["detail"] = str(_("提交的内容指向的记录不存在，或您无权查看。"))
    return response
