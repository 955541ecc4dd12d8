"""The Flask/Dash app through its HTTP interface: pages, language, assets, callbacks, bad input."""

import html
import json
import re

import numpy as np
import pytest

from layouts.i18n import language
from layouts.summary import ids as summary_ids
from scoring.portfolio import Portfolio

from .dash_requests import call


@pytest.fixture()
def client(dash_app):
    return dash_app.server.test_client()


@pytest.fixture(scope="module")
def portfolio(dash_app) -> Portfolio:
    return dash_app.server.config["services"].portfolio


def test_index_has_language_title_and_no_cdn(client):
    page = client.get("/").get_data(as_text=True)
    assert page.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert "<title>Tableau de bord crédit" in page
    for url in re.findall(r'(?:href|src)="([^"]+)"', page):
        assert url.startswith("/"), url  # everything served locally
    client.set_cookie("lang", "en")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "<title>Credit dashboard" in page


def test_bootstrap_is_served_locally(client):
    response = client.get("/vendor/bootstrap.min.css")
    assert response.status_code == 200 and b"Bootstrap" in response.data[:300]


def test_language_switch_returns_to_the_same_page_only(client):
    response = client.get("/lang/en", headers={"Referer": "http://localhost/?client=123"})
    assert response.status_code == 302 and response.headers["Location"] == "/?client=123"
    assert "lang=en" in response.headers["Set-Cookie"]
    evil = client.get("/lang/fr", headers={"Referer": "https://evil.example//evil.example/x"})
    assert evil.headers["Location"] == "/"
    ignored = client.get("/lang/xx")
    assert "Set-Cookie" not in ignored.headers


def test_statement_pages(client):
    # The status sentence and its rate come from the audit (tests/test_accessibility_audit.py checks them).
    french = html.unescape(client.get("/accessibilite").get_data(as_text=True))
    assert '<html lang="fr">' in french and "Déclaration d'accessibilité" in french
    assert "conforme avec le référentiel général d'amélioration de l'accessibilité" in french
    english = html.unescape(client.get("/accessibility").get_data(as_text=True))
    assert '<html lang="en">' in english and "compliant with the French accessibility standard RGAA" in english


def test_unknown_paths_get_the_dashboard_or_a_friendly_404(client):
    page = client.get("/some/deep/path")  # the dashboard lives at "/" only
    assert page.status_code == 404 and "Page introuvable" in page.get_data(as_text=True)
    assert client.get("/?client=100002").status_code == 200
    assert "Chargement…" in client.get("/").get_data(as_text=True)  # not Dash's English "Loading..."
    response = client.get("/assets/missing-file.css")
    assert response.status_code == 404 and b"Traceback" not in response.data
    icon = client.get("/favicon.ico")  # browsers ask for it on every page outside Dash (letter, login…)
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"


def test_layout_names_the_synthetic_data(client):
    layout = json.dumps(client.get("/_dash-layout").get_json(), ensure_ascii=False)
    assert "Données de démonstration synthétiques" in layout


def select(client, app, search=None, typed=None, changed="url.search", lang="fr"):
    return call(
        client,
        app,
        "client-id.data",
        {
            "url.search": search,
            "client-input.value": typed,
            "lang.data": lang,
            "client-submit.n_clicks": 1,
            "client-input.n_submit": None,
        },
        [changed],
    )


def test_deep_link_selects_the_client(client, dash_app, portfolio):
    known = int(portfolio.ids[7])
    status, out = select(client, dash_app, search=f"?client={known}")
    assert status == 200 and out["client-id.data"] == known and out["client-error.children"] == ""
    assert "url.search" not in out  # the URL already says it


def test_typed_id_updates_the_url(client, dash_app, portfolio):
    known = int(portfolio.ids[8])
    status, out = select(client, dash_app, typed=f" {known}", changed="client-submit.n_clicks")
    assert status == 200 and out["url.search"] == f"?client={known}"


@pytest.mark.parametrize(
    ("search", "message"),
    [
        ("?client=1", "n'est pas dans le portefeuille. Identifiants proches : 100"),
        ("?client=abc", "n'est pas un identifiant valide"),
        ("?client=%27%3B--", "n'est pas un identifiant valide"),
        ("?client=" + "9" * 500, "a trop de chiffres : un identifiant client compte au plus 12 chiffres"),
    ],
)
def test_bad_ids_get_a_french_message_not_a_500(client, dash_app, search, message):
    status, out = select(client, dash_app, search=search)
    assert status == 200 and message in out["client-error.children"]
    assert "client-id.data" not in out  # the previous client stays selected


def summary(client, app, client_id, lang="fr"):
    return call(
        client, app, f"{summary_ids.empty}.hidden", {"client-id.data": client_id, "lang.data": lang}, ["client-id.data"]
    )


def test_summary_callback_for_a_refused_and_a_granted_client(client, dash_app, portfolio):
    proba = np.asarray(portfolio.proba)
    for index, word in ((int(np.argmax(proba)), "Crédit refusé"), (int(np.argmin(proba)), "Crédit accordé")):
        status, out = summary(client, dash_app, int(portfolio.ids[index]))
        assert status == 200
        assert out[f"{summary_ids.body}.hidden"] is False
        assert word in str(out[f"{summary_ids.decision}.children"])
        assert word.lower() in out["status.children"]
        assert out["gauge-caption.children"].startswith("Probabilité de défaut")
        assert out["gauge-figure.aria-label"] == out["gauge-caption.children"]
        assert len(out[f"{summary_ids.reasons}.children"]) == 3


def test_grey_zone_is_announced(client, dash_app, portfolio):
    low, high = portfolio.decision.grey_zone
    proba = np.asarray(portfolio.proba)
    index = int(np.flatnonzero((proba >= low) & (proba < high))[0])
    status, out = summary(client, dash_app, int(portfolio.ids[index]))
    assert status == 200 and "zone grise : examen par un conseiller requis" in out["status.children"].lower()


def test_forged_client_ids_show_nothing(client, dash_app):
    # Ids that bypassed the selection box: no data, no error, the "no client" state, and nothing announced.
    for forged in (1, "abc", -5, True, 10**30):
        status, out = summary(client, dash_app, forged, lang="en")
        assert status == 200 and out["status.children"] == ""
        assert out[f"{summary_ids.body}.hidden"] is True


def test_a_failing_callback_says_so_and_changes_nothing_else():
    from dash import no_update

    from callbacks.common import guarded

    @guarded(("a", "message", "c"), message="message")
    def broken(**_kwargs):
        raise RuntimeError("bug")

    english = language("en")._("An unexpected error occurred; the rest of the page is unchanged. Please retry.")
    assert broken(value=1, lang="en") == {"a": no_update, "message": english, "c": no_update}
    assert broken(value=1, lang="fr")["message"].startswith("Une erreur inattendue")


def test_suggestions_are_bounded_and_server_side(client, dash_app, portfolio):
    prefix = str(int(portfolio.ids[0]))[:3]
    status, out = call(
        client, dash_app, "client-suggestions.children", {"client-input.value": prefix}, ["client-input.value"]
    )
    options = out["client-suggestions.children"]
    assert status == 200 and 0 < len(options) <= 20
    assert all(o["props"]["value"].startswith(prefix) for o in options)
    _, out = call(client, dash_app, "client-suggestions.children", {"client-input.value": "1"}, ["client-input.value"])
    assert out["client-suggestions.children"] == []


def test_comparison_callback_group_sizes(client, dash_app, portfolio):
    client_id = int(portfolio.ids[3])
    values = {
        "client-id.data": client_id,
        "compare-feature.value": "AMT_CREDIT",
        "compare-feature-y.value": "PROBABILITY",
        "compare-group.value": "nearest",
        "compare-k.value": 40,
        "filter-gender.value": "any",
        "filter-age.value": "any",
        "filter-income.value": "any",
        "filter-contract.value": "any",
        "lang.data": "fr",
    }
    status, out = call(client, dash_app, "compare-size.children", values, ["compare-group.value"])
    assert status == 200 and out["compare-size.children"] == "Groupe comparé : 40 clients."
    values.update({"filter-gender.value": "Martian", "compare-group.value": "all"})
    status, out = call(client, dash_app, "compare-size.children", values, ["filter-gender.value"])
    assert status == 200 and "Aucun client" in out["compare-message.children"]
    values.update({"filter-gender.value": "any", "compare-group.value": "nearest", "compare-k.value": "-3"})
    status, out = call(client, dash_app, "compare-size.children", values, ["compare-k.value"])
    assert status == 200 and "entier de 10 à 5\u202f000" in out["compare-k-error.children"]
    assert out["compare-size.children"] == "Groupe comparé : 10 clients."


def test_an_outdated_synthetic_portfolio_is_rebuilt_never_real_data(synthetic_artifacts, tmp_path):
    import shutil

    from app.services import outdated_synthetic
    from scoring.artifacts import write_manifest

    assert outdated_synthetic(synthetic_artifacts) is None
    copy = tmp_path / "old"
    shutil.copytree(synthetic_artifacts, copy)
    transform = json.loads((copy / "transform.json").read_text())
    transform["version"] = 1  # written by the previous release
    (copy / "transform.json").write_text(json.dumps(transform))
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").unlink()
    write_manifest(copy, {k: manifest[k] for k in ("data_source", "n_clients", "seed")})
    assert "another version" in outdated_synthetic(copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["data_source"] = "kaggle"  # a user's real-data folder is never replaced
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert outdated_synthetic(copy) is None
