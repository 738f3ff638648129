"""sanlian/suppression.py: after it, no published equation has exactly one hidden member."""

import random

from sanlian.suppression import suppressed_cells


def _single_unknowns(groups, hidden) -> list:
    return [g for g in groups if sum(m in hidden for m in (g[0], *g[1])) == 1]


def test_a_small_cell_gets_the_smallest_sibling_as_complement():
    values = {"street": 19, "a": 2, "b": 6, "c": 11}
    hidden = suppressed_cells(values, [("street", ["a", "b", "c"])], threshold=5)
    assert hidden == {"a", "b"}


def test_without_a_nonzero_sibling_the_total_is_hidden_and_that_travels_up():
    values = {"city": 12, "s1": 3, "s2": 9, "a": 3, "z": 0, "b": 9}
    groups = [("city", ["s1", "s2"]), ("s1", ["a", "z"]), ("s2", ["b"])]
    hidden = suppressed_cells(values, groups, threshold=5)
    assert {"a", "s1"} <= hidden and _single_unknowns(groups, hidden) == []
    assert "z" not in hidden  # a zero points at no one


def test_random_tables_never_leave_one_unknown():
    rng = random.Random(19)
    for _ in range(200):
        leaves = {f"c{i}": rng.choice([0, 1, 2, 3, 4, 5, 8, 20]) for i in range(9)}
        streets = {f"s{j}": [f"c{i}" for i in range(j * 3, j * 3 + 3)] for j in range(3)}
        values = dict(leaves)
        values |= {s: sum(leaves[c] for c in kids) for s, kids in streets.items()}
        values["city"] = sum(values[s] for s in streets)
        groups = [*streets.items(), ("city", list(streets))]
        hidden = suppressed_cells(values, groups, threshold=5)
        assert _single_unknowns(groups, hidden) == []
        assert {c for c, v in values.items() if 0 < v < 5} <= hidden


def test_nothing_small_hides_nothing():
    values = dict(zip("abc", (0, 5, 7), strict=True)) | {"t": 12}
    assert suppressed_cells(values, [("t", list("abc"))], threshold=5) == set()
