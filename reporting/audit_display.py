"""How a change in the history reads: field labels, choice labels and yuan, not codes.

`AuditEntry.changes` keeps the raw values (field name → [old, new]) so the record stays
exact; only the page translates them (issue 21, item 4).
"""

from decimal import Decimal

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

EMPTY = "—"


def audit_change_rows(entry) -> list[tuple[str, str, str]]:
    """[(label, old, new)] for the entry's changed fields, in a reader's terms."""
    model = _model(entry.object_type)
    rows = []
    for name, values in entry.changes.items():
        old, new = [*values, None, None][:2] if isinstance(values, list) else (None, values)
        field = _field(model, name)
        label = str(field.verbose_name) if field is not None else name
        if name.endswith("_fen"):
            label = label.removesuffix("（分）").removesuffix(" (fen)")
        rows.append((label, _value(field, name, old), _value(field, name, new)))
    return rows


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _value(field, name: str, value) -> str:
    if value is None or value == "":
        return EMPTY
    if name.endswith("_fen") and isinstance(value, int):
        # Money is stored in fen (integer); people read yuan.
        return _("%(yuan)s 元") % {"yuan": f"{Decimal(value) / 100:.2f}"}
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        return f"#{value}"
    return str(value)
