"""Number and value formatting for each UI language (pure functions)."""

from __future__ import annotations

import math

from layouts.i18n import level, normalise_language, t
from scoring.schema import COLUMN_INFO, DAYS_EMPLOYED_SENTINEL

NBSP = "\u202f"  # narrow no-break space: French thousands separator and before % and €


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float, decimals: int = 0, lang: str = "fr") -> str:
    text = f"{value:,.{decimals}f}"
    if normalise_language(lang) == "fr":
        text = text.replace(",", NBSP).replace(".", ",")
    return text


def percent(value: float, decimals: int = 1, lang: str = "fr") -> str:
    """A probability (0-1) as a percentage."""
    space = NBSP if normalise_language(lang) == "fr" else ""
    return f"{number(100 * value, decimals, lang)}{space}%"


def points(value: float, lang: str = "fr") -> str:
    """A difference of probabilities in percentage points, unsigned."""
    return number(abs(100 * value), 1, lang)


def euros(value: float, lang: str = "fr") -> str:
    return f"{number(value, 0, lang)}{NBSP}€" if normalise_language(lang) == "fr" else f"€{number(value, 0, lang)}"


def signed(value: float, decimals: int = 2, lang: str = "fr") -> str:
    sign = "+" if value >= 0 else "−"
    return f"{sign}{number(abs(value), decimals, lang)}"


def years(value: float, lang: str = "fr") -> str:
    return t("unit.years", lang, value=number(value, 1 if value < 10 else 0, lang))


def display_value(column: str, value, lang: str = "fr") -> str:
    """A raw Kaggle column value as an advisor reads it ("450 000 €", "42 ans", "Oui")."""
    if is_missing(value):
        return t("value.missing", lang)
    if isinstance(value, str):
        return level(column, value, lang)
    unit = COLUMN_INFO[column].unit if column in COLUMN_INFO else ""
    if unit == "eur":
        return euros(value, lang)
    if unit == "days":
        if column == "DAYS_EMPLOYED" and value == DAYS_EMPLOYED_SENTINEL:
            return t("value.not_employed", lang)
        return years(abs(value) / 365.25, lang)
    if unit == "years":
        return years(value, lang)
    if unit == "flag":
        return t("value.yes" if value else "value.no", lang)
    if unit == "score":
        return number(value, 3, lang)
    if float(value).is_integer():
        return number(value, 0, lang)
    return number(value, 2, lang)


# How model features are shown (feature name -> unit); features absent here are shown as plain numbers.
FEATURE_UNITS = {
    "AGE_YEARS": "years",
    "YEARS_EMPLOYED": "years",
    "YEARS_REGISTRATION": "years",
    "YEARS_ID_PUBLISH": "years",
    "YEARS_LAST_PHONE_CHANGE": "years",
    "OWN_CAR_AGE": "years",
    "AMT_INCOME_TOTAL": "eur",
    "AMT_CREDIT": "eur",
    "AMT_ANNUITY": "eur",
    "AMT_GOODS_PRICE": "eur",
    "INCOME_PER_PERSON": "eur",
    "ANNUITY_INCOME_RATIO": "pct",
    "PAYMENT_RATE": "pct",
    "EMPLOYED_AGE_RATIO": "pct",
    "CREDIT_INCOME_RATIO": "ratio",
    "CREDIT_GOODS_RATIO": "ratio",
    "EXT_SOURCE_1": "score",
    "EXT_SOURCE_2": "score",
    "EXT_SOURCE_3": "score",
    "EXT_SOURCE_MEAN": "score",
    "EXT_SOURCE_MIN": "score",
    "EXT_SOURCE_PROD": "score",
    "REGION_POPULATION_RELATIVE": "score",
    "TOTALAREA_MODE": "score",
    "NOT_EMPLOYED": "flag",
    "FLAG_DOCUMENT_3": "flag",
    "FLAG_WORK_PHONE": "flag",
    "REG_CITY_NOT_WORK_CITY": "flag",
    "PROBABILITY": "pct",
}


def feature_value(name: str, value, lang: str = "fr") -> str:
    """A model feature value (already in business units: years, euros, ratios)."""
    if is_missing(value):
        return t("value.missing", lang)
    unit = FEATURE_UNITS.get(name, "")
    if unit == "years":
        return years(value, lang)
    if unit == "eur":
        return euros(value, lang)
    if unit == "pct":
        return percent(value, 1, lang)
    if unit == "ratio":
        return number(value, 2, lang)
    if unit == "score":
        return number(value, 3, lang)
    if unit == "flag":
        return t("value.yes" if value else "value.no", lang)
    return number(value, 0 if float(value).is_integer() else 2, lang)
