"""Deterministic synthetic portfolio in the exact Kaggle application schema.

A Gaussian copula (correlations of normal scores measured on the real 1,000-row sample) draws
latent variables; each column is mapped back through its real marginal; a latent TARGET and
latent missing-value indicators share the same copula, so links to TARGET and the missingness
structure follow the real data. A few business rules then make rows coherent (pensioners carry
the DAYS_EMPLOYED sentinel, owners of no car have no car age, amounts follow from the credit, no
instalment above 70 % of the monthly income, the real sample's largest effort rate).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr

from scoring.schema import (
    DAYS_EMPLOYED_SENTINEL,
    ID_COLUMN,
    TARGET_COLUMN,
    TEST_COLUMNS,
    TRAIN_COLUMNS,
    column_kind,
)
from scoring.synthetic_profile import load_profile

KAGGLE_TRAIN_ROWS = 307_511
KAGGLE_TEST_ROWS = 48_744
FIRST_ID = 100_001
_ADULT_DAYS = 18 * 365
_GOODS_STEP = 4_500.0  # Kaggle goods prices are multiples of 4,500 for most loans
_INCOME_STEP = 4_500.0  # and incomes mostly too
# The largest monthly instalment / monthly income of the real sample is 0.698 (README, "Money"): income and
# instalment are drawn through the copula separately, so about 1 row in 270 would exceed it (some repaying more
# than their whole income). Their income is raised to make the instalment at most this share of it.
MAX_EFFORT_RATE = 0.7


def _inverse_marginal(marginal: dict, u: np.ndarray) -> np.ndarray:
    values = marginal["values"]
    if marginal["type"] == "quantiles":
        out = np.interp(u, np.linspace(0, 1, len(values)), values)
        return np.round(out) if marginal.get("integer") else out
    index = np.searchsorted(np.asarray(marginal["cum"]), u, side="right")
    index = np.minimum(index, len(values) - 1)
    return np.asarray(values, dtype=object if marginal["type"] == "category" else float)[index]


def _latent_draws(profile: dict, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    names = profile["latent_names"]
    chol = np.linalg.cholesky(np.asarray(profile["correlation"]))
    out: dict[str, np.ndarray] = {}
    # Chunked so that 356k x 130 latents never need more than a few hundred MB.
    parts: list[np.ndarray] = []
    for start in range(0, n, 100_000):
        size = min(100_000, n - start)
        parts.append(ndtr(rng.standard_normal((size, len(names))) @ chol.T).astype(np.float32))
    uniforms = np.concatenate(parts)
    for i, name in enumerate(names):
        out[name] = uniforms[:, i]
    return out


def generate_applications(
    n_train: int, n_test: int = 0, seed: int = 42, profile: dict | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (train, test) frames in the Kaggle schemas; test has no TARGET."""
    if n_train < 1 or n_test < 0:
        raise ValueError("n_train must be >= 1 and n_test >= 0")
    profile = profile or load_profile()
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    u = _latent_draws(profile, n, rng)
    spare = rng.random(n).astype(np.float32)  # independent draws for columns without a latent
    marginals = profile["marginals"]
    columns: dict[str, np.ndarray] = {}

    for column, marginal in marginals.items():
        draw = u.get(column, spare)
        columns[column] = _inverse_marginal(marginal, draw)

    sentinel = u["employment:sentinel"] > 1 - profile["sentinel_rate"]
    target = (u[TARGET_COLUMN] > 1 - profile["target_rate"]).astype(np.int8)

    # Missing values: one latent per group, column-specific thresholds give nested patterns.
    rates = profile["missing_rates"]
    for group, group_columns in profile["missing_groups"].items():
        latent = u.get(f"missing:{group}")
        if latent is None:
            continue
        for column in group_columns:
            rate = rates.get(column, 0.0)
            if rate > 0:
                columns[column] = _with_missing(columns[column], latent > 1 - rate)

    _apply_business_rules(columns, sentinel, rng)

    ids = FIRST_ID + rng.permutation(n)
    data = {ID_COLUMN: ids, TARGET_COLUMN: target}
    data.update({c: columns[c] for c in TRAIN_COLUMNS if c not in data})
    frame = pd.DataFrame(data, columns=list(TRAIN_COLUMNS))
    for column in TRAIN_COLUMNS:
        kind = column_kind(column)
        if kind == "int":
            frame[column] = frame[column].astype(np.int64)
        elif kind == "float":
            frame[column] = frame[column].astype(float)
    train = frame.iloc[:n_train].reset_index(drop=True)
    test = frame.iloc[n_train:][list(TEST_COLUMNS)].reset_index(drop=True)
    return train, test


def _with_missing(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    if values.dtype == object:
        out = values.copy()
        out[mask] = None
        return out
    out = values.astype(float)
    out[mask] = np.nan
    return out


def _apply_business_rules(columns: dict[str, np.ndarray], sentinel: np.ndarray, rng: np.random.Generator) -> None:
    """Make each row coherent, in place."""
    # Kaggle amounts are rounded: incomes mostly to 4,500, credits to 0.5.
    income = np.round(columns["AMT_INCOME_TOTAL"] / _INCOME_STEP) * _INCOME_STEP
    columns["AMT_INCOME_TOTAL"] = np.maximum(income, _INCOME_STEP)
    credit = np.round(columns["AMT_CREDIT"].astype(float) * 2) / 2
    columns["AMT_CREDIT"] = credit
    columns["DAYS_REGISTRATION"] = np.round(columns["DAYS_REGISTRATION"].astype(float))
    annuity_rate = columns.pop("ANNUITY_RATE").astype(float)
    goods_ratio = columns.pop("GOODS_RATIO").astype(float)
    annuity = np.where(np.isnan(columns["AMT_ANNUITY"]), np.nan, np.round(credit * annuity_rate, 1))
    columns["AMT_ANNUITY"] = annuity
    needed = np.ceil(np.nan_to_num(annuity) / MAX_EFFORT_RATE / _INCOME_STEP) * _INCOME_STEP
    columns["AMT_INCOME_TOTAL"] = np.maximum(columns["AMT_INCOME_TOTAL"], needed)
    goods = np.maximum(np.round(credit * goods_ratio / _GOODS_STEP) * _GOODS_STEP, _GOODS_STEP)
    columns["AMT_GOODS_PRICE"] = np.where(np.isnan(columns["AMT_GOODS_PRICE"]), np.nan, goods)

    # Pensioners and the unemployed: Kaggle's 365243 sentinel, no employer, no occupation.
    days_birth = columns["DAYS_BIRTH"].astype(float)
    employed_days = np.maximum(columns["DAYS_EMPLOYED"].astype(float), days_birth + _ADULT_DAYS)
    columns["DAYS_EMPLOYED"] = np.where(sentinel, DAYS_EMPLOYED_SENTINEL, np.minimum(employed_days, 0))
    columns["NAME_INCOME_TYPE"] = np.where(sentinel, "Pensioner", columns["NAME_INCOME_TYPE"])
    columns["ORGANIZATION_TYPE"] = np.where(sentinel, "XNA", columns["ORGANIZATION_TYPE"])
    occupation = columns["OCCUPATION_TYPE"].copy()
    occupation[sentinel] = None
    columns["OCCUPATION_TYPE"] = occupation
    columns["FLAG_EMP_PHONE"] = np.where(sentinel, 0, columns["FLAG_EMP_PHONE"])

    car_age = columns["OWN_CAR_AGE"].astype(float)
    columns["OWN_CAR_AGE"] = np.where(columns["FLAG_OWN_CAR"] == "Y", car_age, np.nan)
    children = columns["CNT_CHILDREN"].astype(float)
    family = columns["CNT_FAM_MEMBERS"].astype(float)
    columns["CNT_FAM_MEMBERS"] = np.where(np.isnan(family), np.nan, np.maximum(family, children + 1))
