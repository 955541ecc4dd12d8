"""Client files as analysts have them: French Excel CSVs, other encodings, compression, Parquet; bad rows never lost."""

import gzip
import zipfile

import numpy as np
import pandas as pd
import pytest

from scoring.errors import DataError
from scoring.loading import read_application, read_kaggle_folder
from scoring.reading import ReadOptions, detect, read_table
from scoring.schema import ID_COLUMN
from scoring.synthetic import generate_applications

from .test_cli import assert_one_line_error, run


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    train, _ = generate_applications(300, 0, seed=11)
    return train


def french_excel(frame: pd.DataFrame, path, encoding="utf-8-sig"):
    """What Excel writes in France: ';' between fields, a decimal comma, UTF-8 with a byte-order mark."""
    frame.to_csv(path, sep=";", decimal=",", index=False, encoding=encoding)
    return path


def assert_same_table(read: pd.DataFrame, original: pd.DataFrame):
    assert list(read.columns) == list(original.columns)
    assert len(read) == len(original)
    for column in original.columns:
        a, b = read[column], original[column]
        if pd.api.types.is_numeric_dtype(b):
            np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-12, equal_nan=True, err_msg=column)
        else:
            assert a.fillna("<na>").astype(str).tolist() == b.fillna("<na>").astype(str).tolist(), column


def test_french_excel_export_reads_like_the_original(tmp_path, rows):
    loaded = read_application(french_excel(rows, tmp_path / "export.csv"), require_target=True)
    assert loaded.fmt.describe() == "read as CSV ; decimal , utf-8-sig"
    plain = read_application(_plain(rows, tmp_path), require_target=True)
    assert plain.fmt.describe() == "read as CSV , decimal . utf-8"
    assert_same_table(loaded.frame, plain.frame)
    assert loaded.rejected.empty


def _plain(frame, tmp_path):
    path = tmp_path / "plain.csv"
    frame.to_csv(path, index=False)
    return path


def test_cp1252_and_latin1_are_detected_and_decoded(tmp_path, rows):
    accented = rows.copy()
    accented.loc[0, "ORGANIZATION_TYPE"] = "Société générale – filiale"  # the dash exists in cp1252, not latin-1
    cp = french_excel(accented, tmp_path / "cp1252.csv", encoding="cp1252")
    frame, fmt = read_table(cp)
    assert fmt.encoding == "cp1252"
    assert frame.loc[0, "ORGANIZATION_TYPE"] == "Société générale – filiale"
    accented.loc[0, "ORGANIZATION_TYPE"] = "Société ÿ"
    latin = french_excel(accented, tmp_path / "latin.csv", encoding="latin-1")
    frame, fmt = read_table(latin, ReadOptions(encoding="latin-1"))
    assert frame.loc[0, "ORGANIZATION_TYPE"] == "Société ÿ"


def test_compressed_french_exports(tmp_path, rows):
    text = rows.to_csv(sep=";", decimal=",", index=False).encode("utf-8-sig")
    with gzip.open(tmp_path / "a.csv.gz", "wb") as handle:
        handle.write(text)
    with zipfile.ZipFile(tmp_path / "a.csv.zip", "w") as archive:
        archive.writestr("inside.csv", text)
    for name, compression in (("a.csv.gz", "gzip"), ("a.csv.zip", "zip")):
        loaded = read_application(tmp_path / name, require_target=True)
        assert loaded.fmt.compression == compression and loaded.fmt.sep == ";" and loaded.fmt.decimal == ","
        assert len(loaded.frame) == len(rows)


def test_parquet_file_and_partitioned_folder(tmp_path, rows):
    rows.to_parquet(tmp_path / "one.parquet", index=False)
    folder = tmp_path / "application_train"
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(rows)), 3)):
        rows.iloc[part].to_parquet(folder / f"part-{i}.parquet", index=False)
    single = read_application(tmp_path / "one.parquet", require_target=True)
    parts = read_application(folder, require_target=True)
    assert single.fmt.describe() == "read as Parquet"
    assert parts.fmt.describe() == "read as Parquet (3 partitions)"
    assert_same_table(parts.frame, single.frame)
    train, test = read_kaggle_folder(tmp_path)  # the folder of partitions is found by its table name
    assert len(train.frame) == len(rows) and test is None


def test_partition_with_another_schema_is_named(tmp_path, rows):
    folder = tmp_path / "parts"
    folder.mkdir()
    rows.iloc[:100].to_parquet(folder / "part-0.parquet", index=False)
    rows.iloc[100:].drop(columns=["AMT_CREDIT"]).to_parquet(folder / "part-1.parquet", index=False)
    with pytest.raises(DataError, match=r"part-1\.parquet: this partition's columns differ.*AMT_CREDIT"):
        read_table(folder)


def test_wrong_field_count_names_the_line(tmp_path, rows):
    path = french_excel(rows, tmp_path / "broken.csv")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[56] += ";surplus"  # line 57 of the file (the header is line 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    with pytest.raises(DataError) as info:
        read_table(path)
    message = str(info.value)
    assert "line 57 has 123 fields where the header has 122" in message
    assert "read as CSV ; decimal ," in message and "\n" not in message


def test_bad_rows_stop_or_are_set_aside_with_their_reason(tmp_path, rows):
    bad = rows.copy().astype({"AMT_CREDIT": object})
    bad.loc[9, "AMT_CREDIT"] = "douze mille"
    bad.loc[20, ID_COLUMN] = bad.loc[3, ID_COLUMN]
    path = french_excel(bad, tmp_path / "bad.csv")
    with pytest.raises(DataError) as info:
        read_application(path, require_target=True)
    assert "column AMT_CREDIT expects numbers, found 'douze mille' at line 11 (2 rows fail validation" in str(info.value)
    loaded = read_application(path, require_target=True, on_bad_rows="skip")
    assert len(loaded.frame) == len(rows) - 2
    assert loaded.rejected["location"].tolist() == ["line 11", "line 22"]
    assert loaded.rejected["reason"].iloc[1] == f"duplicated SK_ID_CURR: {int(rows.loc[3, ID_COLUMN])}"
    assert int(loaded.rejected[ID_COLUMN].iloc[0]) == int(rows.loc[9, ID_COLUMN])  # the original row is kept whole


def test_detection_can_be_forced(tmp_path, rows):
    path = french_excel(rows, tmp_path / "export.csv")
    assert detect(path, ReadOptions(sep=";", decimal=".")).decimal == "."
    with pytest.raises(DataError, match="expects numbers"):  # forcing the wrong decimal mark shows, it is not hidden
        read_application(path, require_target=True, options=ReadOptions(decimal="."))


# --------------------------------------------------------------------------- the CLI, as a subprocess


def test_cli_scores_a_french_export_and_a_parquet_file(tmp_path, synthetic_artifacts, rows):
    unlabelled = rows.drop(columns=["TARGET"]).assign(SK_ID_CURR=rows[ID_COLUMN] + 10_000_000)
    french = french_excel(unlabelled, tmp_path / "clients.csv")
    result = run("predict", "--artifacts", synthetic_artifacts, "--data", french, "--out", tmp_path / "a.csv", check=True)
    assert "clients.csv: read as CSV ; decimal , utf-8-sig, 300 rows" in result.stderr
    unlabelled.to_parquet(tmp_path / "clients.parquet", index=False)
    run("predict", "--artifacts", synthetic_artifacts, "--data", tmp_path / "clients.parquet", "--out", tmp_path / "b.csv",
        check=True)
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    assert len(a) == 300 and a.equals(b)


def test_cli_bad_rows_side_file_and_clean_failures(tmp_path, synthetic_artifacts, rows):
    bad = rows.drop(columns=["TARGET"]).astype({"AMT_ANNUITY": object})
    bad.loc[4, "AMT_ANNUITY"] = "inconnue"
    path = french_excel(bad, tmp_path / "bad.csv")
    out = tmp_path / "scores.csv"
    assert_one_line_error(run("predict", "--artifacts", synthetic_artifacts, "--data", path, "--out", out), "at line 6")
    assert not out.exists()
    result = run("predict", "--artifacts", synthetic_artifacts, "--data", path, "--out", out, "--on-bad-rows", "skip",
                 check=True)
    side = tmp_path / "scores.rejected.csv"
    assert "1 rows fail validation, set aside" in result.stderr and side.is_file()
    assert pd.read_csv(side)["reason"].tolist() == ["column AMT_ANNUITY expects numbers, found 'inconnue'"]
    assert len(pd.read_csv(out)) == len(rows) - 1

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    missing = tmp_path / "missing.csv"
    rows.drop(columns=["TARGET", "AMT_CREDIT"]).to_csv(missing, index=False)
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1 not really parquet")
    for data, fragment in ((empty, "the file is empty"), (missing, "missing columns: AMT_CREDIT"),
                           (corrupt, "not a readable Parquet file")):
        target = tmp_path / f"{data.stem}-out.csv"
        assert_one_line_error(run("predict", "--artifacts", synthetic_artifacts, "--data", data, "--out", target), fragment)
        assert not target.exists()


def test_cli_trains_on_a_french_export_of_the_real_sample(tmp_path, real_train_path):
    real = pd.read_csv(real_train_path)
    path = french_excel(real, tmp_path / "application_train.csv")
    result = run("train", "--data", path, "--out", tmp_path / "art", check=True)
    assert "read as CSV ; decimal , utf-8-sig, 1,000 rows" in result.stderr
    assert (tmp_path / "art" / "manifest.json").is_file()
