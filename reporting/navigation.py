"""The navigation menu of each role; apps add their pages here as they grow.

Menu labels carry the "menu" context so they can read as plurals in English
("Communities") while the same Chinese word names a single object elsewhere.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activities import rules as activity_rules
from communities import rules as community_rules
from organizations import rules as organization_rules
from reporting import rules as reporting_rules
from sanlian.roles import (
    CASE_OVERSEERS,
    CASE_WORKERS,
    CITY_STAFF,
    EVERYONE,
    FIELD_WORKERS,
    ORGANIZATION_STAFF,
    PEOPLE,
    RESIDENT_SIDE,
    STAFF,
    VISIT_REVIEWERS,
    VISIT_WORKERS,
)
from services.notifications import rules as notification_rules
from socialworkers import rules as socialworker_rules

# Menus longer than this are folded into their sections' drop-downs; shorter ones
# (residents, family, workers) stay a flat row of big links.
FLAT_MENU_MAX = 7

CARE = pgettext_lazy("menu", "养老服务")
ORGANIZATIONS = pgettext_lazy("menu", "组织与社区")
ALLOWANCES = pgettext_lazy("menu", "养老补贴")
DATA = pgettext_lazy("menu", "数据与审计")
NOTIFICATIONS = pgettext_lazy("menu", "通知提醒")
SOCIAL_WORK = pgettext_lazy("menu", "社会工作")
PROJECTS = pgettext_lazy("menu", "购买服务")
ACTIVITIES = pgettext_lazy("menu", "活动与互助")


@dataclass(frozen=True)
class NavItem:
    """A menu link, shown to `roles`, or, where the page has one, to whom its predicate
    `allowed(user)` admits: the same predicate the page's view is gated by."""

    label: str
    url_name: str
    roles: frozenset = frozenset()
    section: str = ""
    allowed: Callable[..., bool] | None = None

    def allows(self, user) -> bool:
        if self.allowed is not None:
            return self.allowed(user)
        return user.role in self.roles

    @property
    def url(self) -> str:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return ""


MENU = (
    NavItem(_("首页"), "home", EVERYONE),
    # Care: residents' requests, the hotline, matching and visits (services/).
    NavItem(pgettext_lazy("menu", "我的服务"), "services:my_requests", RESIDENT_SIDE, CARE),
    NavItem(pgettext_lazy("menu", "申请服务"), "services:request_new", RESIDENT_SIDE, CARE),
    NavItem(pgettext_lazy("menu", "热线受理"), "services:hotline", STAFF, CARE),
    NavItem(pgettext_lazy("menu", "服务需求"), "services:request_list", STAFF, CARE),
    NavItem(pgettext_lazy("menu", "需求匹配"), "matching:run", STAFF, CARE),
    NavItem(pgettext_lazy("menu", "匹配确认"), "matching:inbox", ORGANIZATION_STAFF, CARE),
    NavItem(
        pgettext_lazy("menu", "上门服务"), "services:visit_list", STAFF | ORGANIZATION_STAFF, CARE
    ),
    NavItem(pgettext_lazy("menu", "我的任务"), "services:my_visits", VISIT_WORKERS, CARE),
    NavItem(pgettext_lazy("menu", "核验复核"), "services:visit_review_list", VISIT_REVIEWERS, CARE),
    # Social work: ability assessments, case files and quality callbacks (casework/).
    NavItem(
        pgettext_lazy("menu", "待评估居民"),
        "casework:assessment_due",
        CASE_OVERSEERS | CASE_WORKERS,
        SOCIAL_WORK,
    ),
    NavItem(
        pgettext_lazy("menu", "个案"), "casework:cases", CASE_OVERSEERS | CASE_WORKERS, SOCIAL_WORK
    ),
    NavItem(pgettext_lazy("menu", "待回访"), "casework:callbacks", CASE_WORKERS, SOCIAL_WORK),
    NavItem(
        pgettext_lazy("menu", "回访结果"),
        "casework:callback_results",
        CASE_OVERSEERS | ORGANIZATION_STAFF,
        SOCIAL_WORK,
    ),
    # Organizations, communities, residents and the social-worker registry.
    NavItem(
        pgettext_lazy("menu", "组织审核"),
        "organizations:review_list",
        section=ORGANIZATIONS,
        allowed=organization_rules.may_view_review_list,
    ),
    NavItem(
        pgettext_lazy("menu", "本组织"),
        "organizations:workspace",
        section=ORGANIZATIONS,
        allowed=organization_rules.may_use_workspace,
    ),
    NavItem(
        pgettext_lazy("menu", "服务项目"),
        "offerings:list",
        section=ORGANIZATIONS,
        allowed=organization_rules.may_manage_offerings,
    ),
    NavItem(
        pgettext_lazy("menu", "入驻协议"),
        "organizations:agreement_list",
        section=ORGANIZATIONS,
        allowed=organization_rules.may_view_agreements,
    ),
    NavItem(
        pgettext_lazy("menu", "社区"),
        "indicators:community_list",
        section=ORGANIZATIONS,
        allowed=community_rules.may_view_communities,
    ),
    NavItem(
        pgettext_lazy("menu", "老年居民"),
        "communities:resident_list",
        section=ORGANIZATIONS,
        allowed=community_rules.may_view_resident,
    ),
    NavItem(
        pgettext_lazy("menu", "导入名册"),
        "activities:roster_import",
        section=ORGANIZATIONS,
        allowed=activity_rules.may_import_roster,
    ),
    NavItem(
        pgettext_lazy("menu", "社工与志愿者"),
        "socialworkers:list",
        section=ORGANIZATIONS,
        allowed=socialworker_rules.may_view_registry,
    ),
    # Monetary elderly care: allowances, accounts, monthly settlement.
    NavItem(pgettext_lazy("menu", "养老补贴"), "allowances:my_account", RESIDENT_SIDE, ALLOWANCES),
    NavItem(pgettext_lazy("menu", "补贴账户"), "allowances:account_list", STAFF, ALLOWANCES),
    NavItem(pgettext_lazy("menu", "补贴规则"), "allowances:rule_list", STAFF, ALLOWANCES),
    NavItem(
        pgettext_lazy("menu", "月度结算"),
        "allowances:statement_list",
        STAFF | ORGANIZATION_STAFF,
        ALLOWANCES,
    ),
    NavItem(pgettext_lazy("menu", "结算汇总"), "allowances:area_totals", CITY_STAFF, ALLOWANCES),
    # Government purchase of services (projects/).
    NavItem(
        pgettext_lazy("menu", "项目征集"),
        "projects:call_list",
        STAFF | ORGANIZATION_STAFF,
        PROJECTS,
    ),
    NavItem(
        pgettext_lazy("menu", "项目合同"),
        "projects:contract_list",
        STAFF | ORGANIZATION_STAFF,
        PROJECTS,
    ),
    NavItem(
        pgettext_lazy("menu", "组织孵化"),
        "projects:incubation_list",
        STAFF | ORGANIZATION_STAFF,
        PROJECTS,
    ),
    # Community activities, volunteering, the time bank and suggestions (activities/).
    NavItem(pgettext_lazy("menu", "社区活动"), "activities:list", PEOPLE, ACTIVITIES),
    NavItem(
        pgettext_lazy("menu", "志愿服务"),
        "activities:post_list",
        STAFF | FIELD_WORKERS,
        ACTIVITIES,
    ),
    NavItem(
        pgettext_lazy("menu", "时间银行"), "activities:time_bank", STAFF | RESIDENT_SIDE, ACTIVITIES
    ),
    NavItem(
        pgettext_lazy("menu", "建言献策"),
        "activities:suggestion_list",
        STAFF | ORGANIZATION_STAFF,
        ACTIVITIES,
    ),
    # Dashboards, exports and the audit trail.
    NavItem(
        pgettext_lazy("menu", "数据看板"),
        "dashboard:index",
        section=DATA,
        allowed=reporting_rules.may_view_dashboard,
    ),
    NavItem(
        pgettext_lazy("menu", "数据导出"),
        "exports:index",
        section=DATA,
        allowed=reporting_rules.may_export,
    ),
    NavItem(
        pgettext_lazy("menu", "审计记录"),
        "audit:list",
        section=DATA,
        allowed=reporting_rules.may_view_audit,
    ),
    # Notifications and reminders.
    NavItem(
        pgettext_lazy("menu", "通知"),
        "notifications:list",
        PEOPLE,
        NOTIFICATIONS,
    ),
    NavItem(
        pgettext_lazy("menu", "发送失败的提醒"),
        "notifications:failed_reminders",
        STAFF,
        NOTIFICATIONS,
    ),
    NavItem(
        pgettext_lazy("menu", "待电话通知"),
        "notifications:desk_calls",
        section=NOTIFICATIONS,
        allowed=notification_rules.may_view_desk_calls,
    ),
    NavItem(
        pgettext_lazy("menu", "提醒设置"),
        "notifications:reminder_policy",
        CITY_STAFF,
        NOTIFICATIONS,
    ),
)


@dataclass(frozen=True)
class NavSection:
    """A drop-down of menu items; a section without a label is a single plain link."""

    label: str
    items: tuple


def menu_for(user) -> list[NavItem]:
    items = [item for item in MENU if item.allows(user) and item.url]
    if user.is_superuser:
        items.append(NavItem(_("后台管理"), "admin:index", EVERYONE, DATA))
    return items


def menu_sections(items: list[NavItem]) -> list[NavSection]:
    """Fold a long menu into sections, in the order their first item appears."""
    if len(items) <= FLAT_MENU_MAX:
        return [NavSection("", (item,)) for item in items]
    sections: dict[str, list[NavItem]] = {}
    for item in items:
        sections.setdefault(str(item.section) if item.section else item.url_name, []).append(item)
    return [
        NavSection(str(group[0].section) if group[0].section else "", tuple(group))
        for group in sections.values()
    ]
