"""Counterfactual advice: the smallest changes of the credit terms alone that get an application granted.

Three kinds of option, at most one each, so that the options differ: a smaller amount (same duration, so
the instalment falls in proportion), a longer duration (same amount, instalment by the repayment formula of
``scoring.simulate``), and both together. Only ``AMT_CREDIT`` and the duration move; every other field
(age, external scores, region, protected fields, declared data) stays as it is.

The search scans fixed grids (deterministic: the same client always gets the same advice), every candidate
built by ``simulate.apply_changes`` and scored by ``Simulator`` (the what-if's code path), and each option
shown is checked once more through ``simulate.simulate``, as ``python -m scoring whatif`` would apply it.
The model is monotone along these directions by construction (XGBoost ``monotone_constraints`` on the
credit-term features, from the registry), so the first grid point that reaches approval is the boundary
and every smaller amount or longer duration is granted too.

Target: a refused client must fall below the threshold; a granted client in the grey zone below the grey
zone (granted without a manual review). Plausible bounds: the amount down to ``MIN_AMOUNT_SHARE`` of the
request and the product's bounds (``Simulator.rules``: configured, or the data's own percentiles), the duration
up to the product's longest (``MAX_MONTHS`` when the artifact gives none).

Affordability is the lender's rule, not the model's: no option has a monthly instalment above the maximum
effort rate of the client's monthly income (``scoring.affordability``). A candidate that breaks it is not an
option, however low its probability; a client the model grants on terms that break it gets the affordable
terms that keep them granted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scoring import fields as registry
from scoring.affordability import AMOUNT, MONTHS, Rules
from scoring.simulate import (
    CASH,
    CONTRACT,
    CREDIT,
    DURATION,
    Application,
    InvalidChanges,
    Simulator,
    Terms,
    apply_changes,
    check_changes,
    simulate,
    terms_of,
)

MIN_AMOUNT_SHARE = 0.3  # never advise borrowing less than 30 % of the request
MAX_MONTHS = 84  # seven years: beyond, a consumer loan is not a plausible offer
AMOUNT_STEP = 1_000.0  # advised amounts are rounded down to whole thousands
_SCAN = 40  # grid points per direction in the first pass, then as many again between the two around the boundary


@dataclass(frozen=True)
class Option:
    kind: str  # "amount", "duration" or "both"
    changes: dict[str, float]  # what `whatif --set` takes: AMT_CREDIT and/or CREDIT_DURATION_MONTHS
    probability: float
    decision: str
    in_grey_zone: bool
    credit: float  # resulting terms
    annuity: float | None
    months: float | None
    credit_before: float
    months_before: float | None
    effort_rate: float | None = None  # monthly instalment / monthly income

    @property
    def amount_change(self) -> float:
        """Relative change of the amount (-0.21 for 21 % less)."""
        return self.credit / self.credit_before - 1

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "changes": self.changes,
            "probability": self.probability,
            "decision": self.decision,
            "in_grey_zone": self.in_grey_zone,
            "credit": self.credit,
            "monthly_instalment": self.annuity,
            "effort_rate": self.effort_rate,
            "months": self.months,
        }


@dataclass(frozen=True)
class Advice:
    client_id: int | None
    probability: float
    decision: str
    in_grey_zone: bool
    target: float  # probabilities below this reach the goal
    options: tuple[Option, ...]
    reason: str | None  # why there is no option: "granted", "no_amount", "none_found"
    max_effort_rate: float = 0.35
    max_months: float = MAX_MONTHS
    effort_rate: float | None = None  # of the terms asked for
    affordable: bool | None = None  # whether the terms asked for keep within max_effort_rate

    @property
    def needed(self) -> bool:
        return self.reason != "granted"

    def message(self) -> str | None:
        """English, for the command line; the UI words the same reasons in its language."""
        if self.reason == "granted":
            return "the application is granted without review: no change is needed"
        if self.reason == "no_amount":
            return "the application has no credit amount to change"
        if self.reason == "none_found":
            return (
                f"no change of the credit terms within plausible bounds (amount down to {MIN_AMOUNT_SHARE:.0%} of the "
                f"request, duration up to {self.max_months:g} months, instalment at most {self.max_effort_rate:.0%} "
                "of the monthly income) reaches approval"
            )
        return None

    def to_json(self) -> dict:
        out = {
            "client_id": self.client_id,
            "decision": self.decision,
            "in_grey_zone": self.in_grey_zone,
            "probability": self.probability,
            "effort_rate": self.effort_rate,
            "max_effort_rate": self.max_effort_rate,
            "affordable": self.affordable,
            "options": [o.to_json() for o in self.options],
        }
        if not self.options:
            out["message"] = self.message()
        return out


def target_of(probability: float, simulator: Simulator, affordable: bool | None = True) -> float | None:
    """The probability to get under, or None when the application is granted outside the grey zone on
    affordable terms."""
    decision = simulator.decision
    if probability >= decision.threshold:
        return decision.threshold
    if probability >= decision.grey_zone[0] or affordable is False:
        return decision.grey_zone[0]
    return None


def _variants(simulator: Simulator, base: Application, changes: list[dict]) -> tuple[list[dict], list[dict]]:
    """(raw rows, the changes that built them), leaving out changes the what-if would refuse (the product's
    bounds on each changed value and on the instalment), terms the product cannot offer (an amount or duration
    kept from the application but outside the bounds) and those whose instalment breaks the maximum effort rate."""
    rules = simulator.rules
    rows, kept = [], []
    for change in changes:
        try:
            row = apply_changes(base.values, check_changes(change, rules.bounds), rules.bounds)
        except InvalidChanges:
            continue
        terms = terms_of(row)
        if not offered(terms, rules) or rules.affordable(terms.annuity, terms.income) is False:
            continue
        rows.append(row)
        kept.append(change)
    return rows, kept


def offered(terms: Terms, rules: Rules) -> bool:
    """Whether the product offers these terms: amount and duration within its bounds (when it has them)."""
    for name, value in ((AMOUNT, terms.credit), (MONTHS, terms.months)):
        bound = rules.bound(name)
        if bound is not None and value is not None and not bound[0] <= value <= bound[1]:
            return False
    return True


def _first_reaching(simulator, base, changes: list[dict], target: float) -> int | None:
    """Index in ``changes`` (ordered from the smallest change) of the first whose probability is under target."""
    rows, kept = _variants(simulator, base, changes)
    if not rows:
        return None
    proba = simulator.probabilities(base, rows)
    hits = np.flatnonzero(proba < target)
    return changes.index(kept[int(hits[0])]) if len(hits) else None


def _amount_floor(simulator: Simulator, credit: float) -> float:
    bound = simulator.rules.bound(AMOUNT) or registry.FIELDS[CREDIT].range
    return max(bound[0], MIN_AMOUNT_SHARE * credit)


def max_months(simulator: Simulator) -> float:
    """The longest duration offered: the product's bound, else MAX_MONTHS."""
    bound = simulator.rules.bound(MONTHS)
    return bound[1] if bound is not None else MAX_MONTHS


def _round_amount(amount: float) -> float:
    return math.floor(amount / AMOUNT_STEP) * AMOUNT_STEP


def largest_amount(simulator, base, target: float, extra: dict | None = None) -> float | None:
    """The largest whole multiple of AMOUNT_STEP (within bounds) whose amount reaches the target, or None.

    A coarse scan finds the step where approval starts; every multiple of AMOUNT_STEP inside that step is then
    scored, so the amount is the smallest reduction on the AMOUNT_STEP grid (the model is monotone in it).
    """
    credit = terms_of(base.values).credit
    floor = _amount_floor(simulator, credit)
    extra = extra or {}
    grid = [float(a) for a in np.linspace(credit, floor, _SCAN)]
    first = _first_reaching(simulator, base, [{**extra, CREDIT: a} for a in grid], target)
    if first is None:
        return None
    if first == 0:
        return credit  # no reduction needed (with the other change in ``extra``)
    refused, granted = grid[first - 1], grid[first]
    top = _round_amount(refused)
    top = top - AMOUNT_STEP if top >= refused else top
    lowest = max(_round_amount(granted), math.ceil(floor / AMOUNT_STEP) * AMOUNT_STEP)
    amounts = [float(a) for a in np.arange(top, lowest - AMOUNT_STEP / 2, -AMOUNT_STEP)]
    found = _first_reaching(simulator, base, [{**extra, CREDIT: a} for a in amounts], target)
    return None if found is None else amounts[found]


def shortest_duration(simulator, base, target: float, credit: float | None = None, start: float | None = None) -> int | None:
    """The shortest whole number of months above the current duration (up to MAX_MONTHS) reaching the target."""
    months_now = start if start is not None else terms_of(base.values).months
    if months_now is None:
        return None
    first_month = math.floor(months_now) + 1
    low = (simulator.rules.bound(MONTHS) or registry.FIELDS[DURATION].range)[0]
    months = list(range(max(first_month, int(low)), int(max_months(simulator)) + 1))
    extra = {} if credit is None else {CREDIT: credit}
    found = _first_reaching(simulator, base, [{**extra, DURATION: float(m)} for m in months], target)
    return None if found is None else months[found]


def _both(simulator, base, target: float, amount_only: float | None, months_only: int | None) -> dict | None:
    """Amount and duration together: the combination that changes least (sum of the relative changes)."""
    terms = terms_of(base.values)
    if terms.months is None:
        return None
    credit, now = terms.credit, terms.months
    longest = int(max_months(simulator))
    top = months_only - 1 if months_only is not None else longest
    candidates = sorted({m for m in range(math.floor(now) + 1, top + 1) if (m - math.floor(now)) % 6 == 0} | {top})
    best, best_cost = None, math.inf
    for months in candidates:
        if months <= now or months > longest:
            continue
        amount = largest_amount(simulator, base, target, {DURATION: float(months)})
        if amount is None or amount >= credit or (amount_only is not None and amount <= amount_only):
            continue  # not both changes, or dominated by the amount-only option
        cost = (1 - amount / credit) + (months - now) / now
        if cost < best_cost:
            best, best_cost = {CREDIT: amount, DURATION: float(months)}, cost
    return best


def _option(simulator, base, kind: str, changes: dict, target: float) -> Option | None:
    """The option as ``whatif`` applies it; None if (against the monotone model) it does not reach the target."""
    outcome = simulate(simulator, base, changes)
    after = outcome.after
    terms = outcome.terms_after
    if after.probability >= target or simulator.rules.affordable(terms.annuity, terms.income) is False:
        return None
    return Option(
        kind=kind,
        changes=changes,
        probability=after.probability,
        decision=after.decision,
        in_grey_zone=after.in_grey_zone,
        credit=outcome.terms_after.credit,
        annuity=outcome.terms_after.annuity,
        months=outcome.terms_after.months,
        credit_before=outcome.terms_before.credit,
        months_before=outcome.terms_before.months,
        effort_rate=outcome.terms_after.effort_rate,
    )


def advise(simulator: Simulator, base: Application) -> Advice:
    """At most three options (amount, duration, both), each checked through ``simulate``; deterministic."""
    current = simulator.explain(base)
    rules, asked = simulator.rules, terms_of(base.values)
    affordable = rules.affordable(asked.annuity, asked.income)
    target = target_of(current.probability, simulator, affordable)

    def result(options, reason=None):
        return Advice(
            base.client_id,
            current.probability,
            current.decision,
            current.in_grey_zone,
            target if target is not None else current.threshold,
            tuple(options),
            reason,
            max_effort_rate=rules.max_effort_rate,
            max_months=max_months(simulator),
            effort_rate=asked.effort_rate,
            affordable=affordable,
        )

    if target is None:
        return result([], "granted")
    terms = terms_of(base.values)
    if terms.credit is None:
        return result([], "no_amount")
    amount = largest_amount(simulator, base, target)
    months = shortest_duration(simulator, base, target) if base.values.get(CONTRACT) == CASH else None
    both = _both(simulator, base, target, amount, months) if base.values.get(CONTRACT) == CASH else None
    options = [
        _option(simulator, base, kind, changes, target)
        for kind, changes in (
            ("amount", None if amount is None else {CREDIT: amount}),
            ("duration", None if months is None else {DURATION: float(months)}),
            ("both", both),
        )
        if changes is not None
    ]
    options = [o for o in options if o is not None]
    return result(options, None if options else "none_found")
