"""The time bank (时间银行): hours earned helping neighbours, spent later.

Append-only ledger: every posting locks the account row, checks, inserts the entry and
moves `balance_minutes` with F() in one transaction; the CHECK (balance >= 0) is the last
guard, so two spends of the last hour never both succeed.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import HelpRecord, TimeBankAccount, TimeBankEntry
from activities.rules import confirm_help_refusal, report_help_refusal, spend_refusal
from communities.models import Resident
from sanlian.audit import audit_record
from sanlian.refusals import refuse


def hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}"


def _locked_account(resident: Resident) -> TimeBankAccount:
    account, _created = TimeBankAccount.objects.get_or_create(resident=resident)
    return TimeBankAccount.objects.select_for_update().get(pk=account.pk)


def _post(*, account: TimeBankAccount, entry: TimeBankEntry) -> TimeBankEntry:
    """Add one entry to a LOCKED account and move its balance with it."""
    if account.balance_minutes + entry.minutes < 0:
        raise ValidationError(
            _("时间余额不足：当前余额 %(hours)s 小时。") % {"hours": hours(account.balance_minutes)}
        )
    entry.account = account
    entry.full_clean()
    entry.save()
    TimeBankAccount.objects.filter(pk=account.pk).update(
        balance_minutes=F("balance_minutes") + entry.minutes
    )
    account.balance_minutes += entry.minutes
    return entry


@transaction.atomic
def help_report(
    *,
    actor,
    helper: Resident,
    helped: Resident,
    kind: str,
    day: datetime.date,
    minutes: int,
    note: str = "",
) -> HelpRecord:
    refuse(report_help_refusal(actor, helper, helped))
    if not 0 < minutes <= 12 * 60:
        raise ValidationError({"minutes": _("时长须在 1 分钟到 12 小时之间。")})
    if day > timezone.localdate():
        raise ValidationError({"day": _("只能登记已经完成的互助。")})
    record = HelpRecord(
        helper=helper,
        helped=helped,
        kind=kind,
        day=day,
        minutes=minutes,
        note=note.strip(),
        reported_by=actor,
    )
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def help_confirm(*, actor, help_record: HelpRecord) -> TimeBankEntry:
    """Confirm help as done: the helper earns its minutes, once."""
    record = (
        HelpRecord.objects.select_for_update(of=("self",))
        .select_related("helper__community", "helped")
        .get(pk=help_record.pk)
    )
    refuse(confirm_help_refusal(actor, record))
    record.status = HelpRecord.Status.CONFIRMED
    record.confirmed_by = actor
    record.confirmed_at = timezone.now()
    record.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    entry = TimeBankEntry(
        kind=TimeBankEntry.Kind.EARN,
        minutes=record.minutes,
        help=record,
        actor=actor,
        reason=_("%(kind)s %(name)s %(day)s")
        % {"kind": record.get_kind_display(), "name": record.helped.name, "day": record.day},
    )
    entry = _post(account=_locked_account(record.helper), entry=entry)
    audit_record(actor=actor, instance=record, action="change", after={"status": record.status})
    return entry


@transaction.atomic
def time_bank_spend(
    *, actor, holder: Resident, beneficiary: Resident, minutes: int, reason: str
) -> TimeBankEntry:
    """Spend `minutes` of `holder`'s hours on help for them or a registered family member."""
    refuse(spend_refusal(actor, holder, beneficiary))
    if minutes <= 0:
        raise ValidationError({"minutes": _("兑换时长须大于零。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请说明兑换的服务。")})
    entry = TimeBankEntry(
        kind=TimeBankEntry.Kind.SPEND,
        minutes=-minutes,
        beneficiary=beneficiary,
        actor=actor,
        reason=reason.strip(),
    )
    account = _locked_account(holder)
    entry = _post(account=account, entry=entry)
    audit_record(
        actor=actor,
        instance=account,
        action="change",
        after={"spent_minutes": minutes, "beneficiary": beneficiary.pk},
        reason=reason.strip(),
    )
    return entry
