"""A resident's personal data under PIPL: reveal, access export, correction, withdrawal of
consent and anonymisation. Every read of a full identifier lands in the access log.

A search by a full identifier is a read too: it confirms a guessed number (a masked ID
number and an age leave ~31 candidates), so it goes through `residents_identifier_search`.

Where full values may appear (decided here, tested in tests/privacy/):
- the reveal response, to staff in scope who state a purpose, one field at a time;
- the access export (PIPL art. 45, the resident's right to a copy of their data), made by
  staff in scope with a stated purpose. Nowhere else: pages, lists, API, logs, history,
  messages and tasks carry masked values only.
"""

import datetime
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities import rules
from communities.domain import RESIDENT_AUDIT_FIELDS, RESIDENT_FIELDS
from communities.hooks import care_level_assessed, resident_data_hooks
from communities.models import Consent, Resident
from sanlian.audit import audit_record, snapshot
from sanlian.masking import mask_id_number, mask_phone
from sanlian.models import AccessLog, AuditEntry
from sanlian.rate_limit import rate_limit_take

ANONYMISED_NAME = "已匿名"
REVEALABLE = {
    "id_number": _("身份证号码"),
    "phone": _("联系电话"),
    "emergency_contact_phone": _("紧急联系人电话"),
}
# What staff may correct on the resident's behalf (PIPL art. 46).
CORRECTABLE = [name for name in RESIDENT_FIELDS if name != "community"]


def _require(*, actor, resident: Resident) -> None:
    if not rules.may_view_resident(actor, resident):
        raise PermissionDenied


def _refuse_unless(allowed: bool, message) -> None:
    """After `_require`, the predicate can only fail on the record's state."""
    if not allowed:
        raise ValidationError(message)


def _purpose(purpose: str) -> str:
    purpose = (purpose or "").strip()
    if len(purpose) < 4:
        raise ValidationError({"purpose": _("请说明用途（至少4个字），将记入访问记录。")})
    return purpose[:200]


def access_log_record(
    *,
    actor,
    resident: Resident | None,
    kind: str,
    field: str = "",
    purpose: str = "",
    client_address: str = "",
):
    return AccessLog.objects.create(
        actor=actor,
        resident=resident,
        kind=kind,
        field=field,
        purpose=purpose,
        client_address=client_address,
    )


class IdentifierSearchThrottled(ValidationError):
    """The searcher used up IDENTIFIER_SEARCHES_PER_HOUR; nothing was searched."""


@transaction.atomic
def residents_identifier_search(
    *,
    actor,
    residents: QuerySet[Resident],
    field: str,
    value: str,
    purpose: str,
    client_address: str = "",
    limit: int,
) -> list[Resident]:
    """Residents (of `residents`, already scoped) whose `field` is exactly `value`.

    Like the reveal: a stated purpose, and one access-log row per resident found (one
    without a resident when nobody matched, since a miss also tells the searcher
    something). At most IDENTIFIER_SEARCHES_PER_HOUR per user: raises
    IdentifierSearchThrottled beyond, before searching.
    """
    if field not in ("id_number", "phone"):
        raise ValueError(field)
    purpose = _purpose(purpose)
    allowed = rate_limit_take(
        scope="identifier-search",
        key=str(actor.pk),
        limit=settings.IDENTIFIER_SEARCHES_PER_HOUR,
        seconds=3600,
    )
    if not allowed:
        raise IdentifierSearchThrottled(
            {"q": _("按完整号码查找的次数已达上限，请稍后再试，或按手机号后4位或姓名查找。")},
            code="throttled",
        )
    found = list(residents.filter(**{field: value}).order_by("name", "id")[:limit])
    AccessLog.objects.bulk_create(
        AccessLog(actor=actor, resident=resident, kind=AccessLog.Kind.SEARCH, field=field,
                  purpose=purpose, client_address=client_address)
        for resident in (found or [None])
    )  # fmt: skip
    return found


def resident_view_log(*, actor, resident: Resident, client_address: str = "") -> None:
    """A staff member opened the resident's detail page (masked values only)."""
    access_log_record(
        actor=actor, resident=resident, kind=AccessLog.Kind.VIEW, client_address=client_address
    )


@transaction.atomic
def resident_reveal(
    *, actor, resident: Resident, field: str, purpose: str, client_address: str = ""
) -> str:
    """The full value of one identifier, logged with who, when, which field and why."""
    _require(actor=actor, resident=resident)
    _refuse_unless(rules.may_reveal_resident(actor, resident), _("该居民信息已经匿名化。"))
    if field not in REVEALABLE:
        raise ValidationError({"field": _("只能查看身份证号码或电话号码。")})
    purpose = _purpose(purpose)
    access_log_record(
        actor=actor,
        resident=resident,
        kind=AccessLog.Kind.REVEAL,
        field=field,
        purpose=purpose,
        client_address=client_address,
    )
    return getattr(resident, field) or ""


def rows_of(queryset, fields: list[str]) -> list[dict]:
    return [{name: _plain(getattr(row, name)) for name in fields} for row in queryset]


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _held_about(resident: Resident) -> dict:
    held = {
        "resident": {name: _plain(getattr(resident, name)) for name in ["pk", *CORRECTABLE]}
        | {"community": resident.community.name, "created_at": _plain(resident.created_at)},
        "consents": rows_of(
            resident.consents.order_by("given_at"),
            ["given_by", "guardian_name", "channel", "given_at", "withdrawn_at"],
        ),
        "family_members": rows_of(
            resident.family_members.select_related("user"), ["user", "relationship"]
        ),
    }
    for hooks in resident_data_hooks():
        held |= hooks.held_about(resident)
    held["history"] = rows_of(
        resident_history(resident=resident),
        ["at", "actor", "action", "object_type", "object_id", "changes", "reason"],
    )
    return held


@transaction.atomic
def resident_export(*, actor, resident: Resident, purpose: str, client_address: str = "") -> dict:
    """Everything held about the resident, full values included, for an access request."""
    _require(actor=actor, resident=resident)
    _refuse_unless(rules.may_export_resident(actor, resident), _("该居民信息已经匿名化。"))
    purpose = _purpose(purpose)
    access_log_record(
        actor=actor,
        resident=resident,
        kind=AccessLog.Kind.EXPORT,
        purpose=purpose,
        client_address=client_address,
    )
    return _held_about(resident)


def _history_filter(resident: Resident) -> Q:
    objects = {"communities.resident": [resident.pk]}
    for hooks in resident_data_hooks():
        objects |= hooks.audited_objects(resident)
    condition = Q(pk__in=[])
    for object_type, ids in objects.items():
        condition |= Q(object_type=object_type, object_id__in=[str(pk) for pk in ids])
    return condition


def resident_history(*, resident: Resident) -> QuerySet[AuditEntry]:
    """History entries about the resident and their requests, matches and visits."""
    return AuditEntry.objects.filter(_history_filter(resident)).select_related("actor")


@transaction.atomic
def resident_correct(*, actor, resident: Resident, reason: str, **changes) -> Resident:
    """Correct the resident's data on their request; the history keeps masked old values."""
    _require(actor=actor, resident=resident)
    _refuse_unless(
        rules.may_correct_resident(actor, resident), _("该居民信息已匿名化，不能再修改。")
    )
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ValidationError(_("不能修改这些字段：%(fields)s") % {"fields": ", ".join(unknown)})
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if changes.get("care_level", resident.care_level) != resident.care_level and (
        care_level_assessed(resident)
    ):
        raise ValidationError({"care_level": _("照护等级由能力评估确定，不能手工修改。")})
    before = snapshot(resident, RESIDENT_AUDIT_FIELDS)
    for name, value in changes.items():
        setattr(resident, name, value.strip() if isinstance(value, str) else value)
    resident.id_number = resident.id_number or None
    resident.full_clean()
    resident.save()
    audit_record(
        actor=actor,
        instance=resident,
        action=AuditEntry.Action.CHANGE,
        before=before,
        after=snapshot(resident, RESIDENT_AUDIT_FIELDS),
        reason=reason.strip() or str(_("居民要求更正个人信息")),
    )
    return resident


def consent_current(resident: Resident) -> Consent | None:
    return resident.consents.filter(withdrawn_at__isnull=True, given_at__lte=timezone.now()).first()


def care_stopped(resident: Resident) -> bool:
    """Consent was withdrawn (and not given again), or the resident is anonymised.

    Filing a request already demands a current consent (services.care.domain.requests); this
    guards the records that follow a request: visits and weekly plans.
    """
    if resident.anonymised_at is not None:
        return True
    consents = resident.consents.all()
    return consents.exists() and not consents.filter(withdrawn_at__isnull=True).exists()


@transaction.atomic
def consent_withdraw(*, actor, resident: Resident, reason: str = "") -> Resident:
    """Withdraw consent: no new care records from now on. Open requests and scheduled visits
    are cancelled, weekly plans stop; the resident is anonymised after ANONYMISE_AFTER_DAYS."""
    _require(actor=actor, resident=resident)
    _refuse_unless(not rules.is_anonymised(resident), _("该居民信息已经匿名化。"))
    _refuse_unless(rules.may_withdraw_consent(actor, resident), _("该居民当前没有有效的知情同意。"))
    now = timezone.now()
    # The update is the guard against a second withdrawal racing this one.
    if not resident.consents.filter(withdrawn_at__isnull=True).update(withdrawn_at=now):
        raise ValidationError(_("该居民当前没有有效的知情同意。"))
    note = reason.strip() or str(_("居民撤回知情同意"))
    for hooks in resident_data_hooks():
        hooks.care_stop(actor=actor, resident=resident, note=note)
    audit_record(
        actor=actor,
        instance=resident,
        action=AuditEntry.Action.CHANGE,
        after={"consent": "withdrawn"},
        reason=note,
    )
    return resident


def anonymise_due_on(resident: Resident) -> datetime.date | None:
    """When a resident without current consent will be anonymised, or None."""
    if resident.anonymised_at is not None or consent_current(resident) is not None:
        return None
    withdrawn = resident.consents.aggregate(last=Max("withdrawn_at"))["last"]
    if withdrawn is None:
        return None
    return timezone.localdate(withdrawn) + datetime.timedelta(days=settings.ANONYMISE_AFTER_DAYS)


def residents_due_for_anonymisation(*, now: datetime.datetime) -> QuerySet[Resident]:
    cutoff = now - datetime.timedelta(days=settings.ANONYMISE_AFTER_DAYS)
    current = Consent.objects.filter(withdrawn_at__isnull=True).values("resident_id")
    return (
        Resident.objects.filter(anonymised_at__isnull=True)
        .exclude(pk__in=current)
        .annotate(last_withdrawn=Max("consents__withdrawn_at"))
        .filter(last_withdrawn__lte=cutoff)
    )


def scrub_text(text: str, values: list[str]) -> str:
    for value in values:
        text = text.replace(value, ANONYMISED_NAME)
    return text


def _personal_values(resident: Resident) -> list[str]:
    values = [
        resident.name,
        resident.address,
        resident.emergency_contact_name,
        resident.id_number or "",
        mask_id_number(resident.id_number),
        resident.phone,
        mask_phone(resident.phone),
        resident.emergency_contact_phone,
        mask_phone(resident.emergency_contact_phone),
    ]
    # Longest first, so a full number is replaced before a value it contains.
    return sorted({value for value in values if len(value) >= 2}, key=len, reverse=True)


def _scrub_history(resident: Resident) -> None:
    """Only the resident's own entries and those of their requests, matches and visits:
    another person of the same name keeps their history. The apps keeping care records
    scrub their messages and free text (notes, logs, comments) through their hooks."""
    values = _personal_values(resident)
    for hooks in resident_data_hooks():
        hooks.scrub(resident, values)
    for entry in AuditEntry.objects.filter(_history_filter(resident)):
        entry.changes = json.loads(
            scrub_text(json.dumps(entry.changes, ensure_ascii=False), values)
        )
        entry.object_repr = scrub_text(entry.object_repr, values)
        entry.reason = scrub_text(entry.reason, values)
        entry.save(update_fields=["changes", "object_repr", "reason"])


@transaction.atomic
def resident_anonymise(*, actor, resident: Resident, reason: str) -> Resident:
    """Erase the resident's identity in the resident row, their account and the history.

    Service records stay (statistics), tied to a person nobody can identify any more.
    `actor` is None when the scheduled task runs after a withdrawal of consent.
    """
    if actor is not None:
        _require(actor=actor, resident=resident)
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    # Read under the lock, and without a user when the scheduled task runs: the state part
    # of `rules.may_anonymise`.
    if rules.is_anonymised(resident):
        raise ValidationError(_("该居民信息已经匿名化。"))
    _scrub_history(resident)
    if resident.user_id is not None:
        resident.user.display_name, resident.user.phone = "", ""
        resident.user.is_active = False
        resident.user.save(update_fields=["display_name", "phone", "is_active"])
    resident.name = ANONYMISED_NAME
    resident.id_number = None
    resident.phone = resident.address = ""
    resident.latitude = resident.longitude = None
    resident.emergency_contact_name = resident.emergency_contact_phone = ""
    resident.user = None
    resident.anonymised_at = timezone.now()
    resident.save()  # no full_clean: a blank address is what anonymisation means
    # A guardian's name identifies the family; the constraint wants one, so it is replaced.
    resident.consents.exclude(guardian_name="").update(guardian_name=ANONYMISED_NAME)
    audit_record(
        actor=actor,
        instance=resident,
        action=AuditEntry.Action.DELETE,
        after={"anonymised": True},
        reason=reason.strip() or str(_("匿名化")),
    )
    return resident


def residents_anonymise_due(*, now: datetime.datetime) -> int:
    """Anonymise everyone whose consent was withdrawn more than the grace period ago."""
    count = 0
    for resident in residents_due_for_anonymisation(now=now):
        resident_anonymise(actor=None, resident=resident, reason=str(_("撤回同意后到期匿名化")))
        count += 1
    return count
