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

# Notifications and reminders (services/urls_notifications.py).
MENU += (
    NavItem(_("通知"), "notifications:list", _ALL - {Role.DASHBOARD}),
    NavItem(_("发送失败的提醒"), "notifications:failed_reminders", _STAFF),
    NavItem(_("提醒设置"), "notifications:reminder_policy", frozenset({Role.CIVIL_AFFAIRS})),
)
