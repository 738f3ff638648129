"""Who may open the reporting pages; their views and the menu read these predicates."""

from reporting.exports import KINDS_BY_ROLE
from sanlian.roles import STAFF, SUPERVISORS, role_of


def may_view_dashboard(user) -> bool:
    """Staff, each for their own area (reporting/dashboards.py scopes the figures)."""
    return role_of(user) in STAFF


def may_export(user) -> bool:
    """Whoever has at least one export kind (reporting/exports.py: KINDS_BY_ROLE)."""
    return role_of(user) in KINDS_BY_ROLE


def may_view_audit(user) -> bool:
    """Civil affairs city-wide, street staff for their streets (reporting/audit_queries.py)."""
    return role_of(user) in SUPERVISORS
