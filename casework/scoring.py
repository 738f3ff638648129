"""Scoring an ability assessment: a pure function over (instrument, answers), no ORM.

GB/T 42195-2022 clause 6: the total of the four first-level indicators gives the
preliminary level from the level bands; an overriding option (coma) decides the level
alone; each adjustment found (dementia, mental disorder, 2+ risk events in 30 days)
raises the preliminary level by one. The standard counts adjustments as "any one of",
so several together still raise one level.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Band:
    rank: int
    name: str
    min_total: int
    max_total: int
    care_level: str


@dataclass(frozen=True)
class Spec:
    # {indicator name: {item code: {option code: score}}}
    indicators: dict[str, dict[str, dict[str, int]]]
    bands: tuple[Band, ...]
    overrides: dict[str, int] = field(default_factory=dict)
    adjustments: frozenset[str] = frozenset()

    @property
    def item_codes(self) -> list[str]:
        return [code for items in self.indicators.values() for code in items]


@dataclass(frozen=True)
class Result:
    subtotals: dict[str, int]
    total: int
    missing: tuple[str, ...]
    preliminary_rank: int | None
    rank: int | None
    band: Band | None

    @property
    def complete(self) -> bool:
        return not self.missing


class InvalidAnswer(ValueError):
    pass


def _check(spec: Spec, answers: dict[str, str], adjustments) -> None:
    options = {code: opts for items in spec.indicators.values() for code, opts in items.items()}
    for item, option in answers.items():
        if item not in options or option not in options[item]:
            raise InvalidAnswer(f"{item}={option}")
    unknown = set(adjustments) - set(spec.adjustments)
    if unknown:
        raise InvalidAnswer(", ".join(sorted(unknown)))


def band_for_total(spec: Spec, total: int) -> Band:
    for band in spec.bands:
        if band.min_total <= total <= band.max_total:
            return band
    raise InvalidAnswer(f"total {total} lies in no band")


def score(spec: Spec, answers: dict[str, str], adjustments=()) -> Result:
    """Subtotals and total of what is answered; the level only once every item is."""
    _check(spec, answers, adjustments)
    subtotals = {
        name: sum(items[code][answers[code]] for code in items if code in answers)
        for name, items in spec.indicators.items()
    }
    total = sum(subtotals.values())
    missing = tuple(code for code in spec.item_codes if code not in answers)
    if missing:
        return Result(subtotals, total, missing, None, None, None)
    preliminary = band_for_total(spec, total).rank
    rank = min(preliminary + (1 if adjustments else 0), max(b.rank for b in spec.bands))
    forced = [spec.overrides[o] for o in answers.values() if o in spec.overrides]
    if forced:
        rank = max(forced)
    band = next(b for b in spec.bands if b.rank == rank)
    return Result(subtotals, total, (), preliminary, rank, band)
