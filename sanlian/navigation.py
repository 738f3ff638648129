"""The navigation menu of each role; apps add their pages here as they grow."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from sanlian.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset

    @property
    def url(self) -> str:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return ""


_STAFF = frozenset({Role.CIVIL_AFFAIRS, Role.STREET_STAFF, Role.COMMUNITY_STAFF})
_ALL = frozenset(Role)

MENU = (NavItem(_("首页"), "home", _ALL),)


def menu_for(user) -> list[NavItem]:
    items = [item for item in MENU if user.role in item.roles and item.url]
    if user.is_superuser:
        items.append(NavItem(_("后台管理"), "admin:index", _ALL))
    return items


# Residents, hotline and visits (services/urls.py).
MENU += (
    NavItem(_("我的服务"), "services:my_requests", frozenset({Role.RESIDENT, Role.FAMILY})),
    NavItem(_("申请服务"), "services:request_new", frozenset({Role.RESIDENT, Role.FAMILY})),
    NavItem(_("热线受理"), "services:hotline", _STAFF),
    NavItem(_("服务需求"), "services:request_list", _STAFF),
    NavItem(_("上门服务"), "services:visit_list", _STAFF | {Role.ORGANIZATION}),
    NavItem(
        _("我的任务"),
        "services:my_visits",
        frozenset({Role.SOCIAL_WORKER, Role.VOLUNTEER, Role.ORGANIZATION}),
    ),
)

# Notifications and reminders (services/urls_notifications.py).
MENU += (
    NavItem(_("通知"), "notifications:list", _ALL - {Role.DASHBOARD}),
    NavItem(_("发送失败的提醒"), "notifications:failed_reminders", _STAFF),
    NavItem(_("提醒设置"), "notifications:reminder_policy", frozenset({Role.CIVIL_AFFAIRS})),
)

MENU += (
    NavItem(_("需求匹配"), "matching:run", _STAFF),
    NavItem(_("匹配确认"), "matching:inbox", frozenset({Role.ORGANIZATION})),
)

# Organizations, communities and the social-worker registry (organizations/, communities/,
# socialworkers/).
MENU += (
    NavItem(
        _("组织审核"),
        "organizations:review_list",
        frozenset({Role.CIVIL_AFFAIRS, Role.STREET_STAFF}),
    ),
    NavItem(_("社区"), "communities:list", _STAFF),
    NavItem(_("社工与志愿者"), "socialworkers:list", _STAFF),
    NavItem(_("本组织"), "organizations:workspace", frozenset({Role.ORGANIZATION})),
    NavItem(_("服务项目"), "organizations:offering_list", frozenset({Role.ORGANIZATION})),
    NavItem(_("入驻协议"), "organizations:agreement_list", _STAFF | {Role.ORGANIZATION}),
)

# Monetary elderly care: allowances, accounts, monthly settlement (services/urls_allowances.py).
MENU += (
    NavItem(_("养老补贴"), "allowances:my_account", frozenset({Role.RESIDENT, Role.FAMILY})),
    NavItem(_("补贴账户"), "allowances:account_list", _STAFF),
    NavItem(_("补贴规则"), "allowances:rule_list", _STAFF),
    NavItem(_("月度结算"), "allowances:statement_list", _STAFF | {Role.ORGANIZATION}),
    NavItem(_("结算汇总"), "allowances:area_totals", frozenset({Role.CIVIL_AFFAIRS})),
)

# Residents' personal data and audit pages (communities/views_privacy.py, sanlian/views_audit.py).
MENU += (
    NavItem(_("老年居民"), "communities:resident_list", _STAFF),
    NavItem(_("审计记录"), "audit:list", frozenset({Role.CIVIL_AFFAIRS, Role.STREET_STAFF})),
)

# Dashboards of the pilot's indicators and exports (sanlian/urls_dashboard.py).
MENU += (
    NavItem(_("数据看板"), "dashboard:index", _STAFF),
    NavItem(_("数据导出"), "exports:index", _STAFF | {Role.ORGANIZATION}),
)
