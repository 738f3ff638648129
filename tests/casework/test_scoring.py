"""GB/T 42195-2022 scoring: totals, the five level bands, coma and the clause 6 adjustments.

The standard's own worked examples were not available; these are worked examples built
from its tables: each band's boundaries, and the adjustments at the top and bottom.
"""

import pytest

from casework.instruments import spec_from_data
from casework.scoring import InvalidAnswer, score
from tests.casework.conftest import answers_for_total

DATA_SPEC = spec_from_data()


def test_instrument_maximum_scores_per_indicator_total_90():
    maxima = {
        name: sum(max(opts.values()) for opts in items.values())
        for name, items in DATA_SPEC.indicators.items()
    }
    assert maxima == {"自理能力": 32, "基础运动能力": 15, "精神状态": 28, "感知觉与社会参与": 15}
    assert len(DATA_SPEC.item_codes) == 26


@pytest.mark.parametrize(
    ("total", "rank", "name", "care_level"),
    [
        (90, 0, "能力完好", "self_reliant"),
        (89, 1, "能力轻度受损（轻度失能）", "semi_dependent"),
        (66, 1, "能力轻度受损（轻度失能）", "semi_dependent"),
        (65, 2, "能力中度受损（中度失能）", "semi_dependent"),
        (46, 2, "能力中度受损（中度失能）", "semi_dependent"),
        (45, 3, "能力重度受损（重度失能）", "dependent"),
        (30, 3, "能力重度受损（重度失能）", "dependent"),
        (29, 4, "能力完全丧失（完全失能）", "dependent"),
        (0, 4, "能力完全丧失（完全失能）", "dependent"),
    ],
)
def test_score_band_boundaries(total, rank, name, care_level):
    result = score(DATA_SPEC, answers_for_total(DATA_SPEC, total))
    assert (result.total, result.rank, result.band.name) == (total, rank, name)
    assert result.band.care_level == care_level


def test_score_worked_example_subtotals():
    # A resident who needs help bathing (2) and on stairs (1), forgets recent events (2),
    # and hears poorly (1); everything else at its best: 90 - 2 - 2 - 2 - 1 = 83.
    answers = answers_for_total(DATA_SPEC, 90)
    answers.update({"B.1.3": "2", "B.2.4": "1", "B.3.4": "2", "B.4.2": "1"})
    result = score(DATA_SPEC, answers)
    assert result.subtotals == {
        "自理能力": 30,
        "基础运动能力": 13,
        "精神状态": 26,
        "感知觉与社会参与": 14,
    }
    assert (result.total, result.rank) == (83, 1)


def test_score_adjustment_raises_one_level_even_if_several():
    answers = answers_for_total(DATA_SPEC, 70)
    assert score(DATA_SPEC, answers, ["dementia"]).rank == 2
    assert score(DATA_SPEC, answers, ["dementia", "risk_events"]).rank == 2
    assert score(DATA_SPEC, answers, ["dementia"]).preliminary_rank == 1


def test_score_adjustment_never_beyond_complete_loss():
    assert score(DATA_SPEC, answers_for_total(DATA_SPEC, 10), ["risk_events"]).rank == 4


def test_score_coma_decides_the_level_alone():
    answers = answers_for_total(DATA_SPEC, 90)
    answers["B.3.9"] = "coma"
    result = score(DATA_SPEC, answers)
    assert (result.total, result.rank) == (88, 4)


def test_score_partial_has_subtotals_but_no_level():
    result = score(DATA_SPEC, {"B.1.1": "4", "B.2.4": "3"})
    assert result.total == 7 and not result.complete and result.rank is None
    assert len(result.missing) == 24


def test_score_refuses_unknown_item_option_or_adjustment():
    with pytest.raises(InvalidAnswer):
        score(DATA_SPEC, {"B.1.1": "9"})
    with pytest.raises(InvalidAnswer):
        score(DATA_SPEC, {"Z.9": "1"})
    with pytest.raises(InvalidAnswer):
        score(DATA_SPEC, {}, ["lonely"])


def test_stored_instrument_scores_like_the_data_file(spec):
    assert spec.indicators == DATA_SPEC.indicators
    assert spec.bands == DATA_SPEC.bands and spec.overrides == DATA_SPEC.overrides
