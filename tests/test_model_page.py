"""The model page over HTTP: reachable from the dashboard, in both languages, showing the stored figures
(the same as ``python -m scoring fairness``), and still useful on artifacts written before it existed."""

from __future__ import annotations

import html
import json
import re
import shutil

import pytest

from app.config import Config
from app.services import outdated_synthetic
from layouts.i18n import language
from layouts.model import group_label, with_interval
from scoring.artifacts import MANIFEST, write_manifest
from scoring.cli import main
from wsgi import create_app


@pytest.fixture(scope="module")
def dash_app(synthetic_artifacts, tmp_path_factory):
    db = tmp_path_factory.mktemp("model-page") / "reviews.sqlite3"
    return create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False, database_url=f"sqlite:///{db}"))


@pytest.fixture()
def client(dash_app):
    return dash_app.server.test_client()


def text_of(page: str) -> str:
    """Visible text, entities decoded, whitespace collapsed."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))  # keeps CLDR no-break spaces


def links(node) -> list[tuple[str, str]]:
    """(href, text) of every link in a Dash layout (JSON)."""
    found = []
    if isinstance(node, dict):
        props = node.get("props", {})
        if "href" in props and isinstance(props.get("children"), str):
            found.append((props["href"], props["children"]))
        for value in props.values():
            found += links(value)
    elif isinstance(node, list):
        for item in node:
            found += links(item)
    return found


def test_dashboard_navigation_leads_to_the_model_page(client):
    assert ("/modele", "Le modèle") in links(client.get("/_dash-layout").get_json())
    assert ("#review", "Examen par un conseiller") in links(client.get("/_dash-layout").get_json())
    client.set_cookie("lang", "en")
    assert ("/model", "The model") in links(client.get("/_dash-layout").get_json())


def test_french_page_shows_the_stored_figures(client, dash_app, synthetic_artifacts, capsys):
    services = dash_app.server.config["services"]
    artifacts = services.artifacts
    response = client.get("/modele")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.startswith('<!DOCTYPE html>\n<html lang="fr">') and "<h1>Le modèle</h1>" in page
    assert "<script" not in page  # a plain page: nothing to run, nothing for the CSP to allow
    for url in re.findall(r'(?:href|src)="([^"#]+)"', page):
        assert url.startswith("/"), url
    text = text_of(page)
    fr = language("fr")
    metrics = artifacts.metrics
    assert fr.number(metrics["roc_auc"], 3) in text and "," in fr.number(metrics["roc_auc"], 3)
    assert fr.number(metrics["brier"], 4) in text
    assert artifacts.version in text
    cost = metrics["cost_per_1000_clients"]
    for value in (cost["model"], cost["accept_all"], cost["refuse_all"]):
        assert fr.number(value, 0) in text
    cm = metrics["confusion_matrix"]
    for count in cm.values():
        assert fr.number(count) in text
    # The fairness figures are those of `python -m scoring fairness --json` (stored at training).
    assert main(["fairness", "--artifacts", str(synthetic_artifacts), "--json"]) == 0
    audit = json.loads(capsys.readouterr().out)
    for key, rows in audit["groups"].items():
        for row in rows:
            assert group_label(key, row["group"], "fr") in text
            for name in ("refusal_rate", "false_positive_rate", "false_negative_rate", "default_rate"):
                assert with_interval(row[name], row[f"{name}_ci"], "fr") in text, (key, row["group"], name)
            assert with_interval(row["auc"], row["auc_ci"], "fr", percent=False, decimals=3) in text
    assert "Femme" in text and "Moins de 30 ans" in text and "Marié" in text
    assert "Sexe" in text and "Situation familiale" in text  # the protected fields, named as not used
    # Every chart (RGAA 1.9.1): a figure named by its caption, the drawing an image named by the chart's title,
    # the caption a figcaption (the figure's last child), and the data as a table.
    for chart in ("model-roc", "model-reliability", "model-cost", "model-fairness", "model-importance"):
        figure = re.search(
            rf'<figure id="{chart}-figure" class="chart" role="figure" aria-label="([^"]+)">(.*?)</figure>', page, re.S
        )
        assert figure, chart
        caption = re.search(
            rf'<figcaption id="{chart}-caption" class="chart-caption">([^<]+)</figcaption>\s*$', figure.group(2)
        )
        assert caption and caption.group(1) == figure.group(1), chart
        assert f'id="{chart}-img" role="img" class="chart-drawing" aria-labelledby="{chart}-title"' in figure.group(2)
        assert f'<details id="{chart}-data"' in page


def test_english_page_and_language_cookie(client):
    page = client.get("/model").get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>The model</h1>" in page and "Good payers refused" in page
    assert page.lstrip().startswith("<!DOCTYPE html>") and "<title>The model — Credit dashboard</title>" in page
    client.set_cookie("lang", "fr")
    assert '<html lang="fr">' in client.get("/model").get_data(as_text=True)


def test_page_on_artifacts_written_before_the_audit(synthetic_artifacts, tmp_path):
    old = tmp_path / "old-artifacts"
    shutil.copytree(synthetic_artifacts, old)
    for name in ("fairness.json", "performance.json"):
        (old / name).unlink()
    manifest = json.loads((old / MANIFEST).read_text())
    write_manifest(old, {k: manifest[k] for k in ("data_source", "n_clients", "seed", "train_seconds")})
    app = create_app(Config(artifacts_dir=old, build_default=False, database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}"))
    response = app.server.test_client().get("/model")
    assert response.status_code == 200
    text = text_of(response.get_data(as_text=True))
    assert "retrain to see the curves" in text and "retrain to see it" in text
    assert "Cost per 1,000 clients" in text  # what metrics.json holds is still shown
    # The project's own synthetic default is rebuilt at start when it lacks them (a real-data folder never is).
    assert outdated_synthetic(old) == "no fairness audit or model-page curves"
    assert outdated_synthetic(synthetic_artifacts) is None


def test_serving_the_model_page_and_reviews_needs_no_pandas(synthetic_artifacts, tmp_path):
    """The web workers stay light (the dashboard serves without pandas): the page and the review view too."""
    import subprocess
    import sys

    script = f"""
import sys
from wsgi import create_app
from app.config import Config
from tests.dash_requests import call
app = create_app(Config(artifacts_dir={str(synthetic_artifacts)!r}, build_default=False,
                        database_url="sqlite:///{tmp_path / "r.sqlite3"}"))
web = app.server.test_client()
assert web.get("/modele").status_code == 200
client = int(app.server.config["services"].portfolio.ids[3])
status, out = call(web, app, "review-empty.hidden", {{"client-id.data": client, "lang.data": "fr"}}, ["client-id.data"])
assert status == 200 and out["review-body.hidden"] is False
print(sorted(m for m in ("pandas", "sklearn", "fairlearn") if m in sys.modules))
"""
    from app.config import ROOT

    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_page_shows_baseline_stability_and_clients_without_external_scores(client):
    """Issue 19: the plain baseline's AUC beside the model's, the second seed's, and the segments' figures."""
    metrics = client.application.config["services"].artifacts.metrics
    fr = language("fr")
    text = text_of(client.get("/modele").get_data(as_text=True))
    baseline, stability = metrics["baseline"], metrics["stability"]
    assert "Face à un modèle simple" in text
    assert fr.number(baseline["product_auc"], 3) in text and fr.number(baseline["baseline_auc"], 3) in text
    assert fr.number(stability["auc"][1], 3) in text and fr.percent(stability["decision_flips"], 1) in text
    assert "Clients sans scores externes" in text and "Aucun score externe" in text
    for row in metrics["segments"].values():
        assert fr.number(row["n"]) in text
        if row["auc"] is not None:
            assert with_interval(row["auc"], row["auc_ci"], "fr", percent=False, decimals=3) in text
    # The data paragraph describes cross-validation, not a validation split.
    assert f"répartis en {metrics['n_folds']} groupes" in text
