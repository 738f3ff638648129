"""Dashboard section of government purchase of services and cultivation (projects/): per
district of the board's place, the five categories of organizations against the bureau's
targets, incubated and graduated counts, funds committed and paid, and each contract's cost
per verified visit. The same figures as /api/v1/stats/projects/ for the same filter."""

from reporting.rules import may_view_dashboard
from reporting.stats import stats_projects


def section(user, board) -> dict | None:
    if not may_view_dashboard(user):
        return None
    figures = stats_projects(board.stats_filter)
    return {"template": "dashboard/sections/projects.html", "figures": figures}
