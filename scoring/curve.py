"""Risk curves of one application: the probability of default as the credit amount varies (duration kept) and as
the duration varies (amount kept), every other value the client's own.

The what-if's path, point by point: each variant is built by ``simulate.apply_changes`` (the instalment follows
by the repayment formula) and scored by ``Simulator.probabilities``; the variants of both curves go to the
Booster in one call. A variant the terms cannot hold (an instalment outside the plausible range) is left out.

Affordability is the lender's rule of ``scoring.affordability``: the instalment may take at most ``max_rate`` of
the income. Along the amount curve the instalment is proportional to the amount, so the limit is one amount;
along the duration curve it falls as the duration grows, so the limit is a shortest duration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring import fields as registry
from scoring.advice import MAX_MONTHS, MIN_AMOUNT_SHARE
from scoring.affordability import affordable, max_instalment
from scoring.simulate import (
    CASH,
    CONTRACT,
    CREDIT,
    DURATION,
    Application,
    Bounds,
    InvalidChanges,
    Simulator,
    apply_changes,
    implied_duration,
    terms_of,
)

AMOUNT_POINTS = 41  # the amount axis, from MIN_AMOUNT_SHARE to MAX_AMOUNT_SHARE of the request
MAX_AMOUNT_SHARE = 2.0
MONTHS_STEP = 3  # the duration axis, every quarter from the registry's shortest duration to MAX_MONTHS


@dataclass(frozen=True)
class Point:
    value: float  # amount, or months
    probability: float
    decision: str
    in_grey_zone: bool
    annuity: float | None
    affordable: bool | None  # None: the income is unknown


@dataclass(frozen=True)
class Curve:
    kind: str  # "amount" or "duration"
    points: tuple[Point, ...]
    current: float  # the client's own amount or duration
    # Amount above which (kind "amount") or duration below which (kind "duration") the instalment breaks the cap.
    # None: the income is unknown; inf (duration) when no duration keeps within the cap.
    limit: float | None

    def granted(self) -> list[Point]:
        return [p for p in self.points if p.decision != "refused"]


@dataclass(frozen=True)
class Curves:
    client_id: int | None
    probability: float
    threshold: float
    grey_zone: tuple[float, float]
    max_rate: float
    max_instalment: float | None
    income: float | None
    amount: Curve | None  # None when the application has no amount
    duration: Curve | None  # None for a revolving credit (no fixed duration)


def _limits(name: str, bounds: Bounds) -> tuple[float, float]:
    """The product's bounds for ``name`` where the deployment or the data set them, else the registry's range."""
    return tuple((bounds or {}).get(name, registry.FIELDS[name].range))


def amount_grid(credit: float, bounds: Bounds = None) -> list[float]:
    """Whole amounts around the request (the request itself included), within the product's bounds: the what-if
    refuses any other amount, so a point outside them could not be simulated from the curve."""
    low, high = _limits(CREDIT, bounds)
    start, stop = max(low, MIN_AMOUNT_SHARE * credit), min(high, MAX_AMOUNT_SHARE * credit)
    grid = {float(round(a)) for a in np.linspace(start, stop, AMOUNT_POINTS)} | {float(credit)}
    return sorted(grid)


def months_grid(months: float, bounds: Bounds = None) -> list[float]:
    low, high = _limits(DURATION, bounds)
    top = min(high, max(MAX_MONTHS, months))
    return sorted({float(m) for m in range(int(low), int(top) + 1, MONTHS_STEP)} | {float(months)})


def _variants(base: Application, changes: list[dict], bounds: Bounds) -> tuple[list[dict], list[int]]:
    rows, kept = [], []
    for i, change in enumerate(changes):
        try:
            rows.append(apply_changes(base.values, change, bounds))
        except InvalidChanges:
            continue
        kept.append(i)
    return rows, kept


def curves(simulator: Simulator, base: Application, max_rate: float) -> Curves:
    """Both curves of ``base`` (one Booster call for all their points) with the affordability limit."""
    terms = terms_of(base.values)
    income = base.values.get("AMT_INCOME_TOTAL")
    income = None if income is None or isinstance(income, str) or np.isnan(float(income)) else float(income)
    cap = max_instalment(income, max_rate)
    bounds = simulator.rules.bounds
    amounts = amount_grid(terms.credit, bounds) if terms.credit else []
    months = months_grid(terms.months, bounds) if terms.months is not None and base.values.get(CONTRACT) == CASH else []
    changes = [{CREDIT: a} for a in amounts] + [{DURATION: m} for m in months]
    rows, kept = _variants(base, changes, bounds)
    # The client's own application is scored in the same call: its point sits exactly on the curve.
    proba = simulator.probabilities(base, [*rows, dict(base.values)])
    own = float(np.float32(proba[-1]))  # as the portfolio and the what-if store it
    points: dict[int, Point] = {}
    for i, row, p in zip(kept, rows, proba[:-1], strict=True):
        decision, grey = simulator.decision.verdict(float(p))
        annuity = terms_of(row).annuity
        value = amounts[i] if i < len(amounts) else months[i - len(amounts)]
        points[i] = Point(value, float(p), decision, grey, annuity, affordable(annuity, income, max_rate))
    amount_curve = duration_curve = None
    if amounts:
        limit = None
        if cap is not None and terms.annuity:
            limit = cap * terms.credit / terms.annuity  # the instalment is proportional to the amount
        amount_curve = Curve(
            "amount", tuple(points[i] for i in range(len(amounts)) if i in points), float(terms.credit), limit
        )
    if months:
        limit = None
        if cap is not None:
            shortest = implied_duration(terms.credit, cap)
            limit = float("inf") if shortest is None else shortest
        offset = len(amounts)
        duration_curve = Curve(
            "duration",
            tuple(points[offset + j] for j in range(len(months)) if offset + j in points),
            float(terms.months),
            limit,
        )
    return Curves(
        client_id=base.client_id,
        probability=own,
        threshold=simulator.decision.threshold,
        grey_zone=tuple(simulator.decision.grey_zone),
        max_rate=max_rate,
        max_instalment=cap,
        income=income,
        amount=amount_curve,
        duration=duration_curve,
    )
