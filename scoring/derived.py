"""Pure computations of the model's derived features from a raw application frame.

Each function takes the raw Kaggle-schema frame and returns one float column (NaN = missing). The
field registry (``scoring.fields``) names which function computes which feature from which columns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from scoring.schema import DAYS_EMPLOYED_SENTINEL

if TYPE_CHECKING:  # the serving side reads the registry without paying for a pandas import
    import pandas as pd

DAYS_PER_YEAR = 365.25
EXT = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")


def column(frame: pd.DataFrame | dict, name: str) -> np.ndarray:
    """A column as floats (NaN = missing), from a DataFrame or a dict of arrays (one client's stored row)."""
    values = frame[name]
    if hasattr(values, "to_numpy"):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    out[~np.isfinite(out)] = np.nan
    return out


def _nan_reduce(func: Callable, values: np.ndarray) -> np.ndarray:
    out = np.full(len(values), np.nan)
    seen = ~np.isnan(values).all(axis=1)
    if seen.any():
        out[seen] = func(values[seen], axis=1)
    return out


def _ext(frame: pd.DataFrame) -> np.ndarray:
    return np.column_stack([column(frame, name) for name in EXT])


def passthrough(name: str) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda frame: column(frame, name)


def years_before(name: str) -> Callable[[pd.DataFrame], np.ndarray]:
    """A Kaggle ``DAYS_*`` column (negative days before the application) in years."""
    return lambda frame: -column(frame, name) / DAYS_PER_YEAR


def ratio_of(num: str, den: str) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda frame: ratio(column(frame, num), column(frame, den))


def years_employed(frame: pd.DataFrame) -> np.ndarray:
    days = column(frame, "DAYS_EMPLOYED")
    return np.where(days == DAYS_EMPLOYED_SENTINEL, np.nan, -days / DAYS_PER_YEAR)


def not_employed(frame: pd.DataFrame) -> np.ndarray:
    return (column(frame, "DAYS_EMPLOYED") == DAYS_EMPLOYED_SENTINEL).astype(float)


def employed_age_ratio(frame: pd.DataFrame) -> np.ndarray:
    return ratio(years_employed(frame), -column(frame, "DAYS_BIRTH") / DAYS_PER_YEAR)


def ext_mean(frame: pd.DataFrame) -> np.ndarray:
    return _nan_reduce(np.nanmean, _ext(frame))


def ext_min(frame: pd.DataFrame) -> np.ndarray:
    return _nan_reduce(np.nanmin, _ext(frame))


def ext_product(frame: pd.DataFrame) -> np.ndarray:
    return np.prod(_ext(frame), axis=1)
