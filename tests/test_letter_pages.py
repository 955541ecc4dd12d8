"""The client letter fits on one A4 page when it says the most: a refused client with options, in both languages."""

from __future__ import annotations

import io

import numpy as np
import pytest
from pypdf import PdfReader

from app.config import Config
from app.queries import client_advice
from wsgi import create_app


@pytest.fixture(scope="module")
def app(synthetic_artifacts):
    return create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False))


def refused_with_most_options(services, scan: int = 40) -> int:
    """Among refused clients, one whose letter lists the most options (the longest letter)."""
    proba, ids = np.asarray(services.portfolio.proba), np.asarray(services.portfolio.ids)
    refused = np.flatnonzero(proba >= services.artifacts.decision.threshold)[:scan]
    counted = [(len(client_advice(services, int(ids[i])).options), int(ids[i])) for i in refused]
    most, client_id = max(counted)
    assert most >= 1, "no refused client with options in the sample"
    return client_id


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_refused_letter_with_options_is_one_a4_page(app, lang):
    services = app.server.config["services"]
    client_id = refused_with_most_options(services)
    client = app.server.test_client()
    client.get(f"/lang/{lang}")
    response = client.get(f"/lettre.pdf?client={client_id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.data))
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert len(pdf.pages) == 1, f"{lang} letter for client {client_id}: {len(pdf.pages)} pages"
    assert str(client_id) in pdf.pages[0].extract_text()  # the reference line, last on the page, is on it


def test_a_request_above_the_products_bounds_gets_its_letter_and_advice_within_them(app):
    """The data's own bounds leave some requests outside (the largest amounts): their letter and advice still
    answer, and every option offered is an amount and a duration the product offers."""
    from scoring.advice import offered
    from scoring.affordability import AMOUNT
    from scoring.simulate import Application, simulate

    services = app.server.config["services"]
    simulator, portfolio = services.simulator, services.portfolio
    high = simulator.rules.bound(AMOUNT)[1]
    ids, credit = np.asarray(portfolio.ids), np.asarray(portfolio.raw("AMT_CREDIT"), dtype=float)
    refused = np.asarray(portfolio.proba) >= services.artifacts.decision.threshold
    above = [int(i) for i in ids[(credit > high) & refused][:12]]
    assert len(above) >= 3, "the sample has no refused request above the amount bound"
    client = app.server.test_client()
    seen = 0
    for client_id in above:
        response = client.get(f"/lettre?client={client_id}")
        assert response.status_code == 200, (client_id, response.status_code)
        advice = client_advice(services, client_id)
        base = Application.from_portfolio(portfolio, client_id)
        for option in advice.options:
            assert offered(simulate(simulator, base, option.changes).terms_after, simulator.rules)
            assert option.credit <= high
            seen += 1
    assert seen >= 1, "no option found for any of them: the check above never ran"
