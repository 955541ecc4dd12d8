"""What-if simulation and counterfactual advice (scoring/simulate.py, scoring/advice.py) and their CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from scoring import cli
from scoring.advice import MIN_AMOUNT_SHARE, advise, max_months
from scoring.artifacts import Artifacts
from scoring.decision import GRANTED, REFUSED
from scoring.features import FeatureTransform
from scoring.fields import FIELDS, model_features
from scoring.loading import load_application_file
from scoring.model import TrainConfig, monotone_constraints
from scoring.portfolio import Portfolio
from scoring.simulate import (
    CREDIT,
    DURATION,
    Application,
    InvalidChanges,
    Simulator,
    apply_changes,
    check_changes,
    implied_duration,
    instalment,
    new_application,
    parse_number,
    simulate,
    terms_of,
)

from .conftest import REAL_TRAIN, ROOT


@pytest.fixture(scope="module")
def setup(synthetic_artifacts):
    artifacts = Artifacts(synthetic_artifacts)
    return artifacts, Portfolio(artifacts), Simulator(artifacts)


def clients(portfolio, low: float, high: float, n: int) -> list[int]:
    proba = np.asarray(portfolio.proba)
    index = np.flatnonzero((proba >= low) & (proba < high))
    return [int(portfolio.ids[i]) for i in index[np.linspace(0, len(index) - 1, min(n, len(index))).astype(int)]]


def test_repayment_formula_round_trips():
    assert instalment(120_000, 12, 0.0) == pytest.approx(10_000)
    for amount, months in ((300_000, 36), (50_000, 6), (1_000_000, 84)):
        assert implied_duration(amount, instalment(amount, months)) == pytest.approx(months, abs=1e-5)
    # An instalment that does not cover the monthly interest never repays the credit.
    assert implied_duration(300_000, 300_000 * 0.2 / 12) is None
    assert implied_duration(None, 1000) is None and implied_duration(1000, 0) is None


@pytest.mark.parametrize(
    ("text", "mark", "expected"),
    [
        ("1,5", ",", 1.5),  # French decimal comma
        ("1.5", ",", 1.5),  # a dot is read as a decimal mark in French too (no ambiguity there)
        ("450 000", ",", 450_000.0),
        ("450\u202f000,50", ",", 450_000.5),  # CLDR's narrow no-break space, as the form shows it back
        ("\u22123,5", ",", -3.5),  # a true minus sign
        ("450,000", ".", 450_000.0),  # English groups digits with commas...
        ("1,500.5", ".", 1_500.5),
        ("1,5", ".", None),  # ...so "1,5" is refused in English, never read as 15
        ("12,34,567", ".", None),
        ("406598,5", None, 406_598.5),  # command line and files: one comma and no dot is a decimal comma
        ("12ab", ",", None),
        ("1,2,3", ",", None),
        ("1.5,2", ",", None),
        ("", ",", None),
        ("nan", ",", None),
        ("inf", None, None),
        ("0x10", ",", None),
        ("1_000", ",", None),
    ],
)
def test_numbers_are_read_by_the_languages_decimal_mark(text, mark, expected):
    assert parse_number(text, mark) == expected


def test_transform_of_a_mapping_equals_that_of_a_frame():
    if REAL_TRAIN.is_file():
        frame = load_application_file(REAL_TRAIN, require_target=True)
    else:
        from scoring.synthetic import generate_applications

        frame = generate_applications(500, 0, seed=3)[0]
    transform = FeatureTransform.fit(frame)
    mapping = {
        c: frame[c].to_numpy(dtype=object) if FIELDS[c].categorical else frame[c].to_numpy(dtype=float)
        for c in transform.required_columns
    }
    np.testing.assert_array_equal(transform.transform(mapping), transform.transform(frame))


def test_unchanged_application_reproduces_the_portfolio_score(setup):
    artifacts, portfolio, simulator = setup
    for client_id in [int(i) for i in portfolio.ids[:: len(portfolio) // 60]]:
        stored = portfolio.explanation(client_id)
        again = simulator.explain(Application.from_portfolio(portfolio, client_id))
        assert again.probability == pytest.approx(stored.probability, abs=1e-6)
        assert (again.decision, again.in_grey_zone) == (stored.decision, stored.in_grey_zone)
        for name, value in stored.contributions.items():
            assert again.contributions[name] == pytest.approx(value, abs=1e-5)
        assert again.base_value == pytest.approx(stored.base_value, abs=1e-6)


def test_amount_keeps_the_duration_and_duration_keeps_the_amount(setup):
    _, portfolio, _ = setup
    client_id = clients(portfolio, 0, 1, 50)[7]
    values = Application.from_portfolio(portfolio, client_id).values
    terms = terms_of(values)
    smaller = apply_changes(values, {CREDIT: terms.credit / 2})
    assert smaller["AMT_ANNUITY"] == pytest.approx(terms.annuity / 2)
    if terms.months is not None:
        assert terms_of(smaller).months == pytest.approx(terms.months, abs=1e-4)
    if values["NAME_CONTRACT_TYPE"] == "Cash loans":
        longer = apply_changes(values, {DURATION: 60})
        assert longer[CREDIT] == values[CREDIT]
        assert terms_of(longer).months == pytest.approx(60, abs=1e-4)
        assert longer["AMT_ANNUITY"] == pytest.approx(instalment(terms.credit, 60))


def test_simulation_changes_only_what_was_asked(setup):
    _, portfolio, simulator = setup
    client_id = clients(portfolio, 0, 1, 20)[3]
    base = Application.from_portfolio(portfolio, client_id)
    outcome = simulate(simulator, base, {"AMT_INCOME_TOTAL": "250 000"})
    assert set(outcome.changed) == {"AMT_INCOME_TOTAL"}
    income_features = {n for n in outcome.after.feature_values if "AMT_INCOME_TOTAL" in FIELDS[n].sources}
    for name, value in outcome.after.feature_values.items():
        if name not in income_features:
            assert value == pytest.approx(outcome.before.feature_values[name], nan_ok=True)
    assert outcome.after.feature_values["AMT_INCOME_TOTAL"] == 250_000
    margin = outcome.after.base_value + sum(outcome.after.contributions.values())
    assert 1 / (1 + math.exp(-margin)) == pytest.approx(outcome.after.probability, abs=1e-4)


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"AMT_CREDIT": -5}, "AMT_CREDIT", "out_of_range"),
        ({"AMT_CREDIT": "abc"}, "AMT_CREDIT", "not_a_number"),
        ({"AMT_CREDIT": float("nan")}, "AMT_CREDIT", "not_a_number"),
        ({"AMT_CREDIT": 1e12}, "AMT_CREDIT", "out_of_range"),
        ({"CNT_CHILDREN": 1.5}, "CNT_CHILDREN", "not_whole"),
        ({"CODE_GENDER": "F"}, "CODE_GENDER", "not_simulable"),
        ({"EXT_SOURCE_2": 0.9}, "EXT_SOURCE_2", "not_simulable"),
        ({"DAYS_BIRTH": -20_000}, "DAYS_BIRTH", "not_simulable"),
        ({"NOPE": 1}, "NOPE", "unknown_field"),
        ({"NAME_CONTRACT_TYPE": "Mortgage"}, "NAME_CONTRACT_TYPE", "unknown_level"),
        ({"AMT_CREDIT": None}, "AMT_CREDIT", "required"),
        ({DURATION: 500}, DURATION, "out_of_range"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(changes, field, code):
    with pytest.raises(InvalidChanges) as refused:
        check_changes(changes)
    problem = refused.value.by_field()[field]
    assert problem.code == code
    assert field in str(refused.value) and "\n" not in str(refused.value)


def test_inconsistent_terms_are_refused(setup):
    _, portfolio, simulator = setup
    client_id = clients(portfolio, 0, 1, 20)[5]
    base = Application.from_portfolio(portfolio, client_id)
    for changes, field in (
        ({"CNT_FAM_MEMBERS": 1, "CNT_CHILDREN": 3}, "CNT_FAM_MEMBERS"),
        ({"AMT_ANNUITY": 20_000, DURATION: 24}, DURATION),
        ({"NAME_CONTRACT_TYPE": "Revolving loans", DURATION: 24}, DURATION),
        ({"AMT_CREDIT": 5_000_000, DURATION: 6}, DURATION),  # an instalment of ~870,000 a month
    ):
        with pytest.raises(InvalidChanges) as refused:
            simulate(simulator, base, changes)
        assert field in refused.value.by_field(), (changes, str(refused.value))


def test_new_application_scores_and_checks_required_fields(setup):
    _, portfolio, simulator = setup
    typical = Application.from_portfolio(portfolio, int(portfolio.ids[0])).values
    form = {k: v for k, v in typical.items() if k != "AMT_ANNUITY"}
    application = new_application({**form, "NAME_CONTRACT_TYPE": "Cash loans"}, simulator.columns, 36)
    assert application.values["AMT_ANNUITY"] == pytest.approx(instalment(form["AMT_CREDIT"], 36))
    explanation = simulator.explain(application)
    assert 0 < explanation.probability < 1 and explanation.client_id is None
    sparse = {k: None for k in form} | {
        "AMT_CREDIT": 200_000,
        "AMT_INCOME_TOTAL": 90_000,
        "DAYS_BIRTH": -12_000,
        "NAME_CONTRACT_TYPE": "Cash loans",
    }
    assert 0 < simulator.explain(new_application(sparse, simulator.columns, "24")).probability < 1
    with pytest.raises(InvalidChanges) as refused:
        new_application({**form, "AMT_CREDIT": None, "NAME_CONTRACT_TYPE": "Cash loans"}, simulator.columns, None)
    assert {"AMT_CREDIT", DURATION} <= set(refused.value.by_field())


def test_training_uses_the_registry_monotone_constraints(setup):
    artifacts, _, simulator = setup
    names = list(artifacts.transform.features)
    params = TrainConfig().xgb_params(9.0, names)
    assert params["monotone_constraints"] == "(" + ",".join(str(FIELDS[n].monotone) for n in names) + ")"
    assert {n for n, c in zip(names, monotone_constraints(names), strict=True) if c} == {
        "AMT_CREDIT",
        "AMT_ANNUITY",
        "CREDIT_INCOME_RATIO",
        "ANNUITY_INCOME_RATIO",
        "PAYMENT_RATE",
        "CREDIT_GOODS_RATIO",
    }
    assert "monotone_constraints" not in TrainConfig(monotone=False).xgb_params(9.0, names)
    # The serving Booster runs on one thread per web worker.
    assert json.loads(simulator.booster.save_config())["learner"]["generic_param"]["nthread"] == "1"


def test_borrowing_less_or_longer_never_raises_the_risk(setup):
    _, portfolio, simulator = setup
    for client_id in clients(portfolio, portfolio.decision.threshold, 1, 40):
        base = Application.from_portfolio(portfolio, client_id)
        terms = terms_of(base.values)
        rows = [apply_changes(base.values, {CREDIT: terms.credit * s}) for s in np.linspace(1, MIN_AMOUNT_SHARE, 12)]
        assert np.all(np.diff(simulator.probabilities(base, rows)) <= 1e-7), client_id
        longest = max_months(simulator)
        if terms.months is not None and terms.months < longest:
            rows = [apply_changes(base.values, {DURATION: m}) for m in np.linspace(math.ceil(terms.months), longest, 12)]
            assert np.all(np.diff(simulator.probabilities(base, rows)) <= 1e-7), client_id


def test_every_advice_option_gives_the_decision_it_claims(setup):
    """Over refused and grey-zone clients: each option, applied as `whatif` applies it, reaches its claim."""
    _, portfolio, simulator = setup
    low = portfolio.decision.grey_zone[0]
    seen_kinds, with_options, without = set(), 0, 0
    for client_id in clients(portfolio, low, 1, 80):
        base = Application.from_portfolio(portfolio, client_id)
        advice = advise(simulator, base)
        assert len(advice.options) <= 3 and len({o.kind for o in advice.options}) == len(advice.options)
        for option in advice.options:
            assert set(option.changes) <= {CREDIT, DURATION}  # credit terms alone
            outcome = simulate(simulator, base, option.changes)
            assert outcome.after.decision == option.decision == GRANTED
            assert outcome.after.probability == pytest.approx(option.probability, abs=1e-9)
            assert outcome.after.probability < advice.target
            if CREDIT in option.changes:
                assert MIN_AMOUNT_SHARE * option.credit_before <= option.changes[CREDIT] < option.credit_before
                assert option.changes[CREDIT] % 1000 == 0
            if DURATION in option.changes:
                assert option.months_before < option.changes[DURATION] <= max_months(simulator)
            seen_kinds.add(option.kind)
        with_options += bool(advice.options)
        without += not advice.options and advice.reason == "none_found"
        assert advise(simulator, base) == advice  # deterministic
    assert with_options >= 10 and seen_kinds >= {"amount", "duration"}, (with_options, seen_kinds)
    assert without >= 1  # some clients get the honest "nothing within bounds"


def test_advice_amount_is_the_smallest_reduction_on_its_grid(setup):
    _, portfolio, simulator = setup
    for client_id in clients(portfolio, portfolio.decision.threshold, 1, 40):
        base = Application.from_portfolio(portfolio, client_id)
        option = next((o for o in advise(simulator, base).options if o.kind == "amount"), None)
        if option is None:
            continue
        one_step_more = apply_changes(base.values, {CREDIT: option.changes[CREDIT] + 1000})
        terms = terms_of(one_step_more)
        if one_step_more[CREDIT] < option.credit_before:
            # One step more is refused by the model, or breaks the lender's maximum effort rate.
            refused = simulator.probabilities(base, [one_step_more])[0] >= portfolio.decision.threshold
            assert refused or not simulator.rules.affordable(terms.annuity, terms.income)


def test_granted_clients_need_no_advice(setup):
    _, portfolio, simulator = setup
    client_id = clients(portfolio, 0, portfolio.decision.grey_zone[0] * 0.5, 5)[0]
    advice = advise(simulator, Application.from_portfolio(portfolio, client_id))
    assert advice.options == () and advice.reason == "granted" and "no change" in advice.message()


def test_no_pandas_or_scikit_learn_in_a_serving_process(synthetic_artifacts):
    """The web workers simulate without pandas, scikit-learn or SciPy's statistics (~130 MB each, measured)."""
    code = (
        "import sys; from wsgi import create_app; from app.config import Config; "
        f"app = create_app(Config(artifacts_dir={str(synthetic_artifacts)!r}, build_default=False)); "
        "from scoring.simulate import Application, simulate; s = app.server.config['services']; "
        "p = s.portfolio; b = Application.from_portfolio(p, int(p.ids[0])); "
        "simulate(s.simulator, b, {'AMT_CREDIT': 100000}); "
        "print(sorted(m for m in ('pandas', 'sklearn', 'scipy.stats') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


# --------------------------------------------------------------------------- command line


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_whatif_and_advise_json(setup, synthetic_artifacts, capsys):
    _, portfolio, _ = setup
    folder = str(synthetic_artifacts)
    checked = 0
    for client_id in clients(portfolio, portfolio.decision.threshold, 1, 25):
        code, out, _ = run_cli(capsys, "advise", "--artifacts", folder, "--client", str(client_id), "--json")
        advice = json.loads(out)
        assert code == 0 and {"client_id", "decision", "options"} <= set(advice)
        assert advice["decision"] == REFUSED and advice["client_id"] == client_id
        if not advice["options"]:
            assert advice["message"]
        assert advice["max_effort_rate"] == 0.35 and "effort_rate" in advice and "affordable" in advice
        for option in advice["options"]:
            # Each option's monthly instalment and effort rate (instalment / monthly income), within the cap.
            income = portfolio.raw_value("AMT_INCOME_TOTAL", portfolio.index_of(client_id))
            assert option["effort_rate"] == pytest.approx(option["monthly_instalment"] / income)
            assert option["effort_rate"] <= 0.35
            sets = [a for k, v in option["changes"].items() for a in ("--set", f"{k}={v}")]
            code, out, _ = run_cli(capsys, "whatif", "--artifacts", folder, "--client", str(client_id), *sets, "--json")
            result = json.loads(out)
            assert code == 0 and set(result) == {"client_id", "before", "after", "changed"}
            assert {"probability", "decision", "base_value", "margin", "contributions"} <= set(result["after"])
            assert result["after"]["decision"] == option["decision"]
            assert result["after"]["probability"] == pytest.approx(option["probability"], abs=1e-9)
            assert result["before"]["decision"] == REFUSED
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--client", "1", "--set", "AMT_CREDIT=300000"], "not in the portfolio"),
        (["--client", "abc", "--set", "AMT_CREDIT=300000"], "invalid client id"),
        (["--set", "NOPE=1"], "NOPE is not a field"),
        (["--set", "AMT_CREDIT=-3"], "outside the accepted range"),
        (["--set", "AMT_CREDIT=lots"], "is not a number"),
        (["--set", "CODE_GENDER=F"], "cannot be changed"),
        ([], "nothing to simulate"),
    ],
)
def test_cli_whatif_bad_input_exits_2_with_one_line(setup, synthetic_artifacts, capsys, args, fragment):
    _, portfolio, _ = setup
    client = [] if "--client" in args else ["--client", str(int(portfolio.ids[3]))]
    code, out, err = run_cli(capsys, "whatif", "--artifacts", str(synthetic_artifacts), *client, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err


def test_cli_advise_takes_the_lenders_cap(setup, synthetic_artifacts, capsys):
    _, portfolio, _ = setup
    client_id = clients(portfolio, portfolio.decision.threshold, 1, 1)[0]
    args = ("advise", "--artifacts", str(synthetic_artifacts), "--client", str(client_id), "--json")
    code, out, _ = run_cli(capsys, *args, "--max-effort-rate", "20%")
    advice = json.loads(out)
    assert code == 0 and advice["max_effort_rate"] == pytest.approx(0.2)
    assert all(o["effort_rate"] <= 0.2 for o in advice["options"])
    with pytest.raises(SystemExit) as stopped:  # argparse: usage and one line, exit 2
        cli.main([*args, "--max-effort-rate", "2"])
    assert stopped.value.code == 2 and "share between 0 and 1" in capsys.readouterr().err


def test_cli_advise_unknown_client(synthetic_artifacts, capsys):
    code, _, err = run_cli(capsys, "advise", "--artifacts", str(synthetic_artifacts), "--client", "999999999")
    assert code == 2 and "not in the portfolio" in err and len(err.strip().splitlines()) == 1


def test_every_model_candidate_has_a_valid_monotone_value():
    for field in model_features():
        assert field.monotone in (-1, 0, 1)
    assert FIELDS[DURATION].role == "term" and not FIELDS[DURATION].model
    assert pd.notna(FIELDS[DURATION].range[0])
