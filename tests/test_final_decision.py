"""The advisor's decision is the final one: after a recorded review the summary, the page title, the letter (HTML
and PDF) and the history follow it; a reason that cannot justify the decision is refused at its field."""

from __future__ import annotations

import numpy as np
import pytest

from app.config import Config
from app.reviews import ReviewStore
from layouts.i18n import language
from layouts.review import ids as review
from layouts.summary import ids as summary
from wsgi import create_app

from .dash_requests import call
from .test_letter import body_text, tagged_text

CLIENT = "client-id.data"
SUBMIT = f"{review.submit}.n_clicks"
COMMENT = "Bulletins de salaire et avis d'imposition vérifiés avec le client."
FIRST_REVIEW = f"{review.empty}.hidden"
FIRST_SUMMARY = f"{summary.empty}.hidden"


def fr(message: str, **values) -> str:
    text = language("fr")._(message, **values)
    assert text != message.format(**values), f"not translated: {message}"
    return text


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('final') / 'reviews.sqlite3'}"


@pytest.fixture(scope="module")
def dash_app(synthetic_artifacts, db_url):
    return create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False, database_url=db_url))


@pytest.fixture()
def web(dash_app):
    return dash_app.server.test_client()


def clients_of(dash_app, kind: str, n: int = 3) -> list[int]:
    portfolio = dash_app.server.config["services"].portfolio
    proba = np.asarray(portfolio.proba)
    low, high = portfolio.decision.grey_zone
    mask = proba >= high if kind == "refused" else proba < low * 0.7
    return [int(i) for i in np.asarray(portfolio.ids)[np.flatnonzero(mask)[5 : 5 + n]]]


def submit(web, dash_app, client_id, decision, reason, lang="fr"):
    values = {
        CLIENT: client_id,
        SUBMIT: 1,
        f"{review.decision}.value": decision,
        f"{review.reason}.value": reason,
        f"{review.comment}.value": COMMENT,
        f"{review.confirm}.value": True,
        "lang.data": lang,
    }
    return call(web, dash_app, FIRST_REVIEW, values, [SUBMIT])


def show_summary(web, dash_app, client_id, lang="fr", saved=None):
    values = {CLIENT: client_id, "lang.data": lang, f"{review.saved}.data": saved}
    return call(web, dash_app, FIRST_SUMMARY, values, [f"{review.saved}.data" if saved else CLIENT])


def test_a_reason_that_cannot_justify_the_decision_is_refused_at_its_field(web, dash_app, db_url):
    target = clients_of(dash_app, "refused")[0]
    status, out = submit(web, dash_app, target, "grant", "incomplete_file")
    assert status == 200 and "review-error" in out[f"{review.message}.className"]
    error = out[f"{review.reason_error}.children"]
    assert error.startswith("« Demande incomplète ou incohérente » ne peut pas justifier la décision « Accorder le crédit »")
    assert fr("Supporting documents checked") in error and fr("Debt burden too high") not in error  # what fits instead
    assert out[f"{review.decision_error}.children"] == "" and f"{review.comment}.value" not in out  # nothing lost
    assert f"{review.saved}.data" not in out
    assert ReviewStore(db_url).history(target) == []


def test_a_recorded_grant_becomes_the_final_decision_everywhere(web, dash_app, db_url):
    target = clients_of(dash_app, "refused")[1]
    status, before = show_summary(web, dash_app, target)
    assert before[f"{summary.final}.hidden"] is True
    assert before[f"{summary.title}.children"] == f"Client {target} : crédit refusé — Prêt à dépenser"
    letter = body_text(web.get(f"/lettre?client={target}").get_data(as_text=True))
    assert "ne pouvons pas accepter" in letter

    status, out = submit(web, dash_app, target, "grant", "documents_checked")
    assert status == 200 and "review-ok" in out[f"{review.message}.className"]
    [record] = ReviewStore(db_url).history(target)
    assert out[f"{review.saved}.data"] == record.id

    # The summary runs again on the saved review: final decision first (who, when, why), the model's beside it.
    status, after = show_summary(web, dash_app, target, saved=record.id)
    final = str(after[f"{summary.final}.children"])
    assert after[f"{summary.final}.hidden"] is False
    assert "Crédit accordé" in final and record.advisor in final and fr("Supporting documents checked") in final
    assert "Décision finale" in final and "decision-final-grant" in after[f"{summary.final}.className"]
    decision = str(after[f"{summary.decision}.children"])
    assert "Recommandation du modèle" in decision and "Crédit refusé" in decision
    assert after[f"{summary.title}.children"] == f"Client {target} : crédit accordé par le conseiller — Prêt à dépenser"
    assert "décision finale crédit accordé" in after["status.children"]

    # The letter, HTML and PDF, follows the final decision.
    html = web.get(f"/lettre?client={target}").get_data(as_text=True)
    text = body_text(html)
    assert "est acceptée" in text and "ne pouvons pas accepter" not in text
    assert "Un conseiller a vérifié lui-même les pièces justificatives" in text
    assert "Ce qui pourrait changer la réponse" not in text and "pesé contre" not in text
    _, pdf_text = tagged_text(web.get(f"/lettre.pdf?client={target}").data)
    assert "estacceptée" in "".join(pdf_text.split())

    # The history keeps both: the model's recommendation and the advisor's decision.
    status, shown = call(web, dash_app, FIRST_REVIEW, {CLIENT: target, "lang.data": "fr"}, [CLIENT])
    table = str(shown[f"{review.history}.children"])
    assert fr("Model's recommendation") in table and "refusé" in table and "Crédit accordé" in table
    assert record.model_decision == "refused" and record.decision == "grant"


def test_a_refusal_of_a_granted_client_and_a_request_for_documents(web, dash_app, db_url):
    granted = clients_of(dash_app, "granted")[0]
    assert "est acceptée" in body_text(web.get(f"/lettre?client={granted}").get_data(as_text=True))
    status, out = submit(web, dash_app, granted, "refuse", "debt_burden", lang="en")
    assert "review-ok" in out[f"{review.message}.className"]
    status, after = show_summary(web, dash_app, granted, lang="en", saved=1)
    assert after[f"{summary.title}.children"] == f"Client {granted}: credit refused by the advisor — Prêt à dépenser"
    assert "Model's recommendation" in str(after[f"{summary.decision}.children"])
    web.set_cookie("lang", "en")
    text = body_text(web.get(f"/lettre?client={granted}").get_data(as_text=True))
    assert "cannot accept" in text and "too large a share of your income" in text

    asked = clients_of(dash_app, "refused")[2]
    submit(web, dash_app, asked, "documents", "incomplete_file", lang="en")
    text = body_text(web.get(f"/lettre?client={asked}").get_data(as_text=True))
    assert "we need further documents" in text and "cannot accept" not in text
    assert "What could change the answer" not in text


def test_a_register_that_does_not_answer_keeps_the_model_decision_and_says_so(synthetic_artifacts, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    url = f"sqlite:///{blocker / 'r.sqlite3'}"
    app = create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False, database_url=url))
    web = app.server.test_client()
    target = clients_of(app, "refused")[0]
    status, out = show_summary(web, app, target)
    assert status == 200 and out[f"{summary.final}.hidden"] is False
    assert out[f"{summary.final}.children"] == fr(
        "The review register does not answer: a final decision recorded by an advisor, if any, cannot be shown."
    )
    assert "Crédit refusé" in str(out[f"{summary.decision}.children"])
    response = web.get(f"/lettre?client={target}")  # a letter that may contradict a decision is not made
    assert response.status_code == 503 and fr("The letter cannot be made right now") in response.get_data(as_text=True)
