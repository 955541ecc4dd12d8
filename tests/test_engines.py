"""Batch scoring with reasons: the local and Dask engines agree, and agree with the dashboard."""

import numpy as np
import pandas as pd
import pytest

from scoring import synthetic_partitions as partitions
from scoring.artifacts import Artifacts
from scoring.engines import cluster, local
from scoring.errors import DataError
from scoring.loading import clean_anomalies
from scoring.portfolio import Portfolio
from scoring.reasons import family_reasons
from scoring.schema import ID_COLUMN
from scoring.synthetic import generate_applications

from .test_cli import assert_one_line_error, run
from .test_reading import french_excel


@pytest.fixture(scope="module")
def dask_cluster():
    """A real LocalCluster: two worker processes, as the engine starts by default."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, memory_limit="2GB"
    ) as local_cluster:
        yield cluster.ClusterSpec(scheduler=local_cluster.scheduler_address)


@pytest.fixture(scope="module")
def artifacts(synthetic_artifacts):
    return Artifacts(synthetic_artifacts)


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    """1,500 unlabelled clients: a Parquet folder of 3 partitions and the same rows as a French CSV."""
    folder = tmp_path_factory.mktemp("clients")
    parts = [p for p in partitions.plan(3_000, seed=21, partition_rows=500, n_test=1_500) if not p.labelled]
    written = partitions.write(parts, folder, "parquet")
    frame = pd.concat([partitions.generate(p) for p in parts], ignore_index=True)
    return written["application_test"], french_excel(frame, folder / "clients.csv"), frame


def both_engines(artifacts, data, tmp_path, spec, **options):
    a = local.score_file(
        artifacts, data, tmp_path / "local.parquet", rejected=tmp_path / "local.rej.csv", chunk_rows=400, **options
    )
    b = cluster.score_file(
        artifacts, data, tmp_path / "dask.parquet", rejected=tmp_path / "dask.rej.csv", spec=spec, chunk_rows=400, **options
    )
    return (a, pd.read_parquet(tmp_path / "local.parquet")), (b, pd.read_parquet(tmp_path / "dask.parquet"))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_local_and_dask_engines_agree(artifacts, clients, tmp_path, dask_cluster, kind):
    data = clients[0] if kind == "parquet" else clients[1]
    (tally_a, a), (tally_b, b) = both_engines(artifacts, data, tmp_path, dask_cluster)
    assert len(a) == len(b) == 1_500 and tally_a.clients == tally_b.clients == 1_500
    assert a[ID_COLUMN].tolist() == clients[2][ID_COLUMN].tolist() == b[ID_COLUMN].tolist()  # input order kept
    assert np.abs(a["probability"] - b["probability"]).max() <= 1e-6
    pd.testing.assert_frame_equal(a.drop(columns="probability"), b.drop(columns="probability"))
    assert tally_a.refused == tally_b.refused and tally_a.grey == tally_b.grey


def test_batch_scores_are_the_dashboards(artifacts, tmp_path):
    """Portfolio clients scored from their raw rows get the dashboard's probability and its three reasons."""
    _, test = generate_applications(12_000, 1_500, seed=7)  # the rows the synthetic_artifacts fixture was built from
    test, _ = clean_anomalies(test)
    path = tmp_path / "portfolio_test.parquet"
    test.head(300).to_parquet(path, index=False)
    local.score_file(artifacts, path, tmp_path / "out.csv", rejected=tmp_path / "rej.csv")
    scored = pd.read_csv(tmp_path / "out.csv")
    portfolio = Portfolio(artifacts)
    for row in scored.head(25).itertuples():
        explanation = portfolio.explanation(int(row.SK_ID_CURR))
        assert row.probability == pytest.approx(explanation.probability, abs=1e-6)
        assert row.decision == explanation.decision and row.grey_zone == explanation.in_grey_zone
        top = family_reasons(explanation)[:3]
        assert [row.reason_1_family, row.reason_2_family, row.reason_3_family] == [r.key for r in top]
        assert row.reason_1_points == pytest.approx(top[0].points * 100, abs=0.01)
        assert row.reason_1_direction == ("raises" if top[0].raises else "lowers")
    assert scored["reason_1_label_fr"].str.len().gt(0).all() and scored["reason_1_label_en"].str.len().gt(0).all()
    assert (scored["reason_1_label_fr"] != scored["reason_1_label_en"]).any()


@pytest.mark.slow
def test_bad_and_duplicated_rows_are_set_aside_by_both_engines(artifacts, clients, tmp_path, dask_cluster):
    folder = tmp_path / "parts"
    folder.mkdir()
    frame = clients[2].copy()
    # A text column in Parquet, as an export from a spreadsheet gives it: numbers as text, one word among them.
    frame["AMT_CREDIT"] = [None if pd.isna(v) else f"{v:.2f}" for v in frame["AMT_CREDIT"]]
    frame.loc[7, "AMT_CREDIT"] = "beaucoup"
    frame.loc[1_200, ID_COLUMN] = frame.loc[3, ID_COLUMN]  # the same id in two partitions
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), 3)):
        frame.iloc[rows].to_parquet(folder / f"part-{i}.parquet", index=False)
    with pytest.raises(DataError, match="expects numbers, found 'beaucoup' at row 8"):
        local.score_file(artifacts, folder, tmp_path / "x.parquet", rejected=tmp_path / "x.csv")
    assert not (tmp_path / "x.parquet").exists()
    with pytest.raises(DataError, match="expects numbers, found 'beaucoup' at row 8"):
        cluster.score_file(artifacts, folder, tmp_path / "y.parquet", rejected=tmp_path / "y.csv", spec=dask_cluster)
    assert not (tmp_path / "y.parquet").exists()
    (tally_a, a), (tally_b, b) = both_engines(artifacts, folder, tmp_path, dask_cluster, on_bad_rows="skip")
    assert len(a) == len(b) == 1_498 and tally_a.rejected == tally_b.rejected == 2
    for side in ("local.rej.csv", "dask.rej.csv"):
        reasons = pd.read_csv(tmp_path / side)["reason"].tolist()
        assert sorted(reasons) == sorted(
            ["column AMT_CREDIT expects numbers, found 'beaucoup'", f"duplicated SK_ID_CURR: {frame.loc[3, ID_COLUMN]}"]
        )


def test_cli_score_writes_reasons_in_both_languages(tmp_path, synthetic_artifacts, clients):
    out = tmp_path / "scores.csv"
    result = run("score", "--artifacts", synthetic_artifacts, "--data", clients[1], "--out", out, check=True)
    assert "read as CSV ; decimal , utf-8-sig" in result.stderr and "1,500 clients scored" in result.stderr
    scored = pd.read_csv(out)
    assert {"reason_3_label_fr", "reason_3_label_en", "reason_3_points", "grey_zone"} <= set(scored.columns)
    assert_one_line_error(
        run("score", "--artifacts", synthetic_artifacts, "--data", clients[1], "--out", tmp_path / "a.xlsx"),
        "must end in .parquet or .csv",
    )
