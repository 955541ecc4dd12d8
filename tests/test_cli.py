"""The analyst CLI end to end, as a subprocess: exit codes and one-line errors included."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from .conftest import REAL_TEST, ROOT


def run(*args, check=False):
    result = subprocess.run(
        [sys.executable, "-m", "scoring", *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    if check and result.returncode != 0:
        raise AssertionError(result.stderr)
    return result


def assert_one_line_error(result, fragment):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and fragment in lines[0], result.stderr


@pytest.fixture(scope="module")
def real_artifacts(tmp_path_factory, kaggle_folder):
    out = tmp_path_factory.mktemp("real") / "artifacts"
    result = run("train", "--data", kaggle_folder, "--out", out, check=True)
    assert "Out-of-fold ROC AUC" in result.stderr and "Plain baseline on the same folds" in result.stderr
    return out


def test_train_predict_explain_on_real_sample(real_artifacts, tmp_path):
    metrics = json.loads((real_artifacts / "metrics.json").read_text())
    assert metrics["data_source"] == "kaggle"
    # Every labelled client is scored out of fold: no client is spent on a validation split.
    assert metrics["n_labelled"] == 1000 and metrics["n_folds"] == 5 and metrics["n_holdout"] == 0
    low, high = metrics["intervals"]["roc_auc"]
    assert low < metrics["roc_auc"] < high
    assert metrics["baseline"]["n"] == 1000 and 0.5 < metrics["baseline"]["baseline_auc"] < 1
    assert metrics["segments"]["no_external_scores"]["n"] <= metrics["segments"]["missing_EXT_SOURCE_1"]["n"]
    manifest = json.loads((real_artifacts / "manifest.json").read_text())
    assert manifest["n_clients"] == 1049  # 1,000 train + 49 test clients join the portfolio

    out = tmp_path / "scores.csv"
    run("predict", "--artifacts", real_artifacts, "--data", REAL_TEST, "--out", out, check=True)
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["SK_ID_CURR", "probability", "decision"]
    assert len(scores) == 49 and scores["probability"].between(0, 1).all()
    assert set(scores["decision"]) <= {"granted", "refused"}
    refused = scores["probability"] >= metrics["threshold"]
    # The CSV rounds to 6 decimals: a client exactly at the threshold (the monotone model scores in plateaus)
    # may print just under it. Decisions agree everywhere else.
    differ = (scores["decision"] == "refused") != refused
    assert ((scores["probability"][differ] - metrics["threshold"]).abs() < 1e-6).all()

    client = int(scores["SK_ID_CURR"].iloc[0])
    explained = json.loads(run("explain", "--artifacts", real_artifacts, "--client", client, "--json", check=True).stdout)
    assert {"client_id", "probability", "threshold", "decision", "base_value", "margin", "contributions"} <= set(explained)
    assert explained["client_id"] == client
    assert explained["probability"] == pytest.approx(scores["probability"].iloc[0], abs=1e-5)
    assert sum(explained["contributions"].values()) + explained["base_value"] == pytest.approx(explained["margin"], abs=1e-4)


def test_train_predict_explain_on_synthetic(tmp_path):
    out = tmp_path / "art"
    run("train", "--synthetic", 3000, "--out", out, "--cost-fn", 5, check=True)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["cost_fn"] == 5 and metrics["data_source"] == "synthetic"
    data = tmp_path / "data"
    run("synthesize", "--train", 200, "--test", 20, "--out", data, "--seed", 9, check=True)
    run("predict", "--artifacts", out, "--data", data / "application_test.csv", "--out", tmp_path / "p.csv", check=True)
    assert len(pd.read_csv(tmp_path / "p.csv")) == 20
    text = run("explain", "--artifacts", out, "--client", 100001, check=True).stdout
    assert "probability of default" in text and "Reason families (percentage points" in text


@pytest.mark.parametrize("command", ["train", "predict", "explain", "synthesize", "profile"])
def test_help(command):
    result = run(command, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout


def test_bad_inputs_exit_2_with_one_line(real_artifacts, tmp_path):
    assert_one_line_error(run("explain", "--artifacts", real_artifacts, "--client", 1), "client 1 is not in the portfolio")
    assert_one_line_error(run("explain", "--artifacts", real_artifacts, "--client", "12; drop"), "invalid client id")
    assert_one_line_error(run("explain", "--artifacts", tmp_path / "none", "--client", 1), "artifact folder not found")
    assert_one_line_error(run("train", "--data", tmp_path / "none", "--out", tmp_path / "o"), "folder not found")
    bad = tmp_path / "bad.csv"
    bad.write_text("SK_ID_CURR,AMT_CREDIT\n1,2\n")
    assert_one_line_error(
        run("predict", "--artifacts", real_artifacts, "--data", bad, "--out", tmp_path / "x.csv"), "missing columns"
    )
    assert not (tmp_path / "x.csv").exists()
