"""The money adds up: one reading of the amounts, the lender's affordability rule, product bounds, currency.

Over the whole synthetic test portfolio and the real Home Credit sample (skipped where ../shared is absent):
no client's instalment exceeds their income for the same month, no advice option and no letter breaks the
maximum effort rate; an ordinary loan for a client without history is scored with nothing invented.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from app.config import Config, ConfigError
from layouts.formatting import money, money_unit, value_text
from layouts.i18n import language
from layouts.letter import letter_context
from scoring import money_evidence
from scoring.advice import Advice, Option, advise
from scoring.affordability import AMOUNT, INSTALMENT, MONTHS, product_bounds
from scoring.artifacts import Artifacts
from scoring.fields import FIELDS
from scoring.loading import clean_anomalies
from scoring.model import TrainConfig
from scoring.pipeline import train_and_write
from scoring.portfolio import ClientExplanation, Portfolio
from scoring.regions import MAX_REGIONS, regions
from scoring.simulate import (
    CASH,
    Application,
    InvalidChanges,
    Simulator,
    implied_duration,
    instalment,
    new_application,
    terms_of,
)

from .conftest import HOME_CREDIT, REAL_TRAIN

NBSP, NNBSP = "\u00a0", "\u202f"


# --------------------------------------------------------------------------- the reading, from the data


def test_the_data_says_instalment_and_income_are_monthly(real_train_path):
    facts = money_evidence.read(HOME_CREDIT)
    evidence = facts["evidence"]
    # Instalments x their count repay the credit plus interest: AMT_ANNUITY is per month.
    assert 1.1 < evidence["repaid_over_credit_median"] < 1.5
    # A plausible effort rate only if income is over the same month.
    assert 0.1 < evidence["instalment_over_income_median"] < 0.25
    assert evidence["instalment_over_income_max"] < 1
    assert facts["period"] == {
        "AMT_ANNUITY": "month",
        "AMT_INCOME_TOTAL": "month",
        "AMT_CREDIT": "total",
        "AMT_GOODS_PRICE": "total",
    }


def test_a_yearly_reading_is_refused_by_the_evidence():
    previous = pd.DataFrame(
        {"AMT_ANNUITY": [12 * 1_000.0, 12 * 500.0], "CNT_PAYMENT": [12, 24], "AMT_CREDIT": [11_000.0, 10_500.0]}
    )
    applications = pd.DataFrame({"AMT_ANNUITY": [1_000.0], "AMT_INCOME_TOTAL": [5_000.0], "AMT_CREDIT": [20_000.0]})
    with pytest.raises(ValueError, match="not a monthly instalment"):
        money_evidence.conclusion(money_evidence.evidence(previous, applications))
    monthly = previous.assign(AMT_ANNUITY=[1_000.0, 500.0])
    yearly_income = applications.assign(AMT_INCOME_TOTAL=[1_000.0 / 2])  # instalment twice the income
    with pytest.raises(ValueError, match="income is not over"):
        money_evidence.conclusion(money_evidence.evidence(monthly, yearly_income))
    assert money_evidence.main([str(HOME_CREDIT.parent / "nowhere")]) == 2  # one line, no traceback


@pytest.mark.parametrize(
    "lang, income, instalment_label, monthly",
    [
        ("fr", "Revenu mensuel", "Mensualité du crédit", "revenu mensuel"),
        ("en", "Monthly income", "Monthly loan instalment", "monthly income"),
    ],
)
def test_labels_say_monthly_everywhere(lang, income, instalment_label, monthly):
    tr = language(lang)
    assert tr.field("AMT_INCOME_TOTAL") == income and tr.field("AMT_ANNUITY") == instalment_label
    assert monthly in tr.field("ANNUITY_INCOME_RATIO") and monthly in tr.field("CREDIT_INCOME_RATIO")
    for name in ("AMT_INCOME_TOTAL", "AMT_ANNUITY", "ANNUITY_INCOME_RATIO", "CREDIT_INCOME_RATIO", "INCOME_PER_PERSON"):
        words = (tr.field(name) + " " + tr.label(FIELDS[name].help)).lower()
        assert "annu" not in words and "year" not in words, name  # no "annuité", "annuel", "annual", "yearly"


# --------------------------------------------------------------------------- currency


def test_amounts_are_in_the_data_unit_unless_a_currency_is_configured(monkeypatch):
    monkeypatch.delenv("CURRENCY", raising=False)
    assert money(15_000, "fr") == f"15{NNBSP}000" and value_text("AMT_CREDIT", 15_000.0, "en") == "15,000"
    assert money_unit("fr") == "unités du jeu de données" and money_unit("en") == "dataset units"
    monkeypatch.setenv("CURRENCY", "EUR")
    assert money(15_000, "fr") == f"15{NNBSP}000{NBSP}€" and value_text("AMT_CREDIT", 15_000.0, "en") == "€15,000"
    assert money_unit("fr") == "€"


def test_settings_are_validated_with_one_clear_line():
    config = Config.from_env({"MAX_EFFORT_RATE": "33 %", "CURRENCY": "eur", "CREDIT_AMOUNT_RANGE": "1 000-75 000"})
    assert config.max_effort_rate == pytest.approx(0.33) and config.currency == "EUR"
    assert config.product_bounds == {AMOUNT: (1000.0, 75000.0)}
    assert Config.from_env({}).max_effort_rate == 0.35 and Config.from_env({}).product_bounds == {}
    for env, words in (
        ({"MAX_EFFORT_RATE": "1.5"}, "MAX_EFFORT_RATE must be a share"),
        ({"MAX_EFFORT_RATE": "abc"}, "MAX_EFFORT_RATE must be a share"),
        ({"MAX_EFFORT_RATE": "0"}, "MAX_EFFORT_RATE must be a share"),
        ({"CURRENCY": "EURO"}, "CURRENCY must be an ISO 4217"),
        ({"CURRENCY": "XYZ"}, "CURRENCY must be an ISO 4217"),
        ({"CREDIT_MONTHS_RANGE": "60-6"}, "CREDIT_MONTHS_RANGE must be LOW-HIGH"),
        ({"INSTALMENT_RANGE": "100"}, "INSTALMENT_RANGE must be LOW-HIGH"),
    ):
        with pytest.raises(ValueError, match=words) as raised:
            Config.from_env(env)
        assert "\n" not in str(raised.value)
    assert issubclass(ConfigError, ValueError)


def test_a_bad_setting_stops_the_start_with_one_line(monkeypatch, synthetic_artifacts):
    from wsgi import create_app

    monkeypatch.setenv("MAX_EFFORT_RATE", "350")
    monkeypatch.setenv("ARTIFACTS_DIR", str(synthetic_artifacts))
    with pytest.raises(SystemExit) as stopped:
        create_app()
    assert str(stopped.value).startswith("cannot start: MAX_EFFORT_RATE must be a share") and "\n" not in str(stopped.value)


# --------------------------------------------------------------------------- bounds and regions (pure)


def test_product_bounds_come_from_the_data_or_the_configuration():
    rng = np.random.default_rng(0)
    credit = rng.lognormal(10, 0.6, 5_000)
    months = rng.integers(6, 61, 5_000).astype(float)
    bounds = product_bounds(credit, months, instalment)
    low, high = np.percentile(credit, (0.5, 99.5))
    assert bounds[AMOUNT][0] <= low < bounds[AMOUNT][0] * 1.1 and high <= bounds[AMOUNT][1] < high * 1.1
    assert bounds[MONTHS] == (6.0, 60.0)
    # The instalment bounds follow from the other two: they never contradict them.
    assert bounds[INSTALMENT][0] <= instalment(bounds[AMOUNT][0], 60) and bounds[INSTALMENT][1] >= instalment(
        bounds[AMOUNT][1], 6
    )
    # Ten times the money, ten times the bounds: nothing is hand-set on one scale.
    scaled = product_bounds(credit * 10, months, instalment)
    assert scaled[AMOUNT][0] == pytest.approx(10 * bounds[AMOUNT][0], rel=0.1)
    configured = product_bounds(credit, months, instalment, overrides={AMOUNT: (1_000, 75_000), MONTHS: (6, 84)})
    assert configured[AMOUNT] == (1_000.0, 75_000.0) and configured[MONTHS] == (6.0, 84.0)
    assert configured[INSTALMENT] == (math.floor(instalment(1_000, 84)), math.ceil(instalment(75_000, 6)))


def test_regions_from_distinct_values_or_bands():
    population = np.array([0.01, 0.01, 0.02, 0.03, 0.03, 0.03, np.nan])
    rating = np.array([2, 2, 1, 3, 3, 2, 1])
    found = regions(population, rating)
    assert [(r.number, r.population, r.rating) for r in found] == [(1, 0.01, 2), (2, 0.02, 1), (3, 0.03, 3)]
    assert sum(r.share for r in found) == pytest.approx(1)
    continuous = regions(np.random.default_rng(1).random(10_000), np.ones(10_000))
    assert len(continuous) == MAX_REGIONS and all(
        a.population < b.population for a, b in zip(continuous, continuous[1:], strict=False)
    )


# --------------------------------------------------------------------------- over whole portfolios


def _portfolio_checks(folder, max_rate: float = 0.35, n_advice: int | None = None) -> dict:
    """Every client's own instalment within their monthly income; every advice option and letter within the cap."""
    artifacts = Artifacts(folder)
    portfolio = Portfolio(artifacts)
    simulator = Simulator(artifacts, max_rate)
    income = np.asarray(portfolio.raw("AMT_INCOME_TOTAL"), dtype=float)
    annuity = np.asarray(portfolio.raw("AMT_ANNUITY"), dtype=float)
    known = np.isfinite(income) & np.isfinite(annuity)
    assert np.all(annuity[known] <= income[known]), "a displayed instalment above the income of the same month"
    proba = np.asarray(portfolio.proba)
    low = portfolio.decision.grey_zone[0]
    ids = [int(portfolio.ids[i]) for i in np.flatnonzero(proba >= low)]
    if n_advice is not None:
        ids = ids[:: max(1, len(ids) // n_advice)]
    counted = {"clients": 0, "options": 0, "letters": 0}
    for client_id in ids:
        base = Application.from_portfolio(portfolio, client_id)
        advice = advise(simulator, base)
        terms = terms_of(base.values)
        for option in advice.options:
            assert option.effort_rate is not None and option.effort_rate <= max_rate + 1e-9, (client_id, option)
            assert option.annuity <= max_rate * terms.income * (1 + 1e-9)
        explanation = portfolio.explanation(client_id)
        context = letter_context(
            explanation, terms, advice, advisor="A", today=pd.Timestamp("2026-12-05").date(), lang="fr", max_rate=max_rate
        )
        printed = " ".join(context["changes"]).replace(NBSP, " ").replace(NNBSP, " ")
        amounts = [float(a.replace(" ", "")) for a in re.findall(r"mensualité de (\d[\d ]*\d|\d)", printed)]
        assert len(amounts) == len(context["changes"])  # every printed option says its monthly instalment
        assert all(a <= max_rate * terms.income + 1 for a in amounts), (client_id, printed)  # rounded to whole units
        if terms.effort_rate is not None and terms.effort_rate > max_rate:
            assert context["kind"] != "granted" and "revenu mensuel" in context["headline"]  # never "accepted"
        counted["clients"] += 1
        counted["options"] += len(advice.options)
        counted["letters"] += bool(context["changes"])
    return counted


def test_whole_synthetic_portfolio_keeps_within_the_income_and_the_cap(synthetic_artifacts):
    counted = _portfolio_checks(synthetic_artifacts, n_advice=300)
    assert counted["clients"] >= 100 and counted["options"] >= 50 and counted["letters"] >= 30, counted


@pytest.fixture(scope="module")
def real_artifacts(tmp_path_factory, real_train_path, real_test_path):
    from scoring.loading import load_application_file

    train = load_application_file(real_train_path, require_target=True)
    test = load_application_file(real_test_path, require_target=False)
    out = tmp_path_factory.mktemp("real") / "art"
    train_and_write(
        clean_anomalies(train)[0],
        clean_anomalies(test)[0],
        out,
        TrainConfig(seed=3, repeats=1, parallel_trees=1, final_tree_factor=1),  # cheap: money checks, not model quality
        data_source="real",
        progress=lambda _: None,
    )
    return out


def test_whole_real_sample_keeps_within_the_income_and_the_cap(real_artifacts):
    counted = _portfolio_checks(real_artifacts)
    assert counted["clients"] >= 20, counted


def test_a_tighter_cap_removes_options_it_would_break(synthetic_artifacts):
    """The cap is a rule, not a coincidence: at 15 % the options that remain all keep within 15 %."""
    counted = _portfolio_checks(synthetic_artifacts, max_rate=0.15, n_advice=80)
    assert counted["clients"] >= 50


def test_the_letter_drops_an_option_above_the_cap():
    option = Option(
        "amount", {"AMT_CREDIT": 100_000.0}, 0.05, "granted", False, 100_000.0, 9_000.0, 12.0, 150_000.0, 12.0, 0.45
    )
    fine = Option(
        "duration", {"CREDIT_DURATION_MONTHS": 48.0}, 0.05, "granted", False, 150_000.0, 4_000.0, 48.0, 150_000.0, 12.0, 0.2
    )
    advice = Advice(1, 0.3, "refused", False, 0.1, (option, fine), None)
    explanation = ClientExplanation(1, 0.3, 0.1, "refused", False, -2.0, -0.85, {}, {})
    terms = terms_of(
        {"NAME_CONTRACT_TYPE": CASH, "AMT_CREDIT": 150_000.0, "AMT_ANNUITY": 13_900.0, "AMT_INCOME_TOTAL": 20_000.0}
    )
    context = letter_context(explanation, terms, advice, advisor="A", today=pd.Timestamp("2026-12-05").date(), lang="fr")
    assert len(context["changes"]) == 1 and "48 mois" in context["changes"][0]
    assert "une part de votre revenu mensuel plus grande" in context["headline"]  # 13,900 / 20,000 = 70 %


# --------------------------------------------------------------------------- a new client without history


def test_an_ordinary_loan_is_scored_with_nothing_invented(synthetic_artifacts):
    """15,000 € over 36 months for a client with 2,500 € a month (30,000 € a year), in the data's unit:
    six months of the portfolio's median monthly income, 36 months."""
    artifacts = Artifacts(synthetic_artifacts)
    portfolio = Portfolio(artifacts)
    simulator = Simulator(artifacts)
    income = float(np.median(np.asarray(portfolio.raw("AMT_INCOME_TOTAL"))))
    typed = {"DAYS_BIRTH": -40 * 365.25, "AMT_INCOME_TOTAL": income, "NAME_CONTRACT_TYPE": CASH, "AMT_CREDIT": 6 * income}
    application = new_application(typed, simulator.columns, 36, simulator.rules.bounds)
    for column in simulator.columns:
        if column not in typed and column != "AMT_ANNUITY":
            assert application.values[column] is None, column  # not provided, never a portfolio median
    terms = terms_of(application.values)
    assert terms.months == pytest.approx(36) and terms.annuity == pytest.approx(instalment(6 * income, 36))
    assert 0 < terms.effort_rate < 0.35
    explanation = simulator.explain(application)
    assert 0 < explanation.probability < 1 and explanation.decision in ("granted", "refused")
    assert explanation.verdict.needs_advice == (
        advise(simulator, application).reason != "granted"
    )
    # Outside the product's bounds (here: a tenth of the smallest amount the data knows), a clear refusal.
    with pytest.raises(InvalidChanges) as refused:
        new_application(
            {**typed, "AMT_CREDIT": simulator.rules.bound(AMOUNT)[0] / 10}, simulator.columns, 36, simulator.rules.bounds
        )
    assert refused.value.problems[0].code == "out_of_range"


def test_the_real_sample_accepts_its_own_ordinary_loan(real_artifacts):
    artifacts = Artifacts(real_artifacts)
    simulator = Simulator(artifacts)
    raw = pd.read_csv(REAL_TRAIN)
    income = float(raw["AMT_INCOME_TOTAL"].median())
    typed = {"DAYS_BIRTH": -30 * 365.25, "AMT_INCOME_TOTAL": income, "NAME_CONTRACT_TYPE": CASH, "AMT_CREDIT": 6 * income}
    application = new_application(typed, simulator.columns, 36, simulator.rules.bounds)
    assert simulator.explain(application).probability > 0
    assert implied_duration(6 * income, application.values["AMT_ANNUITY"]) == pytest.approx(36)


def test_unaffordable_terms_are_refused_on_the_models_word_but_an_advisors_grant_stands():
    """The model's yes cannot override the lender's cap; an advisor's recorded grant (they may know income the
    data does not) is the final decision and the letter follows it."""
    from datetime import UTC, datetime

    from scoring.review_rules import GRANT, ReviewRecord

    explanation = ClientExplanation(1, 0.02, 0.1, "granted", False, -4.0, -0.85, {}, {})
    terms = terms_of(
        {"NAME_CONTRACT_TYPE": CASH, "AMT_CREDIT": 150_000.0, "AMT_ANNUITY": 13_900.0, "AMT_INCOME_TOTAL": 20_000.0}
    )
    today = pd.Timestamp("2026-12-05").date()
    by_model = letter_context(explanation, terms, None, advisor="A", today=today, lang="fr")
    assert by_model["kind"] == "refused" and "une part de votre revenu mensuel plus grande" in by_model["headline"]
    review = ReviewRecord(
        1, 1, "A", GRANT, "income_or_guarantee", "", datetime(2026, 12, 5, tzinfo=UTC), "v", 0.02, "granted"
    )
    by_advisor = letter_context(explanation, terms, None, advisor="A", today=today, lang="fr", final=review)
    assert by_advisor["kind"] == "granted" and "est acceptée" in by_advisor["headline"]
