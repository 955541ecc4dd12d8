"""The advisor review view over HTTP: blank form and history per client, errors per field, a recorded
review, a database that is down (only this view says so), and production (signed-in advisors only)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from werkzeug.security import generate_password_hash

from app.config import Config
from app.reviews import ReviewStore
from layouts.i18n import language
from layouts.review import ids
from wsgi import create_app

from .dash_requests import call, post

FIRST = f"{ids.empty}.hidden"
CLIENT = "client-id.data"
SUBMIT = f"{ids.submit}.n_clicks"
COMMENT = "Bulletins de salaire vérifiés, CDI confirmé par l'employeur."
PASSWORD = "a long password for the tests"


def values(client_id, clicks=0, decision=None, reason="", comment="", lang="fr", confirm=True) -> dict:
    return {
        CLIENT: client_id,
        SUBMIT: clicks,
        f"{ids.decision}.value": decision,
        f"{ids.reason}.value": reason,
        f"{ids.comment}.value": comment,
        f"{ids.confirm}.value": confirm,
        "lang.data": lang,
    }


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('reviews') / 'reviews.sqlite3'}"


@pytest.fixture(scope="module")
def dash_app(synthetic_artifacts, db_url):
    return create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False, database_url=db_url))


@pytest.fixture()
def client(dash_app):
    return dash_app.server.test_client()


@pytest.fixture(scope="module")
def client_ids(dash_app) -> list[int]:
    portfolio = dash_app.server.config["services"].portfolio
    return [int(i) for i in np.asarray(portfolio.ids)[[3, 5, 8, 13]]]


def fr(message: str, **values) -> str:
    text = language("fr")._(message, **values)
    assert text != message.format(**values), f"not translated: {message}"
    return text


def test_choosing_a_client_shows_a_blank_form_and_the_history(client, dash_app, client_ids):
    status, out = call(client, dash_app, FIRST, values(client_ids[0], comment="left from another client"), [CLIENT])
    assert status == 200
    assert out[f"{ids.empty}.hidden"] is True and out[f"{ids.body}.hidden"] is False
    assert out[f"{ids.comment}.value"] == "" and out[f"{ids.decision}.value"] is None and out[f"{ids.reason}.value"] == ""
    assert fr("No review recorded yet for this client.") in str(out[f"{ids.history}.children"])


def test_incomplete_review_says_what_is_missing_and_records_nothing(client, dash_app, client_ids, db_url):
    status, out = call(client, dash_app, FIRST, values(client_ids[1], 1, comment="court"), [SUBMIT])
    assert status == 200
    assert out[f"{ids.decision_error}.children"] == fr("Choose the final decision.")
    assert out[f"{ids.reason_error}.children"] == fr("Choose the main reason.")
    assert out[f"{ids.comment_error}.children"] == fr("Explain the decision in a few words ({n} characters at least).", n=10)
    assert "3" in out[f"{ids.message}.children"]  # confirmed, but three fields wrong
    assert f"{ids.comment}.value" not in out  # what was typed stays in the form
    assert ReviewStore(db_url).history(client_ids[1]) == []


def test_a_complete_review_is_not_recorded_without_its_confirmation(client, dash_app, client_ids, db_url):
    # RGAA 11.12: a final decision with legal weight needs an explicit confirmation; rows are never updated.
    for unconfirmed in (False, None, "true", 1):
        unconfirmed_review = values(client_ids[3], 1, "grant", "bank_history", COMMENT, confirm=unconfirmed)
        status, out = call(client, dash_app, FIRST, unconfirmed_review, [SUBMIT])
        assert status == 200 and "review-error" in out[f"{ids.message}.className"]
        assert out[f"{ids.confirm_error}.children"] == fr("Tick the box to confirm this final decision.")
        assert out[f"{ids.decision_error}.children"] == "" and f"{ids.comment}.value" not in out
    assert ReviewStore(db_url).history(client_ids[3]) == []


def test_a_review_is_recorded_with_the_model_advice_and_shown(client, dash_app, client_ids, db_url):
    services = dash_app.server.config["services"]
    target = client_ids[2]
    status, out = call(client, dash_app, FIRST, values(target, 1, "documents", "incomplete_file", COMMENT), [SUBMIT])
    assert status == 200
    assert str(target) in out[f"{ids.message}.children"] and "review-ok" in out[f"{ids.message}.className"]
    assert out[f"{ids.comment}.value"] == "" and out[f"{ids.decision}.value"] is None  # ready for the next one
    errors = (ids.decision_error, ids.reason_error, ids.comment_error, ids.confirm_error)
    assert all(out[f"{name}.children"] == "" for name in errors)
    assert out[f"{ids.confirm}.value"] is False  # the next review is confirmed anew
    table = str(out[f"{ids.history}.children"])
    assert COMMENT in table and fr("Documents requested") in table and fr("Incomplete or inconsistent application") in table
    [record] = ReviewStore(db_url).history(target)
    explanation = services.portfolio.explanation(target)
    assert (record.decision, record.reason, record.comment) == ("documents", "incomplete_file", COMMENT)
    assert record.advisor  # development: the stand-in name the security layer gives
    assert record.model_probability == pytest.approx(explanation.probability)
    assert record.model_decision == explanation.decision and record.model_version == services.artifacts.version
    # The next visit to this client shows it, in English too.
    status, out = call(client, dash_app, FIRST, values(target, lang="en"), [CLIENT])
    assert "Documents requested" in str(out[f"{ids.history}.children"]) and COMMENT in str(out[f"{ids.history}.children"])


def test_forged_client_shows_nothing_and_records_nothing(client, dash_app, db_url):
    status, out = call(client, dash_app, FIRST, values("1 OR 1=1", 1, "grant", "other", COMMENT), [SUBMIT])
    assert status == 200 and out[f"{ids.body}.hidden"] is True


def test_database_down_only_the_review_view_says_so(synthetic_artifacts, tmp_path, client_ids):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app = create_app(
        Config(artifacts_dir=synthetic_artifacts, build_default=False, database_url=f"sqlite:///{blocker / 'r.sqlite3'}")
    )
    web = app.server.test_client()
    assert web.get("/").status_code == 200 and web.get("/modele").status_code == 200
    status, out = call(web, app, FIRST, values(client_ids[0]), [CLIENT])
    assert status == 200 and out[f"{ids.body}.hidden"] is False
    unavailable = fr("The review register does not answer right now, so the history cannot be shown.")
    assert out[f"{ids.history}.children"] == unavailable
    status, out = call(web, app, FIRST, values(client_ids[0], 1, "grant", "bank_history", COMMENT), [SUBMIT])
    assert status == 200 and "review-error" in out[f"{ids.message}.className"]
    not_recorded = fr(
        "The review register does not answer: nothing was recorded. What you typed is still in the form; "
        "try again in a moment."
    )
    assert out[f"{ids.message}.children"] == not_recorded
    assert f"{ids.comment}.value" not in out and f"{ids.decision}.value" not in out
    # The rest of the dashboard carries on.
    status, summary = call(web, app, "summary-empty.hidden", {CLIENT: client_ids[0], "lang.data": "fr"}, [CLIENT])
    assert status == 200 and summary["summary-body.hidden"] is False and summary["summary-decision.children"]


def hidden_inputs(page: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' in tag:
            name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = value.group(1) if value else ""
    return fields


def test_in_production_only_signed_in_advisors_record(synthetic_artifacts, tmp_path, client_ids):
    url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    app = create_app(
        Config(
            artifacts_dir=synthetic_artifacts,
            build_default=False,
            env="production",
            secret_key="s" * 40,
            advisor_credentials=f"alice:{generate_password_hash(PASSWORD)}",
            database_url=url,
        )
    )
    target = client_ids[3]
    anonymous = app.server.test_client()
    response = post(anonymous, app, FIRST, values(target, 1, "refuse", "debt_burden", COMMENT), [SUBMIT])
    assert response.status_code == 401
    assert ReviewStore(url).history(target) == []

    advisor = app.server.test_client()
    form = hidden_inputs(advisor.get("/login").get_data(as_text=True))
    signed = advisor.post("/login", data={**form, "username": "alice", "password": PASSWORD})
    assert signed.status_code == 302
    status, out = call(advisor, app, FIRST, values(target, 1, "refuse", "debt_burden", COMMENT), [SUBMIT])
    assert status == 200 and "review-ok" in out[f"{ids.message}.className"]
    [record] = ReviewStore(url).history(target)
    assert record.advisor == "alice" and record.decision == "refuse"
