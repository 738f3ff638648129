"""Building the scoring spec from the stored instrument, and loading instrument data."""

from casework import instrument_data
from casework.models import Adjustment, Indicator, Instrument, Item, Level, Option
from casework.scoring import Band, Spec


def instrument_current() -> Instrument | None:
    return Instrument.objects.filter(active=True).order_by("-version").first()


def spec_of(instrument: Instrument) -> Spec:
    indicators = {}
    for indicator in instrument.indicators.prefetch_related("items__options"):
        indicators[indicator.name] = {
            item.code: {o.code: o.score for o in item.options.all()}
            for item in indicator.items.all()
        }
    bands = tuple(
        Band(lv.rank, lv.name, lv.min_total, lv.max_total, lv.care_level)
        for lv in instrument.levels.all()
    )
    adjustments = frozenset(instrument.adjustments.values_list("code", flat=True))
    return Spec(indicators, bands, dict(instrument.overrides), adjustments)


def spec_from_data(data=instrument_data) -> Spec:
    """The same spec straight from the data file (tests, and checking a new version)."""
    indicators = {
        ind["name"]: {code: _option_scores(options) for code, _name, options in ind["items"]}
        for ind in data.INDICATORS
    }
    bands = tuple(Band(r, name, lo, hi, care) for r, _c, name, lo, hi, care in data.LEVELS)
    adjustments = frozenset(code for code, _label in data.ADJUSTMENTS)
    return Spec(indicators, bands, dict(data.OVERRIDES), adjustments)


def option_code(option: tuple) -> str:
    # An option's code is its score, unless it names itself (coma scores 0 like stupor).
    return option[2] if len(option) > 2 else str(option[0])


def _option_scores(options) -> dict[str, int]:
    return {option_code(o): o[0] for o in options}


def instrument_load(*, models=None, data=instrument_data) -> Instrument:
    """Store `data` as a new instrument; `models` are the migration's historical models."""
    m = models or {
        "Instrument": Instrument,
        "Indicator": Indicator,
        "Item": Item,
        "Option": Option,
        "Level": Level,
        "Adjustment": Adjustment,
    }
    instrument = m["Instrument"].objects.create(
        code=data.CODE, version=data.VERSION, title=data.TITLE, overrides=data.OVERRIDES
    )
    for i, ind in enumerate(data.INDICATORS):
        indicator = m["Indicator"].objects.create(
            instrument=instrument, code=ind["code"], name=ind["name"], position=i
        )
        for j, (code, name, options) in enumerate(ind["items"]):
            item = m["Item"].objects.create(indicator=indicator, code=code, name=name, position=j)
            m["Option"].objects.bulk_create(
                m["Option"](item=item, code=option_code(o), label=o[1], score=o[0], position=k)
                for k, o in enumerate(options)
            )
    for rank, code, name, lo, hi, care in data.LEVELS:
        m["Level"].objects.create(
            instrument=instrument,
            rank=rank,
            code=code,
            name=name,
            min_total=lo,
            max_total=hi,
            care_level=care,
        )
    for k, (code, label) in enumerate(data.ADJUSTMENTS):
        m["Adjustment"].objects.create(instrument=instrument, code=code, label=label, position=k)
    return instrument
