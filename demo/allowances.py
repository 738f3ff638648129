"""Demo care allowances (货币养老): Taiyuan-style rules and two months of credits."""

import datetime

from demo.kit import DemoContext
from organizations.models import Organization
from services.allowances.domain import allowances_credit_month, month_start, visit_charge
from services.allowances.settlements import settlement_generate
from services.models import AllowanceRule, PriceClass, Visit

# name, min age, max age, care levels, living alone only, low income only, yuan, stacking
_RULES = (
    ("80至89周岁高龄津贴", 80, 89, [], False, False, 100, AllowanceRule.Stacking.HIGHEST),
    ("90周岁以上高龄津贴", 90, None, [], False, False, 200, AllowanceRule.Stacking.HIGHEST),
    ("失能老人护理补贴", 60, None, ["dependent"], False, False, 300, AllowanceRule.Stacking.STACK),
    ("低收入独居老人服务补贴", 60, None, [], True, True, 150, AllowanceRule.Stacking.STACK),
)


def allowances_build(ctx: DemoContext) -> None:
    """City-wide rules (kept by a reset, so found by name) and credits for last and this month."""
    for name, low, high, levels, alone, poor, yuan, stacking in _RULES:
        AllowanceRule.objects.get_or_create(
            name=name,
            defaults={
                "min_age": low,
                "max_age": high,
                "care_levels": levels,
                "living_alone_only": alone,
                "low_income_only": poor,
                "monthly_amount_fen": yuan * 100,
                "stacking": stacking,
                "valid_from": datetime.date(2014, 11, 1),
                "created_by": ctx.users["civil"],
            },
        )
    this_month = month_start(ctx.today)
    last_month = month_start(this_month - datetime.timedelta(days=1))
    for month in (last_month, this_month):
        allowances_credit_month(month=month)
    _charge_recent_visits(since=last_month)
    _draft_statements(ctx, month=last_month, until=this_month)


def _charge_recent_visits(*, since: datetime.date) -> None:
    """Charge the priced visits completed since the credits began, oldest first."""
    visits = Visit.objects.filter(
        status=Visit.Status.COMPLETED,
        checked_out_at__date__gte=since,
        offering__price_class__in=(PriceClass.SUBSIDISED, PriceClass.PAID),
    ).order_by("checked_out_at", "pk")
    for visit in visits:
        visit_charge(visit=visit)


def _draft_statements(ctx: DemoContext, *, month: datetime.date, until: datetime.date) -> None:
    """Draft statements for `month` of the organizations with charged visits in it."""
    charged = Visit.objects.filter(
        ledger_entries__isnull=False,
        checked_out_at__date__gte=month,
        checked_out_at__date__lt=until,
    ).values_list("offering__organization", flat=True)
    for organization in Organization.objects.filter(pk__in=charged).order_by("pk"):
        settlement_generate(organization=organization, month=month, actor=ctx.users["civil"])
