"""A synthetic portfolio of any size: independent, deterministic partitions in the exact Kaggle schema."""

import numpy as np
import pandas as pd
import pytest

from scoring import synthetic_partitions as partitions
from scoring.loading import read_kaggle_folder
from scoring.schema import ID_COLUMN, TEST_COLUMNS, TRAIN_COLUMNS

from .test_cli import run


def test_plan_splits_labelled_and_unlabelled_into_disjoint_id_blocks():
    parts = partitions.plan(10_000, seed=3, partition_rows=1_500)
    train = [p for p in parts if p.labelled]
    test = [p for p in parts if not p.labelled]
    assert sum(p.rows for p in parts) == 10_000
    assert sum(p.rows for p in test) == partitions.unlabelled_share(10_000) == round(10_000 * 48_744 / 356_255)
    assert max(p.rows for p in parts) == 1_500 and [p.index for p in train] == list(range(len(train)))
    blocks = sorted((p.first_id, p.first_id + p.rows) for p in parts)
    assert all(end == nxt for (_, end), (nxt, _) in zip(blocks, blocks[1:], strict=False))  # contiguous, no overlap
    assert len({p.seed for p in parts}) == len(parts)
    assert partitions.plan(10_000, seed=3, partition_rows=1_500) == parts  # the same arguments, the same plan
    assert partitions.plan(10_000, seed=4, partition_rows=1_500)[0].seed != parts[0].seed


def test_a_partition_is_rebuilt_alone_identically():
    parts = partitions.plan(3_000, seed=5, partition_rows=1_000)
    second = parts[1]
    a, b = partitions.generate(second), partitions.generate(second)
    pd.testing.assert_frame_equal(a, b)
    ids = a[ID_COLUMN].to_numpy()
    assert ids.min() == second.first_id and ids.max() == second.first_id + second.rows - 1 and len(set(ids)) == len(ids)
    assert not a.equals(partitions.generate(parts[0]))


def test_written_parquet_portfolio_reads_back_in_the_kaggle_schema(tmp_path):
    parts = partitions.plan(2_600, seed=1, partition_rows=700)
    written = partitions.write(parts, tmp_path, "parquet")
    assert sorted(p.name for p in written["application_train"].iterdir()) == [
        f"part-{i:05d}.parquet" for i in range(sum(p.labelled for p in parts))
    ]
    train, test = read_kaggle_folder(tmp_path)
    assert list(train.frame.columns) == list(TRAIN_COLUMNS) and list(test.frame.columns) == list(TEST_COLUMNS)
    assert len(train.frame) + len(test.frame) == 2_600
    ids = np.concatenate([train.frame[ID_COLUMN].to_numpy(), test.frame[ID_COLUMN].to_numpy()])
    assert len(np.unique(ids)) == 2_600
    assert train.fmt.describe() == f"read as Parquet ({sum(p.labelled for p in parts)} partitions)"
    first = partitions.generate(parts[0])
    pd.testing.assert_frame_equal(
        train.frame.iloc[: parts[0].rows].reset_index(drop=True)[["SK_ID_CURR", "TARGET", "AMT_CREDIT"]],
        first[["SK_ID_CURR", "TARGET", "AMT_CREDIT"]].astype({"TARGET": np.int8}),
    )


def test_cli_writes_csv_partitions_appended_into_one_file(tmp_path):
    result = run("synthesize", "--clients", 1_200, "--partition-rows", 400, "--out", tmp_path, "--seed", 2, check=True)
    assert "Generated 1,200 clients in 4 partitions" in result.stderr
    train = pd.read_csv(tmp_path / "application_train.csv")
    test = pd.read_csv(tmp_path / "application_test.csv")
    assert len(train) + len(test) == 1_200 and list(train.columns) == list(TRAIN_COLUMNS)
    assert train[ID_COLUMN].is_unique


@pytest.mark.parametrize("bad", [["--clients", 0], ["--clients", 10, "--gzip", "--format", "parquet"]])
def test_cli_refuses_bad_sizes_in_one_line(tmp_path, bad):
    result = run("synthesize", *bad, "--out", tmp_path / "x")
    assert result.returncode == 2 and "Traceback" not in result.stderr
