"""A raw column as a form asks it, and back: the one translation between the data's units and the form's.

The data keeps Kaggle's units (``DAYS_*``: negative days before the application; amounts with cents); the
what-if and new-application forms ask what people say (years, whole amounts, a level, "1"/"0" for a flag).
The registry's kind of each field decides the translation, so both views (and their tests) share it. Reading
what was typed in the UI language is the layouts' business (``layouts.whatif.raw_value``); this is pure domain.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from scoring import fields as registry
from scoring.derived import DAYS_PER_YEAR
from scoring.simulate import DURATION, terms_of


def years_twin(name: str) -> registry.Field | None:
    """The years feature computed from a ``DAYS_*`` column alone (DAYS_EMPLOYED -> YEARS_EMPLOYED), if any: the form
    asks the column under that feature's label and in its section."""
    return next((f for f in registry.FIELDS.values() if f.kind == "years" and f.sources == (name,)), None)


def to_form(name: str, value):
    """A raw value as the form shows it: days as years (one decimal), amounts whole, a flag as "1"/"0", a level as
    is; missing (or the column's sentinel, such as DAYS_EMPLOYED's 365243 for "not employed") as None."""
    record = registry.FIELDS[name]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if record.sentinel is not None and value == record.sentinel[0]:
        return None
    if record.categorical:
        return value
    if record.kind == "flag":
        return str(int(value))
    if record.kind == "days":
        return round(abs(float(value)) / DAYS_PER_YEAR, 1)
    if record.kind == "money":
        return int(round(float(value)))
    number = float(value)
    return int(number) if number.is_integer() else round(number, 4)


def to_raw(name: str, number: float) -> float:
    """A number read from the form in the column's raw unit: years back to negative days, anything else as is."""
    return -number * DAYS_PER_YEAR if registry.FIELDS[name].kind == "days" else number


def range_in_form(name: str, low: float, high: float) -> tuple[float, float]:
    """A raw range (the registry's or the product's) in the form's unit, low first (-36500 .. -6570 days is 18 .. 100
    years)."""
    if registry.FIELDS[name].kind == "days":
        return tuple(sorted((abs(float(low)) / DAYS_PER_YEAR, abs(float(high)) / DAYS_PER_YEAR)))
    return float(low), float(high)


def shown_value(name: str, values: Mapping[str, object]):
    """A client's value of form field ``name`` as the form first shows it; the credit duration (not a column) is
    that of the client's terms, in whole months."""
    if name == DURATION:
        months = terms_of(values).months
        return round(months) if months is not None else None
    return to_form(name, values.get(name))
