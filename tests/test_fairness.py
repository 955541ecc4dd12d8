"""Fairness audit, proxy check and model-page metrics: definitions checked against Fairlearn and
scikit-learn, intervals against Fairlearn's own bootstrap, storage in the artifacts (manifest-checked),
the ``fairness`` and ``train --protected`` commands."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_ratio,
    equal_opportunity_difference,
    false_positive_rate,
    selection_rate,
)
from sklearn.metrics import roc_auc_score

from scoring.artifacts import Artifacts
from scoring.cli import main
from scoring.errors import ArtifactError
from scoring.fairness import AUDITED, GROUP_METRICS, MISSING, age_bands, audit, audit_frame, weighted_metrics
from scoring.fields import DEFAULT_PROTECTED
from scoring.loading import clean_anomalies
from scoring.performance import cost_curve, reliability, roc_points
from scoring.portfolio import Portfolio
from scoring.schema import TARGET_COLUMN
from scoring.synthetic import generate_applications

from .conftest import REAL_TRAIN, ROOT

REQUIRED = {"group", "n", "default_rate", "refusal_rate", "false_positive_rate", "false_negative_rate", "auc"}


def strict_json(text: str):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def scored_sample(n: int = 4000, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Synthetic applications with a noisy score that depends on the label (and ties, as float32 gives)."""
    frame, _ = generate_applications(n, 0, seed=seed)
    frame, _ = clean_anomalies(frame)
    y = frame[TARGET_COLUMN].to_numpy().astype(int)
    rng = np.random.default_rng(seed)
    proba = np.clip(0.08 + 0.15 * y + 0.08 * rng.standard_normal(n), 0.001, 0.999)
    return frame, y, np.round(proba, 3)  # rounding makes ties, which the AUC must count half


def test_age_bands_edges():
    ages = np.array([18, 29.99, 30, 39.999, 40, 50, 59.9, 60, 99, np.nan])
    expected = ["under_30", "under_30", "30_40", "30_40", "40_50", "50_60", "50_60", "60_plus", "60_plus", MISSING]
    assert list(age_bands(ages)) == expected


def test_weighted_metrics_with_unit_weights_are_the_plain_metrics():
    _, y, proba = scored_sample(3000)
    refused = (proba >= 0.12).astype(int)
    order = np.argsort(proba, kind="stable")
    values = weighted_metrics(np.ones((1, len(y))), y[order], refused[order], proba[order])
    assert values["auc"][0] == pytest.approx(roc_auc_score(y, proba), abs=1e-9)
    assert values["false_positive_rate"][0] == pytest.approx(false_positive_rate(y, refused), abs=1e-12)
    assert values["false_negative_rate"][0] == pytest.approx(1 - refused[y == 1].mean(), abs=1e-12)
    assert values["refusal_rate"][0] == pytest.approx(selection_rate(y, refused), abs=1e-12)
    assert values["mean_predicted"][0] == pytest.approx(proba.mean(), abs=1e-6)
    # A client drawn twice counts twice: same as duplicating the row.
    weights = np.ones(len(y))
    weights[:500] = 2
    doubled = np.r_[np.arange(len(y)), np.arange(500)]
    expected = roc_auc_score(y[doubled], proba[doubled])
    counted = weighted_metrics(weights[order][None, :], y[order], refused[order], proba[order])
    assert counted["auc"][0] == pytest.approx(expected)


def test_audit_point_estimates_are_fairlearns():
    frame, y, proba = scored_sample()
    threshold = 0.12
    result = audit(y, proba, threshold, frame, n_boot=200, seed=1)
    refused = proba >= threshold
    assert result["auc"] == pytest.approx(roc_auc_score(y, proba))
    assert set(result["groups"]) == {"sex", "age_band", "family_status"}
    for attribute in AUDITED:
        groups = attribute.groups(frame)
        for row in result["groups"][attribute.key]:
            mask = groups == row["group"]
            assert row["n"] == mask.sum()
            assert row["default_rate"] == pytest.approx(y[mask].mean())
            assert row["refusal_rate"] == pytest.approx(refused[mask].mean())
            assert row["false_positive_rate"] == pytest.approx(refused[mask & (y == 0)].mean())
            assert row["false_negative_rate"] == pytest.approx((~refused[mask & (y == 1)]).mean())
            assert row["mean_predicted"] == pytest.approx(proba[mask].mean())
            for name in GROUP_METRICS:
                low, high = row[f"{name}_ci"]
                assert low <= row[name] + 1e-9 and row[name] - 1e-9 <= high, (attribute.key, row["group"], name)
        summary = result["summary"][attribute.key]
        keep = np.isin(groups, summary["groups_compared"])
        good, granted = 1 - y[keep], (~refused[keep]).astype(int)
        assert summary["demographic_parity_ratio"] == pytest.approx(
            demographic_parity_ratio(good, granted, sensitive_features=groups[keep])
        )
        assert summary["equal_opportunity_difference"] == pytest.approx(
            equal_opportunity_difference(good, granted, sensitive_features=groups[keep])
        )
        fpr = [r["false_positive_rate"] for r in result["groups"][attribute.key] if r["group"] in summary["groups_compared"]]
        assert summary["equal_opportunity_difference"] == pytest.approx(max(fpr) - min(fpr))  # = gap in good payers refused
    strict_json(json.dumps(result, allow_nan=False))


def test_intervals_agree_with_fairlearns_bootstrap():
    frame, y, proba = scored_sample(3000, seed=11)
    refused = (proba >= 0.12).astype(int)
    sex = AUDITED[0].groups(frame)
    ours = audit(y, proba, 0.12, frame, attributes=AUDITED[:1], n_boot=400, seed=5)["groups"]["sex"]
    theirs = MetricFrame(
        metrics={"refusal_rate": selection_rate, "false_positive_rate": false_positive_rate},
        y_true=y,
        y_pred=refused,
        sensitive_features=pd.Series(sex, name="sex"),
        n_boot=400,
        ci_quantiles=[0.025, 0.975],
        random_state=5,
    ).by_group_ci
    for row in ours:
        if row["group"] == MISSING:
            continue
        for name in ("refusal_rate", "false_positive_rate"):
            low, high = row[f"{name}_ci"]
            width = high - low
            assert abs(low - theirs[0].loc[row["group"], name]) < 0.25 * width, (row["group"], name)
            assert abs(high - theirs[1].loc[row["group"], name]) < 0.25 * width, (row["group"], name)


def test_small_groups_are_shown_but_not_compared():
    frame, y, proba = scored_sample(2000)
    frame = frame.copy()
    frame.loc[frame.index[:12], "NAME_FAMILY_STATUS"] = "Widow"
    others = np.where(np.arange(len(frame) - 12) % 2, "Married", "Single / not married")
    frame.loc[frame.index[12:], "NAME_FAMILY_STATUS"] = others
    result = audit(y, proba, 0.12, frame, n_boot=100, seed=0)
    rows = {r["group"]: r for r in result["groups"]["family_status"]}
    assert rows["Widow"]["small"] and rows["Widow"]["n"] == 12
    summary = result["summary"]["family_status"]
    assert summary["groups_left_out"] == ["Widow"] and summary["groups_compared"] == ["Married", "Single / not married"]


def test_stored_audit_is_manifest_checked_and_complete(synthetic_artifacts, tmp_path):
    artifacts = Artifacts(synthetic_artifacts)
    stored = artifacts.fairness
    assert {"fairness.json", "performance.json"} <= set(artifacts.manifest["files"])
    assert stored["protected"] == list(DEFAULT_PROTECTED)
    assert stored["auc"] == pytest.approx(artifacts.metrics["roc_auc"])
    assert stored["n"] == artifacts.metrics["n_labelled"]
    for key in ("sex", "age_band", "family_status"):
        for row in stored["groups"][key]:
            assert set(row) >= REQUIRED
            assert row["refusal_rate_ci"] is None or len(row["refusal_rate_ci"]) == 2
    proxies = stored["proxies"]["attributes"]
    assert set(proxies) == {"sex", "family_status"}
    for proxy in proxies.values():
        assert 0.4 < proxy["auc"] <= 1 and proxy["strongest"]
        assert all(p["feature"] in artifacts.transform.features for p in proxy["strongest"])
    copy = tmp_path / "artifacts"
    shutil.copytree(synthetic_artifacts, copy)
    doctored = json.loads((copy / "fairness.json").read_text())
    doctored["groups"]["sex"][0]["refusal_rate"] = 0.0
    (copy / "fairness.json").write_text(json.dumps(doctored))
    with pytest.raises(ArtifactError, match="fairness.json"):
        Artifacts(copy)


def test_protected_fields_are_in_no_feature_and_no_explanation(synthetic_artifacts):
    artifacts = Artifacts(synthetic_artifacts)
    portfolio = Portfolio(artifacts)
    for name in DEFAULT_PROTECTED:
        assert name not in artifacts.transform.features
        assert all(name not in artifacts.transform.fields[i].sources for i in range(len(artifacts.transform.features)))
    explanation = portfolio.explanation(int(portfolio.ids[0]))
    assert not set(explanation.contributions) & set(DEFAULT_PROTECTED)
    card = (synthetic_artifacts / "model_card.md").read_text()
    assert "Fairness audit" in card and "`CODE_GENDER`" in card


def test_performance_curves(synthetic_artifacts):
    artifacts = Artifacts(synthetic_artifacts)
    performance, metrics = artifacts.performance, artifacts.metrics
    fpr, tpr = np.array(performance["roc"]["fpr"]), np.array(performance["roc"]["tpr"])
    assert fpr[0] == 0 and tpr[0] == 0 and fpr[-1] == 1 and tpr[-1] == 1
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    assert np.trapezoid(tpr, fpr) == pytest.approx(metrics["roc_auc"], abs=0.01)
    assert performance["roc"]["auc"] == pytest.approx(metrics["roc_auc"])
    assert sum(b["n"] for b in performance["reliability"]) == metrics["n_labelled"]
    chosen = [p for p in performance["cost_curve"] if p["chosen"]]
    assert len(chosen) == 1 and chosen[0]["threshold"] == artifacts.decision.threshold
    assert chosen[0]["cost_per_1000"] == pytest.approx(metrics["cost_per_1000_clients"]["model"])
    assert min(p["cost_per_1000"] for p in performance["cost_curve"]) <= chosen[0]["cost_per_1000"] + 1e-9
    # Thresholds 0 and 1 are "refuse everyone" (p >= 0) and almost "accept everyone".
    assert performance["cost_curve"][0]["cost_per_1000"] == pytest.approx(metrics["cost_per_1000_clients"]["refuse_all"])


def test_performance_functions_on_known_values():
    y = np.array([0, 0, 1, 1])
    proba = np.array([0.1, 0.4, 0.35, 0.8])
    roc = roc_points(y, proba)
    assert roc["auc"] == pytest.approx(0.75)
    bins = reliability(y, proba, bins=2)
    assert [b["n"] for b in bins] == [2, 2] and [b["observed"] for b in bins] == [0.5, 0.5]
    curve = {p["threshold"]: p for p in cost_curve(y, proba, 0.35, cost_fn=10, cost_fp=1)}
    assert curve[0.35]["chosen"] and curve[0.35]["cost_per_1000"] == pytest.approx(1000 * 1 / 4)  # one good payer refused
    assert curve[0.5]["cost_per_1000"] == pytest.approx(1000 * 10 / 4)  # one defaulter accepted


@pytest.fixture(scope="module")
def labelled_csv(tmp_path_factory):
    train, _ = generate_applications(1500, 0, seed=21)
    path = tmp_path_factory.mktemp("fairness") / "labelled.csv"
    train.to_csv(path, index=False)
    return path


def test_fairness_command_json(synthetic_artifacts, labelled_csv, capsys):
    argv = ["fairness", "--artifacts", str(synthetic_artifacts), "--json"]
    assert main([*argv, "--data", str(labelled_csv), "--n-boot", "200"]) == 0
    result = strict_json(capsys.readouterr().out)
    assert {"auc", "groups", "summary", "n", "threshold"} <= set(result)
    assert result["n"] == 1500 and result["data"] == "labelled.csv"
    assert [r["group"] for r in result["groups"]["age_band"]][:1] == ["under_30"]
    frame, _ = clean_anomalies(pd.read_csv(labelled_csv))
    assert result["auc"] == pytest.approx(audit_frame(Artifacts(synthetic_artifacts), frame, n_boot=10)["auc"])
    # Without --data: the audit stored at training, as written.
    assert main(argv) == 0
    assert strict_json(capsys.readouterr().out) == json.loads((synthetic_artifacts / "fairness.json").read_text())
    assert main(["fairness", "--artifacts", str(synthetic_artifacts)]) == 0
    text = capsys.readouterr().out
    assert "demographic parity ratio" in text and "under_30" in text


def test_fairness_command_bad_input(synthetic_artifacts, tmp_path, capsys):
    unlabelled = tmp_path / "test.csv"
    generate_applications(10, 30, seed=2)[1].to_csv(unlabelled, index=False)
    for argv, expected in (
        (["--data", str(tmp_path / "missing.csv")], "file not found"),
        (["--data", str(unlabelled)], "TARGET"),
    ):
        assert main(["fairness", "--artifacts", str(synthetic_artifacts), *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and expected in err and "\n" not in err
    assert main(["fairness", "--artifacts", str(tmp_path / "none")]) == 2
    with pytest.raises(SystemExit) as stop:
        main(["fairness", "--artifacts", str(synthetic_artifacts), "--n-boot", "0"])
    assert stop.value.code == 2


@pytest.mark.skipif(not REAL_TRAIN.is_file(), reason=f"real Home Credit sample absent ({REAL_TRAIN})")
def test_fairness_command_on_the_real_sample(synthetic_artifacts):
    argv = ["fairness", "--artifacts", str(synthetic_artifacts), "--data", str(REAL_TRAIN), "--json", "--n-boot", "200"]
    done = subprocess.run([sys.executable, "-m", "scoring", *argv], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = strict_json(done.stdout)
    assert result["n"] == 1000
    assert {r["group"] for r in result["groups"]["sex"]} >= {"F", "M"}
    assert sum(r["n"] for r in result["groups"]["family_status"]) == 1000


def test_train_protected_option(tmp_path, capsys):
    out = tmp_path / "with-protected"
    assert main(["train", "--synthetic", "3000", "--synthetic-test", "0", "--protected", "none", "--out", str(out)]) == 0
    artifacts = Artifacts(out)
    assert {"CODE_GENDER", "NAME_FAMILY_STATUS"} <= set(artifacts.transform.features)
    assert artifacts.transform.protected == ()
    assert set(artifacts.fairness["proxies"]["attributes"]) == set()  # an input is its own proxy: not checked
    out = tmp_path / "no-age"
    argv = ["train", "--synthetic", "3000", "--synthetic-test", "0", "--protected", "CODE_GENDER,DAYS_BIRTH"]
    assert main([*argv, "--out", str(out)]) == 0
    features = Artifacts(out).transform.features
    assert "AGE_YEARS" not in features and "CODE_GENDER" not in features and "NAME_FAMILY_STATUS" in features
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        main(["train", "--synthetic", "100", "--protected", "CODE_GENDER,NOT_A_COLUMN", "--out", str(tmp_path / "x")])
    assert stop.value.code == 2 and "NOT_A_COLUMN" in capsys.readouterr().err


def test_a_rate_with_nothing_to_count_is_undefined_not_zero():
    frame, y, proba = scored_sample(1000)
    frame = frame.copy()
    defaulters = np.flatnonzero(y == 1)[:4]
    frame["NAME_FAMILY_STATUS"] = "Married"
    frame.loc[frame.index[defaulters], "NAME_FAMILY_STATUS"] = "Widow"  # a group of defaulters only
    result = audit(y, proba, 0.12, frame, attributes=AUDITED[2:], n_boot=50, seed=0)
    widow = next(r for r in result["groups"]["family_status"] if r["group"] == "Widow")
    assert widow["n"] == 4 and widow["default_rate"] == 1.0
    assert widow["false_positive_rate"] is None and widow["false_positive_rate_ci"] is None and widow["auc"] is None
    assert widow["false_negative_rate"] is not None
    strict_json(json.dumps(result, allow_nan=False))
