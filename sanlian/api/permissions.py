"""Who may use which part of the API. Row-level scope is NOT here: it is the
`*_visible_to(user)` query of each app, which every viewset's get_queryset uses."""

from rest_framework.permissions import BasePermission

from sanlian.roles import STATS_READERS, Role


class IsPortalUser(BasePermission):
    """Signed in, and not a dashboard client: dashboards see aggregates only."""

    message = "数据大屏客户端只能访问统计接口（/api/v1/stats/）。"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role != Role.DASHBOARD)


class IsStatsReader(BasePermission):
    """Government staff and dashboard clients read aggregate figures."""

    message = "只有政府工作人员和数据大屏客户端可以查看统计数据。"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role in STATS_READERS)


class IsCivilAffairs(BasePermission):
    message = "只有民政局工作人员可以管理数据大屏令牌。"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role == Role.CIVIL_AFFAIRS)
