"""Demo care allowances (货币养老): Taiyuan-style rules and two months of credits."""

import datetime

from communities.demo_kit import DemoContext
from services.domain.allowances import allowances_credit_month, month_start
from services.models import AllowanceRule

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
