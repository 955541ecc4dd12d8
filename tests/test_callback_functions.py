"""Each view's callback called as the plain function it is, ``f(services, **inputs) -> dict of outputs``.

No Dash request, no HTTP: the services of a dashboard built on the small synthetic portfolio, and a client
chosen by the model's own decision, so that what each view says can be checked against the portfolio.
The end-to-end path (Dash's request, the guard, ``unless_shown``) is covered by the HTTP and browser tests.
Which control ran a callback is Dash's request context; outside a request ``triggered()`` is None (a client
change or first load), and the tests that need another trigger say so by patching the view's ``triggered``.
"""

from __future__ import annotations

import numpy as np
import pytest
from dash import no_update

from app.config import Config
from callbacks import advice, application, client_card, comparison, curve, explanation, review, selection, summary, whatif
from layouts.advice import ids as advice_ids
from layouts.comparison import DEFAULT_X, DEFAULT_Y
from layouts.decision import credit_words
from layouts.i18n import language
from layouts.review import ids as review_ids
from layouts.whatif import ids as whatif_ids
from scoring.decision import GRANTED, REFUSED
from scoring.review_rules import REFUSE
from wsgi import create_app

from .test_layouts import text_of

UNKNOWN = 999_999_999  # digits, but nobody in the portfolio


@pytest.fixture(scope="module")
def dash_app(synthetic_artifacts, tmp_path_factory):
    """The dashboard with its own review register (a recorded review must not reach another module's)."""
    db = tmp_path_factory.mktemp("reviews") / "reviews.sqlite3"
    return create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False, database_url=f"sqlite:///{db}"))


@pytest.fixture(scope="module")
def services(dash_app):
    return dash_app.server.config["services"]


@pytest.fixture(scope="module")
def clients(services) -> dict[str, int]:
    """One refused and one granted client, outside the grey zone, by the portfolio's own probabilities."""
    portfolio = services.portfolio
    proba, ids = np.asarray(portfolio.proba), np.asarray(portfolio.ids)
    low, high = services.artifacts.decision.grey_zone
    refused = np.flatnonzero(proba >= max(high, portfolio.decision.threshold))
    granted = np.flatnonzero(proba < min(low, portfolio.decision.threshold))
    assert refused.size and granted.size, "the synthetic portfolio should hold both decisions"
    return {REFUSED: int(ids[refused[0]]), GRANTED: int(ids[granted[0]])}


def said(value) -> str:
    """The words of an output (a string, a component or a list of them)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(said(v) for v in value)
    return text_of(value)


# -- selection --------------------------------------------------------------------------------------------


def test_selection_follows_a_linked_client_and_explains_an_unknown_one(services, clients):
    chosen = clients[GRANTED]
    out = selection.select_client(services, url_search=f"?client={chosen}", clicks=None, submits=None, typed=None, lang="en")
    assert out["client"] == chosen and out["error"] == "" and out["typed_out"] == str(chosen)
    assert out["search"] is no_update  # the address already says it

    unknown = selection.select_client(
        services, url_search=f"?client={UNKNOWN}", clicks=None, submits=None, typed=None, lang="en"
    )
    assert "client" not in unknown and f"Client {UNKNOWN} is not in the portfolio" in unknown["error"]
    no_query = selection.select_client(services, url_search="", clicks=None, submits=None, typed=None, lang="fr")
    assert no_query == {"error": ""}  # nothing asked: nothing said


def test_selection_suggests_ids_from_three_digits(services, clients):
    chosen = str(clients[REFUSED])
    options = selection.suggest(services, typed=chosen[:4])["options"]
    assert options and all(o.value.startswith(chosen[:4]) for o in options)
    assert chosen in {o.value for o in selection.suggest(services, typed=chosen)["options"]}
    assert selection.suggest(services, typed="1")["options"] == []
    assert selection.suggest(services, typed={"forged": 1})["options"] == []


# -- summary ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", [REFUSED, GRANTED])
def test_summary_says_the_models_decision(services, clients, decision):
    out = summary.show_summary(services, client_id=clients[decision], lang="fr")
    assert out["body"] is False and out["empty"] is True
    assert out["decision_class"].startswith(f"decision decision-{decision}")
    assert credit_words(decision, "fr") in said(out["decision"])
    proba = services.portfolio.explanation(clients[decision]).probability
    assert language("fr").percent(proba, 1) in out["proba"]
    assert "gauge_table" not in out  # built only once its disclosure has been opened
    opened = summary.show_summary(services, client_id=clients[decision], lang="fr", table_clicks=1)
    assert opened["gauge_table"]


def test_summary_of_an_unknown_or_forged_client_is_its_empty_state(services):
    for forged in (UNKNOWN, "12; DROP", True, None):
        out = summary.show_summary(services, client_id=forged, lang="en")
        assert out["empty"] is False and out["body"] is True and out["status"] == ""
        assert "decision" not in out


# -- explanation ------------------------------------------------------------------------------------------


def test_explanation_names_what_mattered(services, clients):
    out = explanation.show_explanation(services, client_id=clients[REFUSED], lang="en")
    assert out["paragraph_class"] == "lead-text" and out["data"] is False
    assert out["waterfall"] and "table" not in out
    empty = explanation.show_explanation(services, client_id=UNKNOWN, lang="en")
    assert empty["paragraph"] == "Choose a client to see what mattered." and "waterfall" not in empty


# -- client card ------------------------------------------------------------------------------------------


def test_client_card_is_built_when_opened_and_shows_the_client(services, clients):
    assert client_card.show_body(services, clicks=None, shown="", lang="fr") == {}
    opened = client_card.show_body(services, clicks=1, shown="", lang="fr")
    assert opened["body"] and opened["body_class"]
    assert client_card.show_body(services, clicks=2, shown=opened["body_class"], lang="fr") == {}  # already there
    card = said(client_card.show_card(services, client_id=clients[GRANTED], lang="en")["content"])
    assert str(clients[GRANTED]) in card
    assert said(client_card.show_card(services, client_id=UNKNOWN, lang="en")["content"]) != card


# -- comparison -------------------------------------------------------------------------------------------


def test_comparison_counts_the_group_and_falls_back_from_bad_controls(services, clients):
    controls = {"base": "all", "k": 50, "gender": "any", "age": "any", "income": "any", "contract": "any"}
    out = comparison.compare(
        services, client_id=clients[REFUSED], x_name="AMT_CREDIT", y_name="AMT_INCOME_TOTAL", lang="en", **controls
    )
    n = len(services.portfolio.ids)
    assert out["size"] == f"Compared group: {language('en').number(n)} clients." and out["k_error"] == ""
    assert out["hist"] and out["cross"] and "hist_table" not in out

    bad = comparison.compare(
        services,
        client_id=clients[REFUSED],
        x_name="NOT_A_FIELD",
        y_name=None,
        lang="en",
        **{**controls, "base": "nearest", "k": "many"},
    )
    assert "must be a whole number" in bad["k_error"]  # and the nearest clients are still shown
    assert bad["hist_title"] == comparison.titles(DEFAULT_X, DEFAULT_Y, "en")["hist_title"]  # the defaults
    unknown = comparison.compare(services, client_id=UNKNOWN, x_name=None, y_name=None, lang="en", **controls)
    assert unknown["size"] == "Choose a client to compare them."


# -- risk curves ------------------------------------------------------------------------------------------


def test_curves_wait_for_their_disclosure_then_follow_the_client(services, clients):
    assert curve.show_curves(services, client_id=clients[REFUSED], clicks=None, lang="fr", shown=None) == {}
    out = curve.show_curves(services, client_id=clients[REFUSED], clicks=1, lang="fr", shown=None)
    assert out["shown"] == {"client": clients[REFUSED], "lang": "fr"} and out["status"] and out["body"]
    none = curve.show_curves(services, client_id=UNKNOWN, clicks=1, lang="en", shown=None)
    assert none["status"] == "Choose a client first." and none["body"] == []


# -- advice -----------------------------------------------------------------------------------------------


def test_advice_offers_the_letter_and_searches_only_when_asked(services, clients, monkeypatch):
    chosen = clients[REFUSED]
    out = advice.show_advice(services, client_id=chosen, clicks=None, lang="en")
    assert out["letter"] == f"/lettre?client={chosen}" and out["letter_hidden"] is False and out["options"] == []
    assert out["status"].startswith("Press “Search for options”")

    monkeypatch.setattr(advice, "triggered", lambda: advice_ids.submit)
    searched = advice.show_advice(services, client_id=chosen, clicks=1, lang="en")
    assert searched["status"] != out["status"] and searched["letter_pdf"] == f"/lettre.pdf?client={chosen}"
    unknown = advice.show_advice(services, client_id=UNKNOWN, clicks=1, lang="en")
    assert unknown == {"status": "Choose a client first.", "options": [], "letter_hidden": True}


# -- review -----------------------------------------------------------------------------------------------


def test_review_shows_a_blank_form_and_refuses_an_incomplete_one(dash_app, services, clients, monkeypatch):
    form = {"decision": None, "reason": "", "comment": "", "confirm": False}
    out = review.record_review(services, client_id=clients[GRANTED], clicks=None, lang="en", **form)
    assert out["empty"] is True and out["body"] is False and out["message"] == "" and out["decision"] is None
    assert out["history"]  # the history, or the register's words when it does not answer
    unknown = review.record_review(services, client_id=UNKNOWN, clicks=None, lang="en", **form)
    assert unknown["empty"] is False and unknown["body"] is True and "history" not in unknown

    monkeypatch.setattr(review, "triggered", lambda: review_ids.submit)
    with dash_app.server.test_request_context():
        refused = review.record_review(services, client_id=clients[GRANTED], clicks=1, lang="en", **form)
    assert refused["message"].startswith("Not recorded:") and "review-error" in refused["message_class"]
    assert refused["decision_error"] and refused["confirm_error"] and "saved" not in refused


def test_a_recorded_review_becomes_the_final_decision_on_the_summary(dash_app, services, clients, monkeypatch):
    chosen = clients[GRANTED]
    assert summary.show_summary(services, client_id=chosen, lang="en")["final_hidden"] is True
    form = {
        "decision": REFUSE,
        "reason": "debt_burden",
        "comment": "Other loans found in the bank statements.",
        "confirm": True,
    }
    monkeypatch.setattr(review, "triggered", lambda: review_ids.submit)
    with dash_app.server.test_request_context():  # development: the stand-in advisor is signed in
        recorded = review.record_review(services, client_id=chosen, clicks=1, lang="en", **form)
    assert recorded["saved"] and "review-ok" in recorded["message_class"] and recorded["decision"] is None  # blank again
    after = summary.show_summary(services, client_id=chosen, lang="en")
    assert after["final_hidden"] is False and after["final_class"] == f"decision decision-final-{REFUSE}"
    assert "Model's recommendation" in said(after["decision"])  # the model's decision is now a recommendation


# -- what-if and application (only their public callbacks: their field ids belong to the form helpers) --------


def test_whatif_fills_the_form_for_a_client_and_asks_for_one_otherwise(services, clients):
    assert whatif.show_form(services, clicks=None, shown="", lang="fr") == {}
    assert whatif.show_form(services, clicks=1, shown="", lang="fr")["body"]
    filled = whatif.whatif(
        services, client_id=clients[REFUSED], resets=None, clicks=None, enters=None, lang="en", values=None
    )
    assert filled["status"] == "Change a value, then press Simulate." and filled["result"] is True
    assert filled["values"]["AMT_CREDIT"] and not any(filled["errors"].values())  # the client's own amount, no error
    empty = whatif.whatif(services, client_id=UNKNOWN, resets=None, clicks=None, enters=None, lang="en", values=None)
    assert empty["status"] == "Choose a client, change a value, then press Simulate."
    assert not any(empty["values"].values())


def test_whatif_simulates_a_change_and_ties_a_refused_value_to_its_field(services, clients, monkeypatch):
    monkeypatch.setattr(whatif, "triggered", lambda: whatif_ids.submit)
    client_id = clients[REFUSED]
    form = whatif.whatif(services, client_id=client_id, resets=None, clicks=None, enters=None, lang="en", values=None)
    values = dict(form["values"])
    unchanged = whatif.whatif(services, client_id=client_id, resets=None, clicks=1, enters=None, lang="en", values=values)
    assert unchanged["status"] == "Change at least one value, then press Simulate."
    low, _ = services.simulator.rules.bound("AMT_CREDIT")
    values["AMT_CREDIT"] = str(int(low) - 1)  # below the product's smallest amount
    refused = whatif.whatif(services, client_id=client_id, resets=None, clicks=1, enters=None, lang="en", values=values)
    assert refused["errors"]["AMT_CREDIT"] and not any(v for k, v in refused["errors"].items() if k != "AMT_CREDIT")
    assert refused["status"] == "Simulation not run: see the messages beside the fields."


def test_application_form_opens_and_scores_nothing_unasked(services):
    assert application.show_form(services, clicks=None, shown="", lang="fr") == {}
    opened = application.show_form(services, clicks=1, shown="", lang="fr")
    assert opened["body"] and opened["body_class"]
    assert application.score_application(services, clicks=None, enters=None, lang="fr") == {}  # no button, no Enter: nothing
