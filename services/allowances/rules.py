"""Who may do what to allowance rules, the ledger and settlement statements.

One `may_<action>(user, obj)` per action; the domain functions in `domain.py` and
`settlements.py` refuse through them, the pages show their links from them.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.queries import staff_community_ids
from organizations.models import OrganizationMember
from sanlian.refusals import Refusal
from sanlian.roles import CITY_STAFF, ORGANIZATION_STAFF, SUPERVISORS, Role, has_role
from services.allowances.hooks import charge_reversal_vouched
from services.allowances.queries import ledger_entries_visible_to
from services.models import LedgerEntry, SettlementStatement


def may_edit_allowance_rule(user, rule=None) -> bool:
    """Civil affairs sets the city's allowance rules; other staff read them."""
    return has_role(user, CITY_STAFF)


def may_reverse_entries(user) -> bool:
    """Whether the user corrects ledgers at all: the "correct" column on account pages."""
    return has_role(user, SUPERVISORS)


def reversal_vouched(user, entry: LedgerEntry) -> bool:
    """A visit's own charge, whose reversal an app above vouches for (allowances/hooks.py)."""
    return (
        entry.visit_id is not None
        and entry.kind in LedgerEntry.CHARGE_KINDS
        and charge_reversal_vouched(user, entry.visit_id)
    )


def reverse_entry_refusal(user, entry: LedgerEntry) -> Refusal | None:
    """Supervisors whose area holds the account, or a user vouched for on a visit's charge;
    an entry is corrected once, a correction never."""
    if reversal_vouched(user, entry):
        return entry_correction_refusal(entry)
    if (
        not may_reverse_entries(user)
        or not ledger_entries_visible_to(user).filter(pk=entry.pk).exists()
    ):
        return PermissionDenied()
    return entry_correction_refusal(entry)


def entry_correction_refusal(entry: LedgerEntry) -> ValidationError | None:
    """The entry's own state; with `reversals` prefetched (account pages) it costs no query."""
    if entry.kind == LedgerEntry.Kind.CORRECTION:
        return ValidationError(_("更正记录不能再次更正，请另行登记。"))
    if entry.reversals.all():
        return ValidationError(_("这条记录已经更正过了。"))
    return None


def may_reverse_entry(user, entry: LedgerEntry) -> bool:
    return reverse_entry_refusal(user, entry) is None


def may_generate_statement(user, organization=None) -> bool:
    """Civil affairs for any organization, an organization's members for their own (no
    organization: whether the user generates statements at all)."""
    if has_role(user, CITY_STAFF):
        return True
    if not has_role(user, ORGANIZATION_STAFF):
        return False
    return (
        organization is None
        or OrganizationMember.objects.filter(user=user, organization=organization).exists()
    )


def may_regenerate_statement(user, statement: SettlementStatement) -> bool:
    return statement.status == SettlementStatement.Status.DRAFT and may_generate_statement(
        user, statement.organization
    )


def may_approve_statement(user, statement: SettlementStatement) -> bool:
    """A draft, by civil affairs, or by street staff when every line lies in their street."""
    if statement.status != SettlementStatement.Status.DRAFT:
        return False
    if has_role(user, CITY_STAFF):
        return True
    if not has_role(user, {Role.STREET_STAFF}) or not statement.lines.exists():
        return False
    outside = statement.lines.filter(~Q(community_id__in=staff_community_ids(user)))
    return not outside.exists()
