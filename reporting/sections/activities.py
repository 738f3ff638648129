"""The dashboard's activities section: activities held, attendances, volunteer and mutual-help
hours, venue use and suggestions for the board's place, scope and dates (reporting.stats)."""

from reporting.rules import may_view_dashboard
from reporting.stats import stats_activities


def section(user, board) -> dict | None:
    if not may_view_dashboard(user):
        return None
    figures = stats_activities(board.stats_filter)
    return {
        "template": "dashboard/sections/activities.html",
        "total": figures["total"],
        # One row per community below a community board; the board's own row is the total.
        "results": figures["results"] if board.level != "community" else [],
    }
