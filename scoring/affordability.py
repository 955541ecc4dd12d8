"""Affordability: a lender's rule on the share of income that goes to the instalment, and the product's bounds.

One reading of the money for the whole product: ``AMT_ANNUITY`` is the monthly instalment and
``AMT_INCOME_TOTAL`` is the client's income over the same month (see README, "Money", and
``scoring.money_evidence`` which computes the proof from the Home Credit files), so the effort rate is their
plain ratio. French practice caps it at 35 %; deployments configure their own cap (``MAX_EFFORT_RATE``).

The product's bounds (amount, duration, instalment) are never hand-set on one dataset: a deployment configures
them, or they are the data's own central percentiles (``product_bounds``), read from the artifact's portfolio.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

MAX_EFFORT_RATE = 0.35  # default cap (French practice, HCSF recommendation)
# The central share of the data the product offers: amounts, instalments and durations outside the
# 0.5th-99.5th percentiles of the portfolio are outside what the lender sells.
BOUND_PERCENTILES = (0.5, 99.5)
AMOUNT, INSTALMENT, MONTHS = "AMT_CREDIT", "AMT_ANNUITY", "CREDIT_DURATION_MONTHS"


def effort_rate(instalment: float | None, income: float | None) -> float | None:
    """Instalment / income over the same period; None when either is unknown or income is not positive."""
    if instalment is None or income is None:
        return None
    if math.isnan(instalment) or math.isnan(income) or income <= 0:
        return None
    return instalment / income


def max_instalment(income: float | None, max_rate: float = MAX_EFFORT_RATE) -> float | None:
    """The largest instalment the rule allows for this income (None when income is unknown)."""
    if income is None or math.isnan(income) or income <= 0:
        return None
    return income * max_rate


def affordable(instalment: float | None, income: float | None, max_rate: float = MAX_EFFORT_RATE) -> bool | None:
    """Whether the instalment keeps within the cap; None when it cannot be told."""
    rate = effort_rate(instalment, income)
    return None if rate is None else rate <= max_rate + 1e-12


@dataclass(frozen=True)
class Rules:
    """The lender's affordability rule and product bounds, as one deployment applies them."""

    max_effort_rate: float = MAX_EFFORT_RATE
    bounds: Mapping[str, tuple[float, float]] | None = None  # AMOUNT, INSTALMENT, MONTHS -> (low, high)

    def bound(self, name: str) -> tuple[float, float] | None:
        return None if self.bounds is None else self.bounds.get(name)

    def affordable(self, instalment: float | None, income: float | None) -> bool | None:
        return affordable(instalment, income, self.max_effort_rate)

    def max_instalment(self, income: float | None) -> float | None:
        return max_instalment(income, self.max_effort_rate)


def _round_outward(low: float, high: float, step: float) -> tuple[float, float]:
    return math.floor(low / step) * step, math.ceil(high / step) * step


def product_bounds(
    credit: np.ndarray,
    months: np.ndarray,
    payment: Callable[[float, float], float],
    percentiles: tuple[float, float] = BOUND_PERCENTILES,
    overrides: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, tuple[float, float]]:
    """Bounds of amount, duration and instalment: configured (``overrides``), else from the data.

    Amount and duration: the data's central percentiles (``months``: the durations implied by each cash loan),
    amounts rounded outward to 2 significant figures of their scale (a bound reads "56 000", not "56 008,53"),
    durations to whole months. Instalment: what those amounts and durations can give, from the smallest amount
    over the longest duration to the largest over the shortest (``payment(amount, months)``), so that the three
    bounds never contradict each other.
    """
    overrides = overrides or {}
    out: dict[str, tuple[float, float]] = {}
    for name, values in ((AMOUNT, credit), (MONTHS, months)):
        if name in overrides:
            out[name] = tuple(float(v) for v in overrides[name])
            continue
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values) & (values > 0)]
        if not len(values):
            continue
        low, high = (float(v) for v in np.percentile(values, percentiles))
        if name == MONTHS:
            out[name] = (float(max(1, math.floor(low))), float(math.ceil(high)))
        else:
            step = 10 ** max(0, math.floor(math.log10(max(low, 1))) - 1)
            out[name] = _round_outward(low, high, step)
    if INSTALMENT in overrides:
        out[INSTALMENT] = tuple(float(v) for v in overrides[INSTALMENT])
    elif AMOUNT in out and MONTHS in out:
        (amount_low, amount_high), (months_low, months_high) = out[AMOUNT], out[MONTHS]
        out[INSTALMENT] = (
            math.floor(payment(amount_low, months_high)),
            math.ceil(payment(amount_high, months_low)),
        )
    return out


def bounds_of_portfolio(
    raw: Callable[[str], np.ndarray],
    levels: Callable[[str], list[str]],
    duration: Callable[[float, float], float | None],
    payment: Callable[[float, float], float],
    overrides: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, tuple[float, float]]:
    """``product_bounds`` from an artifact's stored raw columns (``raw(name)``), durations of cash loans only."""
    credit, annuity = np.asarray(raw(AMOUNT), dtype=float), np.asarray(raw(INSTALMENT), dtype=float)
    contract = np.asarray(raw("NAME_CONTRACT_TYPE"))
    names = levels("NAME_CONTRACT_TYPE")
    cash = contract == (names.index("Cash loans") if "Cash loans" in names else -2)
    # A sample is enough for percentiles of durations (a Python call per loan): every k-th cash loan.
    rows = np.flatnonzero(cash & np.isfinite(credit) & np.isfinite(annuity))
    rows = rows[:: max(1, len(rows) // 20_000)]
    months = np.array([duration(float(credit[i]), float(annuity[i])) or np.nan for i in rows], dtype=float)
    return product_bounds(credit, months, payment, overrides=overrides)
