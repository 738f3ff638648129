"""Monetary elderly care (货币养老): allowance rules, care accounts and their ledger.

Eligibility (`rule_matches`): a rule applies to a resident for a month when
- the rule's validity overlaps the month (valid_from <= last day, valid_to empty or >= first day);
- the resident's age on the month's LAST day is within [min_age, max_age] (both optional,
  inclusive), so the month in which someone turns 80 already counts as "80+";
- the care level is one of `care_levels` (empty: any), living alone / low income when the
  rule asks for it, and the resident lives in the rule's district / community when set;
- the resident is not anonymised.

Stacking (`allowances_due`): every matching "stack" rule is paid; of the matching "highest"
rules only the one with the largest amount is paid (a tie goes to the oldest rule). Once a
"highest" credit was booked for a month, no second "highest" credit is booked for that month,
even if the rules changed since; staff correct that by hand.

Ledger: entries are only ever added. `amount_fen` moves the allowance balance, `copay_fen`
records what the resident pays the organization out of pocket. The balance never goes below
zero: every posting locks the account row (select_for_update), checks, inserts the entry and
moves `CareAccount.balance_fen` with F() in the same transaction; a CheckConstraint on the
balance is the last guard.

Charging a visit (`visit_charge`), once, when it is completed and checked out:
- free: nothing;
- subsidised: the allowance pays as much of the price as the balance allows (visit debit),
  the rest is the resident's co-payment (a co-payment record, not a debit);
- paid: the resident pays all (a co-payment record).
"""

import calendar
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from communities.models import Resident
from sanlian import stored_text
from sanlian.audit import audit_record, snapshot
from sanlian.refusals import refuse
from services.allowances import rules
from services.allowances.models import month_start, yuan
from services.models import AllowanceRule, CareAccount, LedgerEntry, PriceClass, Visit

RULE_AUDIT_FIELDS = [
    "name",
    "min_age",
    "max_age",
    "care_levels",
    "living_alone_only",
    "low_income_only",
    "district",
    "community",
    "monthly_amount_fen",
    "stacking",
    "valid_from",
    "valid_to",
]


def month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


# --- rules ---------------------------------------------------------------------------------


def rule_in_effect(*, rule: AllowanceRule, month: datetime.date) -> bool:
    return rule.valid_from <= month_end(month) and (
        rule.valid_to is None or rule.valid_to >= month_start(month)
    )


def rule_matches(*, rule: AllowanceRule, resident: Resident, month: datetime.date) -> bool:
    """Whether `resident` is eligible under `rule` in `month` (conditions in the module doc)."""
    if resident.anonymised_at is not None or not rule_in_effect(rule=rule, month=month):
        return False
    age = resident.age_on(month_end(month))
    checks = (
        rule.min_age is None or age >= rule.min_age,
        rule.max_age is None or age <= rule.max_age,
        not rule.care_levels or resident.care_level in rule.care_levels,
        not rule.living_alone_only or resident.living_situation == Resident.LivingSituation.ALONE,
        not rule.low_income_only or resident.low_income,
        rule.community_id is None or resident.community_id == rule.community_id,
        rule.district_id is None or resident.community.street.district_id == rule.district_id,
    )
    return all(checks)


def allowances_due(
    *, resident: Resident, month: datetime.date, rules: list[AllowanceRule]
) -> list[AllowanceRule]:
    """The rules that pay `resident` in `month`: all "stack" rules plus the best "highest" one."""
    matching = [rule for rule in rules if rule_matches(rule=rule, resident=resident, month=month)]
    stacked = [rule for rule in matching if rule.stacking == AllowanceRule.Stacking.STACK]
    highest = [rule for rule in matching if rule.stacking == AllowanceRule.Stacking.HIGHEST]
    if highest:
        stacked.append(min(highest, key=lambda rule: (-rule.monthly_amount_fen, rule.pk)))
    return stacked


def rules_in_effect(*, month: datetime.date) -> list[AllowanceRule]:
    candidates = AllowanceRule.objects.filter(valid_from__lte=month_end(month)).order_by("pk")
    return [rule for rule in candidates if rule_in_effect(rule=rule, month=month)]


@transaction.atomic
def allowance_rule_save(*, rule: AllowanceRule, actor) -> AllowanceRule:
    """Create or change a rule (civil-affairs staff only); changes apply to uncredited months."""
    if not rules.may_edit_allowance_rule(actor, rule):
        raise PermissionDenied
    creating = rule.pk is None
    before = None
    if not creating:
        before = snapshot(AllowanceRule.objects.get(pk=rule.pk), RULE_AUDIT_FIELDS)
    else:
        rule.created_by = actor
    rule.care_levels = sorted(set(rule.care_levels or []))
    rule.full_clean()
    rule.save()
    audit_record(
        actor=actor,
        instance=rule,
        action="create" if creating else "change",
        before=before,
        after=snapshot(rule, RULE_AUDIT_FIELDS),
    )
    return rule


# --- the ledger ----------------------------------------------------------------------------


def _locked_account(*, resident: Resident) -> CareAccount:
    """The resident's account, opened if missing, locked for the rest of the transaction."""
    account, _created = CareAccount.objects.get_or_create(resident=resident)
    return CareAccount.objects.select_for_update().get(pk=account.pk)


def _post(*, account: CareAccount, entry: LedgerEntry) -> LedgerEntry:
    """Add one entry to a LOCKED account and move its balance in the same transaction."""
    entry.account = account
    if account.balance_fen + entry.amount_fen < 0:
        raise ValidationError(
            _("余额不足：当前余额 %(balance)s 元。") % {"balance": yuan(account.balance_fen)}
        )
    entry.full_clean()
    entry.save()
    CareAccount.objects.filter(pk=account.pk).update(
        balance_fen=F("balance_fen") + entry.amount_fen
    )
    account.balance_fen += entry.amount_fen
    return entry


# The portal's wording of its own entries, stored as facts (sanlian.stored_text).
CREDIT_REASON = gettext_noop("%(month)s 月度补贴：%(rule)s")
CHARGE_REASON = gettext_noop("%(day)s 上门服务：%(service)s")


def _stated(msgid: str, **params) -> dict:
    facts = stored_text.text(msgid, **params)
    return {"reason": stored_text.in_source_language(facts), "reason_facts": facts}


@transaction.atomic
def care_account_credit_month(
    *, resident: Resident, month: datetime.date, rules: list[AllowanceRule]
) -> list[LedgerEntry]:
    """Book the month's credits of `rules` (already decided by `allowances_due`), once each."""
    month = month_start(month)
    account = _locked_account(resident=resident)
    booked = LedgerEntry.objects.filter(
        account=account, kind=LedgerEntry.Kind.CREDIT, month=month
    ).select_related("rule")
    booked_rule_ids = {entry.rule_id for entry in booked}
    highest_booked = any(entry.rule.stacking == AllowanceRule.Stacking.HIGHEST for entry in booked)
    created = []
    for rule in rules:
        if rule.pk in booked_rule_ids:
            continue
        if rule.stacking == AllowanceRule.Stacking.HIGHEST and highest_booked:
            continue
        entry = LedgerEntry(
            kind=LedgerEntry.Kind.CREDIT,
            amount_fen=rule.monthly_amount_fen,
            rule=rule,
            month=month,
            **_stated(CREDIT_REASON, month=f"{month:%Y-%m}", rule=rule.name),
        )
        try:
            # The unique (account, rule, month) constraint settles a race the lock missed.
            with transaction.atomic():
                created.append(_post(account=account, entry=entry))
        except IntegrityError:
            continue
    return created


def allowances_credit_month(*, month: datetime.date) -> int:
    """Credit every eligible resident for `month`; running it again credits nothing twice.

    Each resident is booked in a transaction of its own, so a long run holds no lock for long.
    """
    month = month_start(month)
    rules = rules_in_effect(month=month)
    if not rules:
        return 0
    residents = Resident.objects.filter(anonymised_at__isnull=True).select_related(
        "community__street"
    )
    if all(rule.min_age is not None for rule in rules):
        youngest = min(rule.min_age for rule in rules)
        last_day = month_end(month)
        # Born on or before the last day minus `youngest` years (29 Feb falls back to 28 Feb).
        try:
            cutoff = last_day.replace(year=last_day.year - youngest)
        except ValueError:
            cutoff = last_day.replace(year=last_day.year - youngest, day=28)
        residents = residents.filter(birth_date__lte=cutoff)
    credited = 0
    for resident in residents.order_by("pk").iterator(chunk_size=500):
        due = allowances_due(resident=resident, month=month, rules=rules)
        if due:
            credited += len(care_account_credit_month(resident=resident, month=month, rules=due))
    return credited


# --- charging visits -----------------------------------------------------------------------


def visit_price_split(*, price_class: str, price_fen: int, balance_fen: int) -> tuple[int, int]:
    """(paid from the allowance, paid by the resident) for one visit."""
    if price_class == PriceClass.FREE:
        return 0, 0
    if price_class == PriceClass.SUBSIDISED:
        from_allowance = min(price_fen, max(balance_fen, 0))
        return from_allowance, price_fen - from_allowance
    return 0, price_fen


@transaction.atomic
def visit_charge(*, visit: Visit, actor=None) -> list[LedgerEntry]:
    """Charge a completed, checked-out visit once; returns the entries written (often none).

    Missed, cancelled or unfinished visits and free offerings are never charged; a visit
    already charged is left alone (the visit row lock and the unique (visit, kind)
    constraint make "completed twice / at once" charge once).
    """
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("offering", "request__resident", "request__service_type")
        .get(pk=visit.pk)
    )
    offering = visit.offering
    if visit.status != Visit.Status.COMPLETED or visit.checked_out_at is None:
        return []
    if offering.price_class == PriceClass.FREE or offering.price_fen <= 0:
        return []
    if LedgerEntry.objects.filter(visit=visit, kind__in=LedgerEntry.CHARGE_KINDS).exists():
        return []
    account = _locked_account(resident=visit.request.resident)
    from_allowance, copay = visit_price_split(
        price_class=offering.price_class,
        price_fen=offering.price_fen,
        balance_fen=account.balance_fen,
    )
    reason = _stated(
        CHARGE_REASON,
        service=visit.request.service_type.name,
        day=f"{timezone.localtime(visit.checked_out_at):%Y-%m-%d}",
    )
    actor = actor if actor is not None and actor.is_authenticated else None
    entries = []
    if from_allowance:
        debit = LedgerEntry(
            kind=LedgerEntry.Kind.VISIT_DEBIT,
            amount_fen=-from_allowance,
            visit=visit,
            actor=actor,
            **reason,
        )
        entries.append(_post(account=account, entry=debit))
    if copay:
        record = LedgerEntry(
            kind=LedgerEntry.Kind.CO_PAYMENT,
            copay_fen=copay,
            visit=visit,
            actor=actor,
            **reason,
        )
        entries.append(_post(account=account, entry=record))
    return entries


@transaction.atomic
def ledger_entry_reverse(*, entry: LedgerEntry, actor, reason: str) -> LedgerEntry:
    """Undo a wrong entry with a correction entry of the opposite amounts (entries never change).

    Reversing a credit that was already spent fails: the balance would go below zero.
    """
    if not (rules.may_reverse_entries(actor) or rules.reversal_vouched(actor, entry)):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("请说明更正原因。")})
    account = CareAccount.objects.select_for_update().get(pk=entry.account_id)
    entry = LedgerEntry.objects.get(pk=entry.pk)
    refuse(rules.reverse_entry_refusal(actor, entry))
    correction = LedgerEntry(
        kind=LedgerEntry.Kind.CORRECTION,
        amount_fen=-entry.amount_fen,
        copay_fen=-entry.copay_fen,
        visit_id=entry.visit_id,
        reverses=entry,
        actor=actor,
        reason=reason.strip(),
    )
    correction = _post(account=account, entry=correction)
    audit_record(
        actor=actor,
        instance=account,
        action="change",
        after={"reversed_entry": entry.pk, "correction": correction.pk},
        reason=reason.strip(),
    )
    return correction
