"""Any field value as an advisor reads it ("450 000 €", "42 ans", "Oui"), by the registry's kind (pure).

Amounts are shown in the currency the deployment says its data is in (``CURRENCY``, an ISO 4217 code, CLDR
formatting: "15 000 €", "€15,000"); without it they are plain numbers in the data's own unit, and where a unit
must be named the page says "dataset units". The Home Credit files are not in euros (README, "Money").
"""

from __future__ import annotations

import math
import os
from decimal import Decimal

from babel.numbers import get_currency_name

from layouts.i18n import Language, language
from scoring.derived import DAYS_PER_YEAR
from scoring.fields import FIELDS

CURRENCY_VARIABLE = "CURRENCY"


def check_currency(code: str) -> str:
    """The setting as given ("" or a currency CLDR knows, upper case); ValueError with one line otherwise."""
    code = code.strip().upper()
    if code and (len(code) != 3 or get_currency_name(code, locale="en") == code):
        raise ValueError(f"{CURRENCY_VARIABLE} must be an ISO 4217 currency code such as EUR, or empty, not {code!r}")
    return code


def currency() -> str:
    """The deployment's currency ("" = the data's own unit). Read from the environment, the same in every worker;
    ``app.config`` validated it at startup."""
    try:
        return check_currency(os.environ.get(CURRENCY_VARIABLE, ""))
    except ValueError:
        return ""


def money(value: float, lang: str) -> str:
    """An amount: "15 000 €" with a configured currency, "15 000" in the data's own unit."""
    return language(lang).money(value, currency())


def money_unit(lang: str) -> str:
    """What amounts are counted in, for a label or an axis title: "€" or "dataset units"."""
    tr = language(lang)
    code = currency()
    if not code:
        return tr._("dataset units")
    return tr.locale.currency_symbols.get(code, code)


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def plural_count(value: float, decimals: int, lang: str) -> int:
    """The count to give ``ngettext`` for a number shown with ``decimals`` decimals: 1 when the language's CLDR
    rule says "one" for it as shown ("0,1 an", "1,2 point" in French; "1 year" but "1.0 years" in English)."""
    shown = Decimal(f"{abs(value):.{decimals}f}")
    return 1 if language(lang).locale.plural_form(shown) == "one" else 2


def years(value: float, lang: str) -> str:
    tr = language(lang)
    decimals = 1 if abs(value) < 10 and not float(value).is_integer() else 0
    shown = tr.number(value, decimals)
    return tr.ngettext("{value} year", "{value} years", plural_count(value, decimals, lang), value=shown)


def signed(value: float, decimals: int, lang: str) -> str:
    """A signed number with a true minus sign (U+2212), as a reader expects."""
    sign = "+" if value >= 0 else "\u2212"
    return sign + language(lang).number(abs(value), decimals)


def points(value: float, lang: str) -> str:
    """A difference of probabilities in percentage points, unsigned, without its unit."""
    return language(lang).number(abs(100 * value), 1)


def points_text(value: float, lang: str, *, sign: bool = False) -> str:
    """A difference of probabilities with its unit and the right plural: "1,2 point", "+5,1 points"."""
    tr = language(lang)
    shown = signed(100 * value, 1, lang) if sign else tr.number(abs(100 * value), 1)
    return tr.ngettext("{value} point", "{value} points", plural_count(100 * value, 1, lang), value=shown)


def value_text(name: str, value, lang: str) -> str:
    """A registry field's value (raw column or model feature) in the language's words and CLDR format."""
    tr: Language = language(lang)
    if is_missing(value):
        return tr._("Not provided")
    field = FIELDS[name]
    if field.sentinel is not None and not isinstance(value, str) and value == field.sentinel[0]:
        return tr.label(field.sentinel[1])
    if isinstance(value, str):
        return tr.category(name, value)
    kind = field.kind
    if kind == "money":
        return money(value, lang)
    if kind == "days":
        return years(abs(value) / DAYS_PER_YEAR, lang)
    if kind == "years":
        return years(value, lang)
    if kind == "percent":
        return tr.percent(value, 1)
    if kind == "ratio":
        return tr.number(value, 2)
    if kind in ("score", "normalised"):
        return tr.number(value, 3)
    if kind in ("flag", "target"):
        return tr._("Yes") if value else tr._("No")
    return tr.number(value, 0 if float(value).is_integer() else 2)


def axis_unit(name: str, lang: str) -> str:
    """What an axis of this field is measured in, for its title ("" when it has no unit)."""
    tr = language(lang)
    units = {"percent": "%", "years": tr._("years"), "days": tr._("years")}
    return money_unit(lang) if FIELDS[name].kind == "money" else units.get(FIELDS[name].kind, "")


def axis_scale(name: str) -> float:
    """Percentages are drawn in %, other kinds as they are."""
    return 100.0 if FIELDS[name].kind == "percent" else 1.0
