import gzip
import zipfile

import numpy as np
import pandas as pd
import pytest

from scoring.errors import DataError
from scoring.features import FeatureTransform
from scoring.loading import clean_anomalies, load_application_file, load_kaggle_folder, read_csv_checked
from scoring.schema import CATEGORICAL_COLUMNS, TEST_COLUMNS, TRAIN_COLUMNS, column_kind

from .conftest import REAL_TEST


def test_schema_matches_real_headers(real_train_path):
    assert tuple(pd.read_csv(real_train_path, nrows=0).columns) == TRAIN_COLUMNS
    assert tuple(pd.read_csv(REAL_TEST, nrows=0).columns) == TEST_COLUMNS


def test_schema_kinds_match_real_dtypes(real_train_path):
    frame = pd.read_csv(real_train_path)
    for column in TRAIN_COLUMNS:
        is_object = not pd.api.types.is_numeric_dtype(frame[column])
        assert is_object == (column in CATEGORICAL_COLUMNS), column
        if column_kind(column) == "int":
            assert frame[column].notna().all(), column


def test_real_sample_loads_with_schema_dtypes(real_train_path):
    frame = load_application_file(real_train_path, require_target=True)
    assert len(frame) == 1000
    assert set(frame["TARGET"].unique()) == {0, 1}
    assert (frame["DAYS_EMPLOYED"] == 365243).sum() > 100  # sentinel preserved in raw data


def _write(tmp_path, frame, name="application_train.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


@pytest.fixture()
def sample(real_train_path):
    return pd.read_csv(real_train_path).head(50)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.drop(columns=["AMT_CREDIT", "EXT_SOURCE_2"]), "missing columns: AMT_CREDIT, EXT_SOURCE_2"),
        (lambda f: f.assign(SURPRISE=1), "unexpected columns: SURPRISE"),
        (lambda f: f.assign(AMT_CREDIT=["abc"] + [1.0] * (len(f) - 1)), "column AMT_CREDIT expects numbers"),
        (lambda f: f.assign(SK_ID_CURR=[1, 1] + list(range(2, len(f)))), "duplicated SK_ID_CURR: 1"),
        (lambda f: f.assign(TARGET=[2] + [0] * (len(f) - 1)), "TARGET must be 0 or 1"),
        (lambda f: f.drop(columns=["TARGET"]), "missing column TARGET"),
    ],
)
def test_bad_files_give_one_line_messages(tmp_path, sample, mutate, message):
    path = _write(tmp_path, mutate(sample))
    with pytest.raises(DataError) as info:
        load_application_file(path, require_target=True)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_empty_and_header_only_files(tmp_path, sample):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty"):
        read_csv_checked(empty)
    header = _write(tmp_path, sample.head(0), "header.csv")
    with pytest.raises(DataError, match="no rows"):
        read_csv_checked(header)
    with pytest.raises(DataError, match="not found"):
        read_csv_checked(tmp_path / "nope.csv")


def test_malformed_csv(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b'a,b\n1,"unterminated\n')
    with pytest.raises(DataError, match="not a readable CSV"):
        read_csv_checked(path)


def test_compressed_kaggle_folder(tmp_path, sample):
    with gzip.open(tmp_path / "application_train.csv.gz", "wt") as handle:
        sample.to_csv(handle, index=False)
    test = pd.read_csv(REAL_TEST).head(5)
    with zipfile.ZipFile(tmp_path / "application_test.csv.zip", "w") as archive:
        archive.writestr("application_test.csv", test.to_csv(index=False))
    train, loaded_test = load_kaggle_folder(tmp_path)
    assert len(train) == 50 and len(loaded_test) == 5


def test_missing_train_file_in_folder(tmp_path):
    with pytest.raises(DataError, match="no application_train.csv"):
        load_kaggle_folder(tmp_path)


def test_anomalies_become_missing_and_are_reported(sample):
    frame = sample.copy()
    frame.loc[0, "CODE_GENDER"] = "XNA"
    frame.loc[1, "AMT_INCOME_TOTAL"] = -5
    frame.loc[2, "DAYS_BIRTH"] = 400
    cleaned, notes = clean_anomalies(frame)
    assert pd.isna(cleaned.loc[0, "CODE_GENDER"])
    assert np.isnan(cleaned.loc[1, "AMT_INCOME_TOTAL"])
    assert np.isnan(cleaned.loc[2, "DAYS_BIRTH"])
    assert len(notes) == 3
    assert cleaned.loc[3:, "AMT_INCOME_TOTAL"].equals(frame.loc[3:, "AMT_INCOME_TOTAL"].astype(float))


def test_sentinel_becomes_flag_not_forty_years_of_work(real_train_path):
    frame = load_application_file(real_train_path, require_target=True)
    transform = FeatureTransform.fit(frame)
    x = transform.transform(frame)
    names = transform.feature_names
    sentinel = (frame["DAYS_EMPLOYED"] == 365243).to_numpy()
    years = x[:, names.index("YEARS_EMPLOYED")]
    assert np.isnan(years[sentinel]).all()
    assert (years[~sentinel] >= 0).all()
    assert (x[sentinel, names.index("NOT_EMPLOYED")] == 1).all()


def test_real_test_sample_with_a_quoted_row_loses_nothing(real_test_path):
    # The first data row of the real extract is wrapped in quotes as a single field.
    frame = load_application_file(real_test_path, require_target=False)
    assert len(frame) == 49
    assert frame["SK_ID_CURR"].iloc[0] == 100001
    assert frame["NAME_CONTRACT_TYPE"].iloc[0] == "Cash loans"
    assert frame["AMT_CREDIT"].iloc[0] == 568800.0
