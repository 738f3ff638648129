"""Recording changes to tracked objects, with personal identifiers masked."""

from django.db import models

from sanlian import stored_text
from sanlian.masking import mask_birth_date, mask_id_number, mask_phone
from sanlian.models import AuditEntry

# Field names whose values never reach the history table in full.
_MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "contact_phone": mask_phone,
    "emergency_contact_phone": mask_phone,
    "birth_date": mask_birth_date,  # the digits the masked ID number hides
}


def _printable(field: str, value) -> str | int | float | bool | None:
    if field in _MASKERS:
        return _MASKERS[field](value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    return {field: _printable(field, getattr(instance, field)) for field in fields}


def audit_reason_fields(reason: str | dict) -> dict:
    """The stored Chinese text and, for a reason given as facts, the facts themselves."""
    if isinstance(reason, dict):
        return {"reason": stored_text.in_source_language(reason), "reason_facts": reason}
    return {"reason": reason, "reason_facts": None}


def audit_record(
    *,
    actor,
    instance: models.Model,
    action: str,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | dict = "",
) -> AuditEntry:
    """Store one history entry; `before`/`after` come from `snapshot()`. A reason the
    portal writes is given as facts (`stored_text.text(...)`), shown in the reader's
    language; a person's own words are given as a string."""
    before, after = before or {}, after or {}
    changes = {
        field: [before.get(field), after.get(field)]
        for field in sorted(set(before) | set(after))
        if before.get(field) != after.get(field)
    }
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
        **audit_reason_fields(reason),
    )
