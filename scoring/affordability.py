"""Affordability: a lender's rule on the share of income that goes to the instalment.

One reading of the money for the whole product: ``AMT_ANNUITY`` is the monthly instalment and
``AMT_INCOME_TOTAL`` is the client's income over the same month (see README, "Money"), so the effort
rate is their plain ratio. French practice caps it at 35 %; deployments configure their own cap.
"""

from __future__ import annotations

import math

MAX_EFFORT_RATE = 0.35  # default cap (French practice, HCSF recommendation)


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
