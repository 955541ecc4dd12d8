"""The synthetic portfolio must look like the real 1,000-row sample and carry a realistic risk signal."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp
from sklearn.metrics import roc_auc_score

from scoring.features import FeatureTransform
from scoring.loading import clean_anomalies, load_application_file
from scoring.model import TrainConfig, margin, split_indices, train_booster
from scoring.schema import CATEGORICAL_COLUMNS, TEST_COLUMNS, TRAIN_COLUMNS, column_kind
from scoring.synthetic import generate_applications


@pytest.fixture(scope="module")
def real(real_train_path):
    return load_application_file(real_train_path, require_target=True)


@pytest.fixture(scope="module")
def synthetic():
    train, test = generate_applications(40_000, 2_000, seed=3)
    return train, test


def test_exact_schema(synthetic):
    train, test = synthetic
    assert tuple(train.columns) == TRAIN_COLUMNS
    assert tuple(test.columns) == TEST_COLUMNS
    for column in TRAIN_COLUMNS:
        if column_kind(column) == "int":
            assert train[column].dtype == np.int64, column
    ids = np.concatenate([train["SK_ID_CURR"], test["SK_ID_CURR"]])
    assert len(np.unique(ids)) == len(ids)


def test_deterministic_per_seed():
    a, _ = generate_applications(500, 0, seed=11)
    b, _ = generate_applications(500, 0, seed=11)
    c, _ = generate_applications(500, 0, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not a["AMT_CREDIT"].equals(c["AMT_CREDIT"])


def test_missing_rates_match_real(real, synthetic):
    train, _ = synthetic
    gaps = {c: abs(train[c].isna().mean() - real[c].isna().mean()) for c in TRAIN_COLUMNS}
    worst = max(gaps, key=gaps.get)
    assert gaps[worst] < 0.06, (worst, gaps[worst])


def test_categorical_frequencies_match_real(real, synthetic):
    train, _ = synthetic
    for column in CATEGORICAL_COLUMNS:
        p = real[column].value_counts(normalize=True)
        q = train[column].value_counts(normalize=True)
        total_variation = 0.5 * p.subtract(q, fill_value=0).abs().sum()
        assert total_variation < 0.08, (column, total_variation)


@pytest.mark.parametrize(
    "column",
    [
        "AMT_INCOME_TOTAL",
        "AMT_CREDIT",
        "AMT_ANNUITY",
        "AMT_GOODS_PRICE",
        "DAYS_BIRTH",
        "EXT_SOURCE_1",
        "EXT_SOURCE_2",
        "EXT_SOURCE_3",
        "REGION_POPULATION_RELATIVE",
        "DAYS_REGISTRATION",
        "APARTMENTS_AVG",
    ],
)
def test_numeric_marginals_match_real(real, synthetic, column):
    train, _ = synthetic
    statistic = ks_2samp(real[column].dropna(), train[column].dropna()).statistic
    assert statistic < 0.08, statistic


def test_sentinel_and_target_rates(real, synthetic):
    train, _ = synthetic
    sentinel = (train["DAYS_EMPLOYED"] == 365243).mean()
    assert abs(sentinel - (real["DAYS_EMPLOYED"] == 365243).mean()) < 0.03
    assert abs(train["TARGET"].mean() - real["TARGET"].mean()) < 0.01


def test_rows_are_coherent(synthetic):
    train, _ = synthetic
    sentinel = train["DAYS_EMPLOYED"] == 365243
    assert (train.loc[sentinel, "NAME_INCOME_TYPE"] == "Pensioner").all()
    assert (train.loc[sentinel, "ORGANIZATION_TYPE"] == "XNA").all()
    assert train.loc[sentinel, "OCCUPATION_TYPE"].isna().all()
    assert (train.loc[~sentinel, "ORGANIZATION_TYPE"] != "XNA").all()
    employed = train.loc[~sentinel]
    assert (employed["DAYS_EMPLOYED"] <= 0).all()
    assert (employed["DAYS_EMPLOYED"] >= employed["DAYS_BIRTH"] + 18 * 365).all()
    assert train.loc[train["FLAG_OWN_CAR"] == "N", "OWN_CAR_AGE"].isna().all()
    family = train[["CNT_FAM_MEMBERS", "CNT_CHILDREN"]].dropna()
    assert (family["CNT_FAM_MEMBERS"] >= family["CNT_CHILDREN"] + 1).all()
    goods = train["AMT_GOODS_PRICE"].dropna()
    assert (goods % 4500 == 0).all()


def test_links_to_target_have_the_real_direction(real, synthetic):
    train, _ = synthetic
    for column in ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3", "DAYS_BIRTH"):
        real_corr = real[column].corr(real["TARGET"], method="spearman")
        synth_corr = train[column].corr(train["TARGET"], method="spearman")
        assert np.sign(real_corr) == np.sign(synth_corr), column
        assert abs(synth_corr) > 0.03, column


def test_model_on_synthetic_reaches_realistic_auc(synthetic):
    train, _ = synthetic
    train, _ = clean_anomalies(train)
    config = TrainConfig(seed=5)
    y = train["TARGET"].to_numpy()
    split = split_indices(y, config)
    transform = FeatureTransform.fit(train.iloc[split.train])
    x = transform.transform(train)
    booster, _ = train_booster(x, y, split, config, transform.feature_names)
    auc = roc_auc_score(y[split.test], margin(booster, x[split.test]))
    assert 0.72 <= auc <= 0.82, auc
