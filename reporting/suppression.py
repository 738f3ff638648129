"""Which cells of one period's counts to hide: the decision, as a plain function of counts.

The complementary suppression of sanlian/suppression.py applied to the tree of
communities, streets, districts and the city, for every metric at once. Pure: counts and
the map of communities in, cells out. The rollup refresh stores each week's decision
(reporting/rollups.py, SuppressedCell); the raw reference and the monthly allowance
figures decide here on the fly. Both see exactly the same function of the same counts.
"""

from sanlian.suppression import suppressed_cells
from services.models import Visit

THRESHOLD = 5
TREE = ("community", "street", "district", "city")


def status_metric(family: str, status: str) -> str:
    # A completed visit is the "visits completed" figure itself: one cell, not two.
    return (
        "visits" if (family, status) == ("visits", Visit.Status.COMPLETED) else f"{family}:{status}"
    )


def add(periods: dict, period, metric: str, community: int, n: int) -> None:
    by_metric = periods.setdefault(period, {}).setdefault(metric, {})
    by_metric[community] = by_metric.get(community, 0) + n


def weekly_metrics(sums: dict) -> dict:
    """{Monday: {metric: {community: n}}} from rollups.weekly_by_community's column sums."""
    weeks: dict = {}
    for week, columns in sums.items():
        for column, by_community in columns.items():
            family, _sep, status = column.partition("_")
            metric = column if not status else status_metric(family, status)
            for community, n in by_community.items():
                add(weeks, week, metric, community, n)
                if family == "requests":
                    add(weeks, week, "requests", community, n)
    return weeks


def tree(counts: dict[str, dict], parents: dict, *, status_families=("requests",)) -> dict:
    """The cells to hide in one period: {"hidden": cells, "below": cells with a hidden
    descendant}; a cell is (metric, level, id). Communities with nothing counted are left
    out: a zero is shown anyway and complements are chosen among non-zero cells.

    Metrics and communities are taken in sorted order, so the decision is a function of the
    counts alone, not of the order a query happened to return them in.
    """
    small = (0 < n < THRESHOLD for by_community in counts.values() for n in by_community.values())
    if not any(small):
        # Nothing small anywhere: an area's count is small only if a community's is.
        return {"hidden": set(), "below": set()}
    counts = dict(sorted(counts.items()))
    present = {c for by_community in counts.values() for c, n in by_community.items() if n}
    values, groups = {}, []
    children: dict[tuple, list[tuple]] = {}
    for community in sorted(present):
        street, district = parents[community]
        for child, parent in (
            (("community", community), ("street", street)),
            (("street", street), ("district", district)),
            (("district", district), ("city", None)),
        ):
            siblings = children.setdefault(parent, [])
            if child not in siblings:
                siblings.append(child)
    for metric, by_community in counts.items():
        for community in sorted(present):
            values[(metric, "community", community)] = by_community.get(community, 0)
        for level in TREE[1:]:
            for parent, kids in children.items():
                if parent[0] == level:
                    values[(metric, *parent)] = sum(values[(metric, *kid)] for kid in kids)
        groups += [
            ((metric, *parent), [(metric, *kid) for kid in kids])
            for parent, kids in children.items()
        ]
    nodes = sorted({cell[1:] for cell in values}, key=str)
    for family in status_families:
        statuses = [m for m in counts if m.startswith(f"{family}:")]
        if statuses:
            groups += [((family, *node), [(m, *node) for m in statuses]) for node in nodes]
    hidden = suppressed_cells(values, groups, threshold=THRESHOLD)
    below = set(hidden)  # a node "has something hidden" when it or a descendant is hidden
    for metric, *leaf in list(hidden):
        if leaf[0] == "community":
            street, district = parents[leaf[1]]
            below |= {
                (metric, "street", street),
                (metric, "district", district),
                (metric, "city", None),
            }
    return {"hidden": hidden, "below": below}
