"""Risk curves (scoring/curve.py, layouts/curve.py, callbacks/curve.py): the what-if's numbers, the lender's limit,
the advice's options on the curves, and a view built only once its disclosure is opened."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from plotly.utils import PlotlyJSONEncoder

from callbacks.curve import max_effort_rate
from layouts import curve as view
from scoring.advice import advise
from scoring.affordability import MAX_EFFORT_RATE, max_instalment
from scoring.artifacts import Artifacts
from scoring.curve import curves
from scoring.portfolio import Portfolio
from scoring.simulate import CONTRACT, CREDIT, DURATION, REVOLVING, Application, Simulator, instalment, simulate, terms_of

from .dash_requests import call, post

CURVE = "curve-status.children"


@pytest.fixture(scope="module")
def setup(synthetic_artifacts):
    artifacts = Artifacts(synthetic_artifacts)
    return Portfolio(artifacts), Simulator(artifacts)


def refused(portfolio, rank: int) -> int:
    proba = np.asarray(portfolio.proba)
    index = np.flatnonzero(proba >= portfolio.decision.threshold)
    return int(portfolio.ids[index[np.argsort(proba[index])][rank]])


def cash_client(portfolio, rank: int) -> int:
    found = []
    for i in range(len(portfolio.ids)):
        if portfolio.raw_value(CONTRACT, i) != REVOLVING:
            found.append(int(portfolio.ids[i]))
            if len(found) > rank:
                return found[-1]
    raise AssertionError("no cash loan")


def test_every_point_is_the_what_if_of_that_change(setup):
    """Same path as the what-if: each point's probability is what `simulate` gives for that amount or duration, and
    the client's own point is the portfolio's probability."""
    portfolio, simulator = setup
    client_id = cash_client(portfolio, 4)
    base = Application.from_portfolio(portfolio, client_id)
    found = curves(simulator, base, MAX_EFFORT_RATE)
    assert found.probability == pytest.approx(float(portfolio.proba[portfolio.index_of(client_id)]), abs=1e-6)
    assert found.amount is not None and found.duration is not None
    assert len(found.amount.points) >= 30 and len(found.duration.points) >= 20
    for curve, name in ((found.amount, CREDIT), (found.duration, DURATION)):
        values = [p.value for p in curve.points]
        assert values == sorted(values) and curve.current in values
        for point in curve.points[:: max(1, len(curve.points) // 5)]:
            outcome = simulate(simulator, base, {name: point.value})
            assert point.probability == pytest.approx(outcome.after.probability, abs=1e-6)
            assert point.annuity == pytest.approx(outcome.terms_after.annuity, rel=1e-9)
            assert point.decision == outcome.after.decision


def test_affordability_limit_splits_the_points(setup):
    """Amounts above the limit, durations under it, are exactly the points whose instalment breaks the cap."""
    portfolio, simulator = setup
    for rank in (1, 7, 13):
        base = Application.from_portfolio(portfolio, cash_client(portfolio, rank))
        for rate in (0.1, 0.35):
            found = curves(simulator, base, rate)
            cap = max_instalment(float(base.values["AMT_INCOME_TOTAL"]), rate)
            assert found.max_instalment == pytest.approx(cap)
            for p in found.amount.points:
                assert p.affordable == (p.value <= found.amount.limit * (1 + 1e-9))
                assert p.affordable == (p.annuity <= cap * (1 + 1e-9))
            for p in found.duration.points:
                assert p.affordable == (p.annuity <= cap * (1 + 1e-9))
                if not math.isinf(found.duration.limit):
                    assert p.affordable == (p.value >= found.duration.limit - 1e-6)
                    assert instalment(terms_of(base.values).credit, found.duration.limit) == pytest.approx(cap)


def test_revolving_credit_has_only_the_amount_curve(setup):
    portfolio, simulator = setup
    index = next(i for i in range(len(portfolio.ids)) if portfolio.raw_value(CONTRACT, i) == REVOLVING)
    found = curves(simulator, Application.from_portfolio(portfolio, int(portfolio.ids[index])), MAX_EFFORT_RATE)
    assert found.duration is None and found.amount is not None
    assert "crédit renouvelable" in view.status_text(found, "fr")


def test_advice_options_are_points_of_the_figure_and_table(setup):
    portfolio, simulator = setup
    for rank in range(0, 40, 3):
        base = Application.from_portfolio(portfolio, refused(portfolio, rank))
        advice = advise(simulator, base)
        on_amount = [o for o in advice.options if o.kind == "amount"]
        if on_amount and base.values.get(CONTRACT) != REVOLVING:
            break
    else:
        pytest.skip("no refused client with an amount option in this small portfolio")
    found = curves(simulator, base, MAX_EFFORT_RATE)
    figure = view.figure(found, found.amount, advice, "fr")
    names = [t["name"] for t in figure["data"]]
    option_trace = figure["data"][names.index("Option conseillée")]
    assert option_trace["x"] == [on_amount[0].credit]
    assert option_trace["y"] == [pytest.approx(100 * on_amount[0].probability)]
    client_trace = figure["data"][names.index("La demande du client")]
    assert client_trace["x"] == [found.amount.current] and client_trace["y"] == [pytest.approx(100 * found.probability)]
    assert any(n.startswith("Seuil") for n in names) and any(n.startswith("Zone grise") for n in names)
    table = json.dumps(view.table(found, found.amount, advice, "fr"), cls=PlotlyJSONEncoder, ensure_ascii=False)
    assert "option conseillée" in table and "demande du client" in table


def test_words_and_ticks_have_no_english_and_no_abbreviated_thousands(setup):
    portfolio, simulator = setup
    base = Application.from_portfolio(portfolio, cash_client(portfolio, 2))
    found = curves(simulator, base, MAX_EFFORT_RATE)
    for curve in (found.amount, found.duration):
        caption = view.caption(found, curve, "fr")
        assert "Probabilité de défaut de" in caption and " the " not in caption
        layout = view.figure(found, curve, None, "fr")["layout"]
        assert layout["xaxis"]["tickformat"] == ",.0f"  # "450 000", never "450k"
        assert layout["separators"] == ",\u202f"
    assert "Probability of default from" in view.caption(found, found.amount, "en")


def test_max_effort_rate_comes_from_the_configuration():
    class Config:
        max_effort_rate = 0.33

    assert max_effort_rate(Config()) == 0.33
    assert max_effort_rate(object()) == MAX_EFFORT_RATE
    Config.max_effort_rate = 7  # not a rate: the default, never a crash
    assert max_effort_rate(Config()) == MAX_EFFORT_RATE


def test_callback_builds_nothing_until_opened_then_the_charts(dash_app):
    client = dash_app.server.test_client()
    portfolio = dash_app.server.config["services"].portfolio
    client_id = int(portfolio.ids[5])
    # A client switch with the curves never opened: no output at all (no model call, nothing sent to the page).
    response = post(client, dash_app, CURVE, {"client-id.data": client_id, "lang.data": "fr"}, ["client-id.data"])
    assert response.status_code == 204 or response.get_json()["response"] == {}
    status, out = call(
        client,
        dash_app,
        CURVE,
        {"client-id.data": client_id, "lang.data": "fr", "curve-open.n_clicks": 1},
        ["curve-open.n_clicks"],
    )
    assert status == 200
    assert out[CURVE].startswith(f"Courbes du client {client_id}")
    body = json.dumps(out["curve-body.children"], ensure_ascii=False)
    assert "curve-amount-figure" in body and "Probabilité de défaut selon le montant du crédit" in body
    status, out = call(
        client,
        dash_app,
        CURVE,
        {"client-id.data": None, "lang.data": "en", "curve-open.n_clicks": 1},
        ["curve-open.n_clicks"],
    )
    assert out[CURVE] == "Choose a client first." and out["curve-body.children"] == []
