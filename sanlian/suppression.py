"""Complementary suppression: small cells stay hidden even from someone who subtracts.

Hiding a cell of 1-4 is not enough when its total is published: a street's total
minus its communities' shown figures gives the hidden one back. Every published
total is an equation `total = part + part + ...`; one hidden cell among its members
is one unknown, and one equation solves one unknown. `suppressed_cells` hides, besides
the small cells themselves, enough further cells that every such equation has either
no hidden member or at least two. It is the classic cell-suppression heuristic (smallest
cost first, repeated to a fixed point), not an optimal one; it defeats single
subtractions, which is what the published tables allow.
"""

from collections.abc import Hashable, Iterable

Cell = Hashable
Group = tuple[Cell, list[Cell]]  # (total, parts): the total equals the sum of the parts


def suppressed_cells(
    values: dict[Cell, int], groups: Iterable[Group], *, threshold: int
) -> set[Cell]:
    """The cells to hide: those between 1 and threshold - 1, and their complements."""
    groups = list(groups)
    hidden = {cell for cell, value in values.items() if 0 < value < threshold}
    changed = True
    while changed:
        changed = False
        for total, parts in groups:
            members = [total, *parts]
            if sum(member in hidden for member in members) != 1:
                continue
            complement = _complement(values, total, parts, hidden)
            if complement is not None:
                hidden.add(complement)
                changed = True
    return hidden


def _complement(values, total, parts, hidden) -> Cell | None:
    """The cheapest cell to hide beside the hidden one: the smallest shown part that is not
    zero (hiding a zero beside a small cell would leave their small sum), else the total."""
    shown = [part for part in parts if part not in hidden]
    nonzero = sorted((p for p in shown if values.get(p, 0) > 0), key=lambda p: (values[p], str(p)))
    if nonzero:
        return nonzero[0]
    if total not in hidden:
        return total
    zeros = sorted(shown, key=str)
    return zeros[0] if zeros else None
