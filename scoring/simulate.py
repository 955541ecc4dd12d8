"""What-if simulation: an application with other credit terms or corrected declarations, scored by the model.

One code path for the what-if view, a new application and every advice check: raw application values ->
the artifact's ``FeatureTransform`` (the one used at training) -> the Booster in-process (exact TreeSHAP by
XGBoost's ``pred_contribs``) -> Platt calibration -> the portfolio's threshold and grey zone.

Credit terms stay consistent by one stated rule. Kaggle's ``AMT_ANNUITY`` is the monthly instalment of a
loan repaid in equal instalments; we read it at a fixed nominal annual rate ``ANNUAL_RATE``:

    instalment = amount * r / (1 - (1 + r) ** -months),   r = ANNUAL_RATE / 12

A client's current duration is the one this formula gives from their amount and instalment. Changing the
amount keeps the duration (so the instalment follows the amount in proportion); changing the duration keeps
the amount and recomputes the instalment; giving the instalment instead gives the duration. Revolving
credit has no fixed duration: its instalment follows the amount in proportion.

The Booster is loaded lazily, once per process and with one thread: in Gunicorn that is in each worker after
the fork, never in the master (libgomp is not fork-safe: dmlc/xgboost#8040). XGBoost is imported without its
optional scikit-learn glue, which would pull scikit-learn, SciPy's statistics and pandas into every web
worker (~130 MB each, measured); this module itself never imports pandas.
"""

from __future__ import annotations

import math
import os
import re
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from scoring import fields as registry
from scoring.affordability import MAX_EFFORT_RATE, Rules, bounds_of_portfolio, effort_rate
from scoring.errors import ScoringError
from scoring.portfolio import ClientExplanation

if TYPE_CHECKING:
    from scoring.artifacts import Artifacts
    from scoring.portfolio import Portfolio

ANNUAL_RATE = 0.20  # nominal; Kaggle's previous_application heads imply 17-99 % (cash loans around 30 %)
MONTHLY_RATE = ANNUAL_RATE / 12
DURATION = "CREDIT_DURATION_MONTHS"  # a registry record: simulated, never a model input
CASH, REVOLVING = "Cash loans", "Revolving loans"
REVOLVING_RATE = 0.05  # a new revolving credit: every revolving loan of the real sample repays 5 % of it a month
CREDIT, ANNUITY, GOODS, CONTRACT = "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "NAME_CONTRACT_TYPE"
INCOME = "AMT_INCOME_TOTAL"  # over the same month as the instalment (README, "Money")
SIMULABLE_ROLES = ("term", "declared")
# Needed to score anything: a new application without them is refused as incomplete, not guessed.
REQUIRED = ("AMT_CREDIT", "AMT_INCOME_TOTAL", "DAYS_BIRTH", "NAME_CONTRACT_TYPE")
_IMPORT_LOCK = threading.Lock()


# --------------------------------------------------------------------------- repayment formula


def instalment(amount: float, months: float, rate: float = MONTHLY_RATE) -> float:
    """Monthly instalment of ``amount`` repaid in ``months`` equal instalments at monthly ``rate``."""
    if rate == 0:
        return amount / months
    return amount * rate / (1 - (1 + rate) ** -months)


def implied_duration(amount: float | None, annuity: float | None, rate: float = MONTHLY_RATE) -> float | None:
    """Months that repay ``amount`` with instalments of ``annuity``; None when they never would (or unknown)."""
    if amount is None or annuity is None or not (amount > 0 and annuity > 0):
        return None
    if rate == 0:
        return amount / annuity
    covered = 1 - amount * rate / annuity
    if covered <= 0:  # the instalment does not even cover the interest
        return None
    return round(-math.log(covered) / math.log(1 + rate), 6)  # 48.00000000000001 months is 48


@dataclass(frozen=True)
class Terms:
    """The credit terms of an application, as a simulation reads them."""

    contract: str | None
    credit: float | None
    annuity: float | None
    goods_price: float | None
    months: float | None  # None: revolving credit, or an instalment that never repays the amount
    income: float | None = None  # monthly, as the instalment

    @property
    def effort_rate(self) -> float | None:
        """Instalment / income over the same month (None when either is unknown)."""
        return effort_rate(self.annuity, self.income)

    @property
    def contribution(self) -> float | None:
        """Personal contribution: the part of the goods' price the credit does not cover (None when none)."""
        if self.goods_price is None or self.credit is None or self.goods_price <= self.credit:
            return None
        return self.goods_price - self.credit


def terms_of(values: Mapping[str, object]) -> Terms:
    contract = values.get(CONTRACT)
    credit, annuity = _number(values.get(CREDIT)), _number(values.get(ANNUITY))
    months = implied_duration(credit, annuity) if contract == CASH else None
    return Terms(contract, credit, annuity, _number(values.get(GOODS)), months, _number(values.get(INCOME)))


def _number(value) -> float | None:
    if value is None or isinstance(value, str):
        return None
    value = float(value)
    return None if math.isnan(value) else value


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Problem:
    """Why one field's value was not accepted: a code and its values (the UI words it), and an English line."""

    field: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        values = {"role": "", "low": "", "high": "", "children": "", **self.params}
        value = values.get("value")
        values["value"] = f"{value:.0f}" if isinstance(value, float) else value
        values["levels"] = ", ".join(values.get("levels", ()))
        return _MESSAGES.get(self.code, "{name}: invalid value").format(name=self.field, rate=ANNUAL_RATE, **values)


# One English line per problem code (the command line); the UI words the codes in its own language.
_MESSAGES = {
    "unknown_field": "{name} is not a field of the application",
    "not_simulable": "{name} cannot be changed in a simulation ({role} field)",
    "not_a_number": "{name}: {value!r} is not a number",
    "not_whole": "{name}: {value} is not a whole number",
    "out_of_range": "{name}: {value} is outside the accepted range {low} to {high}",
    "unknown_level": "{name}: {value!r} is not one of {levels}",
    "required": "{name} is required to score an application",
    "annuity_too_low": "{name}: an instalment of {value} never repays the credit at {rate:.0%} a year",
    "no_duration": "{name}: revolving credit has no fixed duration",
    "annuity_and_duration": "{name}: give the instalment or the duration, not both",
    "household": "{name}: the household ({value}) must count the client and the {children} children",
    "instalment_out_of_range": "{name}: the monthly instalment would be {value}, outside the plausible {low} to {high}",
}


class InvalidChanges(ScoringError):
    """One or more values were refused; ``problems`` says which field and why (one line in ``str``)."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    def by_field(self) -> dict[str, Problem]:
        out: dict[str, Problem] = {}
        for problem in self.problems:
            out.setdefault(problem.field, problem)
        return out


_GROUPED_BY_COMMAS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def parse_number(value, decimal: str | None = None) -> float | None:
    """A number typed in a form or on the command line; None when it is not one.

    Spaces of any kind group digits ("450 000", "450 000,50"). ``decimal`` is the decimal mark of the UI
    language, which decides what a comma is:
    - "," (French): the comma is the decimal mark ("1,5" is 1.5); a dot is accepted as one too ("1.5");
    - "." (English): commas only group digits in threes ("450,000"); "1,5" is refused, not read as 15;
    - None (command line, files): one comma and no dot is a decimal comma ("406598,5"), otherwise a dot.
    Letters, several marks ("1,2,3", "1.5,2") and non-finite values are refused.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = "".join(value.split()).replace("\u202f", "").replace("\u00a0", "").replace("\u2212", "-")
        if not text or len(text) > 40:
            return None
        if decimal == ".":
            if "," in text:
                if not _GROUPED_BY_COMMAS.fullmatch(text):
                    return None
                text = text.replace(",", "")
        elif "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")
        if not _PLAIN_NUMBER.fullmatch(text):
            return None
        number = float(text)
    else:
        return None
    return number if math.isfinite(number) else None


def _compact(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


Bounds = Mapping[str, tuple[float, float]] | None  # the product's bounds by field (scoring.affordability)


def check_value(name: str, value, bounds: Bounds = None) -> tuple[object, Problem | None]:
    """(parsed value, None) or (None, the problem) for one field by the registry's kind, levels and range.

    ``bounds`` (the product's: amount, duration) replace the registry's sanity range for the fields they name.
    ``None`` and "" mean "not provided" (the model's missing branch) and are accepted here; whether a field
    may be missing is the caller's rule.
    """
    record = registry.FIELDS.get(name)
    if record is None:
        return None, Problem(name, "unknown_field")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if record.categorical:
        levels = tuple(record.categories)
        if isinstance(value, str) and value in record.categories:
            return value, None
        return None, Problem(name, "unknown_level", {"value": str(value)[:40], "levels": levels})
    number = parse_number(value)
    if number is None:
        return None, Problem(name, "not_a_number", {"value": str(value)[:40]})
    if record.sentinel is not None and number == record.sentinel[0]:
        return number, None
    if record.kind in ("count", "flag", "rating", "hour") and not number.is_integer():
        return None, Problem(name, "not_whole", {"value": _compact(number)})
    limits = (bounds or {}).get(name, record.range)
    if limits is not None:
        low, high = limits
        if not low <= number <= high:
            return None, _range_problem(name, "out_of_range", number, limits)
    return number, None


def _range_problem(name: str, code: str, value: float, bounds: tuple[float, float]) -> Problem:
    value = _compact(value) if code == "out_of_range" else value
    return Problem(name, code, {"value": value, "low": _compact(bounds[0]), "high": _compact(bounds[1])})


def _household_problem(values: Mapping[str, object]) -> Problem | None:
    children, household = _number(values.get("CNT_CHILDREN")), _number(values.get("CNT_FAM_MEMBERS"))
    if children is not None and household is not None and household < children + 1:
        return Problem("CNT_FAM_MEMBERS", "household", {"value": _compact(household), "children": _compact(children)})
    return None


def _instalment_problem(source: str, annuity: float | None, bounds: Bounds = None) -> Problem | None:
    limits = (bounds or {}).get(ANNUITY, registry.FIELDS[ANNUITY].range)
    if annuity is not None and not limits[0] <= annuity <= limits[1]:
        return _range_problem(source, "instalment_out_of_range", annuity, limits)
    return None


def check_changes(changes: Mapping[str, object], bounds: Bounds = None) -> dict[str, object]:
    """Parsed what-if changes; InvalidChanges when a field is unknown, not simulable or its value is refused."""
    parsed, problems = {}, []
    for name, value in changes.items():
        record = registry.FIELDS.get(name)
        if record is None:
            problems.append(Problem(str(name)[:60], "unknown_field"))
            continue
        if record.role not in SIMULABLE_ROLES:
            problems.append(Problem(name, "not_simulable", {"role": record.role}))
            continue
        value, problem = check_value(name, value, bounds)
        if problem is None and value is None:
            problem = Problem(name, "required")  # a simulation changes a value; it does not erase one
        if problem:
            problems.append(problem)
        else:
            parsed[name] = value
    if problems:
        raise InvalidChanges(problems)
    return parsed


# --------------------------------------------------------------------------- applying changes


def apply_changes(values: Mapping[str, object], changes: Mapping[str, object], bounds: Bounds = None) -> dict[str, object]:
    """Raw values after ``changes`` (already parsed), the instalment kept consistent with amount and duration.

    Raises InvalidChanges when the terms cannot hold together (an instalment that never repays the credit,
    a duration for revolving credit, an instalment outside the plausible range, a household smaller than
    its children).
    """
    new = dict(values)
    new.update({k: v for k, v in changes.items() if k not in (ANNUITY, DURATION)})
    problems = []
    contract, credit = new.get(CONTRACT), _number(new.get(CREDIT))
    old_credit, old_annuity = _number(values.get(CREDIT)), _number(values.get(ANNUITY))
    source = DURATION if DURATION in changes else (ANNUITY if ANNUITY in changes else CREDIT)
    if ANNUITY in changes and DURATION in changes:
        problems.append(Problem(DURATION, "annuity_and_duration"))
    elif ANNUITY in changes:
        annuity = float(changes[ANNUITY])
        if contract == CASH and credit is not None and implied_duration(credit, annuity) is None:
            problems.append(Problem(ANNUITY, "annuity_too_low", {"value": _compact(annuity)}))
        new[ANNUITY] = annuity
    elif DURATION in changes:
        if contract != CASH:
            problems.append(Problem(DURATION, "no_duration"))
        elif credit is not None:
            new[ANNUITY] = instalment(credit, float(changes[DURATION]))
    elif credit is not None and old_credit and old_annuity is not None:
        new[ANNUITY] = old_annuity * credit / old_credit  # same duration and rate: the instalment in proportion
    annuity = _number(new.get(ANNUITY))
    if not problems and annuity != old_annuity:
        problems.append(_instalment_problem(source, annuity, bounds))
    if {"CNT_CHILDREN", "CNT_FAM_MEMBERS"} & set(changes):
        problems.append(_household_problem(new))
    problems = [p for p in problems if p is not None]
    if problems:
        raise InvalidChanges(problems)
    return new


def changed_values(before: Mapping[str, object], after: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """{name: {"before", "after"}} for every raw value or credit term that differs."""
    out = {}
    for name in after:
        a, b = before.get(name), after.get(name)
        if not _same(a, b):
            out[name] = {"before": a, "after": b}
    months_before, months_after = terms_of(before).months, terms_of(after).months
    if not _same(months_before, months_after):
        out[DURATION] = {"before": months_before, "after": months_after}
    return out


def _same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str) or a is None or b is None:
        return a == b or (_number(a) is None and _number(b) is None and not isinstance(a, str) and not isinstance(b, str))
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


# --------------------------------------------------------------------------- the model in-process


def import_xgboost():
    """``import xgboost`` without its optional scikit-learn glue (the web workers never train)."""
    with _IMPORT_LOCK:
        if "xgboost" in sys.modules or "sklearn" in sys.modules:
            import xgboost

            return xgboost
        sys.modules["sklearn"] = None  # makes xgboost.compat's `import sklearn` fail: SKLEARN_INSTALLED = False
        try:
            import xgboost
        finally:
            del sys.modules["sklearn"]
        return xgboost


@dataclass(frozen=True)
class Application:
    """One application's raw values (the columns the model reads), and for a portfolio client its stored row."""

    values: Mapping[str, object]
    client_id: int | None = None
    features: np.ndarray | None = None  # (F,) float32, as scored in the portfolio

    @classmethod
    def from_portfolio(cls, portfolio: Portfolio, client_id: int) -> Application:
        index = portfolio.index_of(client_id)
        columns = registry.sources_of(portfolio.feature_names)
        values = {c: portfolio.raw_value(c, index) for c in columns}
        return cls(values, client_id, np.asarray(portfolio.features[index], dtype=np.float32))


@dataclass(frozen=True)
class Outcome:
    """A what-if: the application before and after, and what changed."""

    before: ClientExplanation
    after: ClientExplanation
    changed: dict[str, dict[str, object]]
    terms_before: Terms
    terms_after: Terms

    def to_json(self) -> dict:
        before = {k: self.before.to_json()[k] for k in ("probability", "decision", "in_grey_zone")}
        keys = ("probability", "decision", "in_grey_zone", "base_value", "margin", "contributions")
        after = {k: self.after.to_json()[k] for k in keys}
        return {"client_id": self.before.client_id, "before": before, "after": after, "changed": _jsonable(self.changed)}


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class Simulator:
    """Scores applications with the artifact's transform and Booster; one per process (see the module doc)."""

    def __init__(self, artifacts: Artifacts, max_effort_rate: float = MAX_EFFORT_RATE, bounds: Bounds = None):
        """``bounds``: the deployment's configured product bounds; the others are the data's own percentiles."""
        self.artifacts = artifacts
        self._max_effort_rate, self._bound_overrides = max_effort_rate, dict(bounds or {})
        self._rules: Rules | None = None
        self.transform = artifacts.transform
        self.decision = artifacts.decision
        self.columns = self.transform.required_columns
        self._lock = threading.Lock()
        self._loaded: tuple[int, object] | None = None  # (pid, Booster): a forked child loads its own
        import_xgboost()  # the module only (shared by forked workers); no Booster, no OpenMP pool

    @property
    def rules(self) -> Rules:
        """The affordability cap and the product's bounds (configured, or percentiles of the artifact's data)."""
        if self._rules is None:
            artifacts = self.artifacts

            def raw(name):
                return artifacts.array(f"raw_{name}")

            bounds = bounds_of_portfolio(
                raw,
                lambda name: list(artifacts.categories.get(name, [])),
                implied_duration,
                instalment,
                self._bound_overrides,
            )
            self._rules = Rules(self._max_effort_rate, bounds)  # same value whichever thread computes it first
        return self._rules

    @property
    def booster(self):
        loaded = self._loaded
        if loaded is None or loaded[0] != os.getpid():
            with self._lock:
                loaded = self._loaded
                if loaded is None or loaded[0] != os.getpid():
                    xgb = import_xgboost()
                    booster = xgb.Booster()
                    booster.load_model(str(self.artifacts.folder / "model.ubj"))
                    booster.set_param({"nthread": 1})  # one thread per worker: requests are the parallelism
                    self._loaded = loaded = (os.getpid(), booster)
        return loaded[1]

    # --- features ---------------------------------------------------------------------------
    def features(self, base: Application, rows: list[Mapping[str, object]]) -> np.ndarray:
        """Model rows for variants of ``base``; features of unchanged columns keep the stored values."""
        frame, moved = {}, {}
        for column in self.columns:
            cells = [row.get(column) for row in rows]
            if registry.FIELDS[column].categorical:
                frame[column] = np.array(cells, dtype=object)
                moved[column] = frame[column] != base.values.get(column)
            else:
                values = np.array([np.nan if _number(c) is None else float(c) for c in cells], dtype=float)
                frame[column] = values
                stored = _number(base.values.get(column))
                stored = np.nan if stored is None else stored
                moved[column] = ~np.isclose(values, stored, rtol=1e-9, atol=1e-9, equal_nan=True)
        x = self.transform.transform(frame)
        if base.features is not None:
            # The stored row was computed from float64 raw values; recomputing from the float32 copies could
            # move a feature by one ulp. Only the features whose sources changed are recomputed.
            for j, feature in enumerate(self.transform.fields):
                keep = ~np.logical_or.reduce([moved[c] for c in feature.sources])
                x[keep, j] = base.features[j]
        return x

    # --- scoring ------------------------------------------------------------------------------
    def probabilities(self, base: Application, rows: list[Mapping[str, object]]) -> np.ndarray:
        """Calibrated probabilities only (the advice search: no explanations needed)."""
        from scoring.model import margin

        if not rows:
            return np.zeros(0)
        return self.decision.platt.proba(margin(self.booster, self.features(base, rows), nthread=1))

    def explain(self, base: Application, values: Mapping[str, object] | None = None) -> ClientExplanation:
        """Probability, decision, grey zone and calibrated TreeSHAP contributions of one application."""
        from scoring.explain import calibrated_contributions
        from scoring.model import dmatrix

        x = self.features(base, [values if values is not None else base.values])
        booster, platt = self.booster, self.decision.platt
        matrix = dmatrix(x, booster.feature_names, nthread=1)  # one matrix for both predictions
        contributions, bases = calibrated_contributions(booster.predict(matrix, pred_contribs=True), platt)
        # The probability from the margin, as the portfolio computed it (float32, as stored).
        probability = float(np.float32(platt.proba(booster.predict(matrix, output_margin=True))[0]))
        decision, grey = self.decision.verdict(probability)
        contrib = contributions[0].astype(np.float32).astype(float)
        base_value = float(bases[0])
        names = self.transform.features
        return ClientExplanation(
            client_id=base.client_id,
            probability=probability,
            threshold=self.decision.threshold,
            decision=decision,
            in_grey_zone=grey,
            base_value=base_value,
            margin=float(base_value + contrib.sum()),
            contributions={n: float(v) for n, v in zip(names, contrib, strict=True)},
            feature_values={n: float(v) for n, v in zip(names, x[0], strict=True)},
        )


def simulate(simulator: Simulator, base: Application, changes: Mapping[str, object]) -> Outcome:
    """The what-if: validate ``changes`` (raw values from a form or the command line), apply, score both."""
    bounds = simulator.rules.bounds
    parsed = check_changes(changes, bounds)
    after_values = apply_changes(base.values, parsed, bounds)
    return Outcome(
        before=simulator.explain(base),
        after=simulator.explain(base, after_values),
        changed=changed_values(base.values, after_values),
        terms_before=terms_of(base.values),
        terms_after=terms_of(after_values),
    )


def new_application(
    values: Mapping[str, object], columns: tuple[str, ...], months: object = None, bounds: Bounds = None
) -> Application:
    """An application typed in a form: every column the model reads, checked; missing allowed but for REQUIRED.

    Nothing is filled in: a column the form did not give is "not provided" (the model's missing branch).

    The instalment comes from the duration by the repayment formula (cash loans); a revolving credit's
    instalment is the portfolio's rule for revolving credit, 5 % of the amount a month.
    """
    parsed, problems = {}, []
    for column in columns:
        if column == ANNUITY:
            continue
        value, problem = check_value(column, values.get(column), bounds)
        if problem is None and value is None and column in REQUIRED:
            problem = Problem(column, "required")
        if problem:
            problems.append(problem)
        parsed[column] = value
    duration, problem = check_value(DURATION, months, bounds)
    contract, credit = parsed.get(CONTRACT), _number(parsed.get(CREDIT))
    if problem:
        problems.append(problem)
    elif contract == CASH and duration is None:
        problems.append(Problem(DURATION, "required"))
    elif contract == REVOLVING and duration is not None:
        problems.append(Problem(DURATION, "no_duration"))
    annuity = None
    if credit is not None and not problem:
        if contract == CASH and duration is not None:
            annuity = instalment(credit, float(duration))
        elif contract == REVOLVING:
            annuity = credit * REVOLVING_RATE
        problems.append(_instalment_problem(DURATION if contract == CASH else CREDIT, annuity, bounds))
    problems.append(_household_problem(parsed))
    problems = [p for p in problems if p is not None]
    if problems:
        raise InvalidChanges(problems)
    parsed[ANNUITY] = annuity
    return Application(parsed)
