"""Social work on the dashboard: assessed ability levels per community, assessments due and
overdue, and per organization how many completed visits were called back and confirmed.

The figures are reporting.stats.stats_casework for the board's place, pilot batch and dates,
within the viewer's scope, the same as /api/v1/stats/casework/.
"""

from reporting.rules import may_view_dashboard
from reporting.stats import stats_casework


def section(user, board) -> dict | None:
    if not may_view_dashboard(user):
        return None
    figures = stats_casework(board.stats_filter)
    return {"template": "dashboard/sections/casework.html", "figures": figures}
