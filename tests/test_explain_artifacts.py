import json
import shutil

import numpy as np
import pytest

from scoring.artifacts import Artifacts
from scoring.calibration import sigmoid
from scoring.errors import ArtifactError, UnknownClientError
from scoring.explain import raw_contributions
from scoring.model import margin
from scoring.portfolio import Portfolio, id_prefix_ranges


@pytest.fixture(scope="module")
def artifacts(synthetic_artifacts):
    return Artifacts(synthetic_artifacts)


def test_native_treeshap_matches_shap_and_margin(artifacts):
    shap = pytest.importorskip("shap")
    x = np.asarray(artifacts.array("features")[:300], dtype=np.float32)
    native = raw_contributions(artifacts.booster, x)
    np.testing.assert_allclose(native.sum(axis=1), margin(artifacts.booster, x), atol=1e-4)
    explainer = shap.TreeExplainer(artifacts.booster)
    reference = explainer.shap_values(x)
    assert np.abs(native[:, :-1] - reference).max() < 1e-4
    assert abs(float(np.ravel(explainer.expected_value)[0]) - native[0, -1]) < 1e-4


def test_stored_contributions_add_up_to_stored_probability(artifacts):
    portfolio = Portfolio(artifacts)
    contrib = np.asarray(portfolio.contrib, dtype=float)
    logits = artifacts.decision.base_value + contrib.sum(axis=1)
    np.testing.assert_allclose(sigmoid(logits), portfolio.proba, atol=2e-5)


def test_explanation_for_a_client(artifacts):
    portfolio = Portfolio(artifacts)
    client_id = int(portfolio.ids[17])
    explanation = portfolio.explanation(client_id)
    assert explanation.probability == pytest.approx(sigmoid(explanation.margin), abs=2e-5)
    assert explanation.decision == ("refused" if explanation.probability >= explanation.threshold else "granted")
    top = explanation.top_contributions(5)
    assert abs(top[0][1]) >= abs(top[-1][1])
    with pytest.raises(UnknownClientError):
        portfolio.explanation(1)


def test_id_search_uses_prefixes(artifacts):
    portfolio = Portfolio(artifacts)
    some = str(int(portfolio.ids[100]))
    found = portfolio.search(some[:4], limit=30)
    assert found and all(str(i).startswith(some[:4]) for i in found)
    assert portfolio.search("abc") == []
    assert id_prefix_ranges("12", max_digits=3) == [(12, 13), (120, 130)]


def test_nearest_neighbours_are_close(artifacts):
    portfolio = Portfolio(artifacts)
    neighbours = portfolio.nearest(0, 20)
    assert len(neighbours) == 20 and 0 not in neighbours
    top = np.argsort(-np.asarray(portfolio.importance))[:10]
    x = np.nan_to_num(np.asarray(portfolio.features[:, top], dtype=float) / portfolio.feature_scale[top], nan=0)
    dist_near = np.abs(x[neighbours] - x[0]).sum(axis=1).mean()
    dist_random = np.abs(x[1000:1200] - x[0]).sum(axis=1).mean()
    assert dist_near < dist_random / 2


def _copy(src, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(src, dst)
    return dst


def test_missing_file_is_named(synthetic_artifacts, tmp_path):
    folder = _copy(synthetic_artifacts, tmp_path)
    (folder / "portfolio" / "proba.npy").unlink()
    with pytest.raises(ArtifactError, match="proba.npy: missing"):
        Artifacts(folder)


def test_corrupt_file_is_named(synthetic_artifacts, tmp_path):
    folder = _copy(synthetic_artifacts, tmp_path)
    path = folder / "model.ubj"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="model.ubj: corrupt"):
        Artifacts(folder)


def test_incompatible_and_missing_manifest(synthetic_artifacts, tmp_path):
    folder = _copy(synthetic_artifacts, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format_version"] = 99
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="format 99 is not supported"):
        Artifacts(folder)
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(ArtifactError, match="corrupt manifest"):
        Artifacts(folder)
    (folder / "manifest.json").unlink()
    with pytest.raises(ArtifactError, match="missing manifest"):
        Artifacts(folder)
    with pytest.raises(ArtifactError, match="not found"):
        Artifacts(tmp_path / "nowhere")


def test_manifest_records_versions_and_hashes(artifacts):
    manifest = artifacts.manifest
    assert manifest["data_source"] == "synthetic"
    assert {"xgboost", "numpy", "python"} <= set(manifest["versions"])
    assert "portfolio/contrib.npy" in manifest["files"]
    assert all(len(meta["sha256"]) == 64 for meta in manifest["files"].values())
    metrics = artifacts.metrics
    for key in ("roc_auc", "pr_auc", "brier", "threshold", "cost_fn", "cost_fp", "n_labelled", "n_folds"):
        assert key in metrics
    cost = metrics["cost_per_1000_clients"]
    assert cost["model"] < min(cost["accept_all"], cost["refuse_all"])
    assert (artifacts.folder / "model_card.md").read_text().startswith("# Model card")
