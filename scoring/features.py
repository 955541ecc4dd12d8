"""The model's feature transform: one fitted, JSON-serialisable object used at training and serving.

Every model feature names the raw column(s) an advisor understands, so that SHAP contributions can
be shown per raw column with a French label.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from scoring.errors import DataError
from scoring.schema import DAYS_EMPLOYED_SENTINEL, TARGET_COLUMN

if TYPE_CHECKING:  # the serving side uses FEATURES without paying for a pandas import
    import pandas as pd

TRANSFORM_VERSION = 1
_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Feature:
    name: str
    label: str  # French, for advisors
    raw: tuple[str, ...]  # raw columns it is computed from
    categorical: bool = False


def _col(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype=float, na_value=np.nan)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    out[~np.isfinite(out)] = np.nan
    return out


def _years_employed(f: pd.DataFrame) -> np.ndarray:
    days = _col(f, "DAYS_EMPLOYED")
    return np.where(days == DAYS_EMPLOYED_SENTINEL, np.nan, -days / _DAYS_PER_YEAR)


def _ext(f: pd.DataFrame) -> np.ndarray:
    return np.column_stack([_col(f, f"EXT_SOURCE_{i}") for i in (1, 2, 3)])


def _nan_reduce(func: Callable, values: np.ndarray) -> np.ndarray:
    out = np.full(len(values), np.nan)
    seen = ~np.isnan(values).all(axis=1)
    if seen.any():
        out[seen] = func(values[seen], axis=1)
    return out


EXT = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
NUMERIC_FEATURES: tuple[tuple[Feature, Callable[[pd.DataFrame], np.ndarray]], ...] = (
    (Feature("EXT_SOURCE_1", "Score externe 1", ("EXT_SOURCE_1",)), lambda f: _col(f, "EXT_SOURCE_1")),
    (Feature("EXT_SOURCE_2", "Score externe 2", ("EXT_SOURCE_2",)), lambda f: _col(f, "EXT_SOURCE_2")),
    (Feature("EXT_SOURCE_3", "Score externe 3", ("EXT_SOURCE_3",)), lambda f: _col(f, "EXT_SOURCE_3")),
    (Feature("EXT_SOURCE_MEAN", "Moyenne des scores externes", EXT), lambda f: _nan_reduce(np.nanmean, _ext(f))),
    (Feature("EXT_SOURCE_MIN", "Plus faible score externe", EXT), lambda f: _nan_reduce(np.nanmin, _ext(f))),
    (Feature("EXT_SOURCE_PROD", "Produit des scores externes", EXT), lambda f: np.prod(_ext(f), axis=1)),
    (Feature("AGE_YEARS", "Âge", ("DAYS_BIRTH",)), lambda f: -_col(f, "DAYS_BIRTH") / _DAYS_PER_YEAR),
    (Feature("YEARS_EMPLOYED", "Ancienneté dans l'emploi", ("DAYS_EMPLOYED",)), _years_employed),
    (
        Feature("NOT_EMPLOYED", "Sans emploi salarié (retraité, sans emploi)", ("DAYS_EMPLOYED",)),
        lambda f: (_col(f, "DAYS_EMPLOYED") == DAYS_EMPLOYED_SENTINEL).astype(float),
    ),
    (
        Feature("EMPLOYED_AGE_RATIO", "Part de la vie passée dans l'emploi actuel", ("DAYS_EMPLOYED", "DAYS_BIRTH")),
        lambda f: _ratio(_years_employed(f), -_col(f, "DAYS_BIRTH") / _DAYS_PER_YEAR),
    ),
    (Feature("AMT_INCOME_TOTAL", "Revenu annuel", ("AMT_INCOME_TOTAL",)), lambda f: _col(f, "AMT_INCOME_TOTAL")),
    (Feature("AMT_CREDIT", "Montant du crédit", ("AMT_CREDIT",)), lambda f: _col(f, "AMT_CREDIT")),
    (Feature("AMT_ANNUITY", "Annuité du crédit", ("AMT_ANNUITY",)), lambda f: _col(f, "AMT_ANNUITY")),
    (Feature("AMT_GOODS_PRICE", "Prix du bien financé", ("AMT_GOODS_PRICE",)), lambda f: _col(f, "AMT_GOODS_PRICE")),
    (
        Feature("CREDIT_INCOME_RATIO", "Crédit rapporté au revenu", ("AMT_CREDIT", "AMT_INCOME_TOTAL")),
        lambda f: _ratio(_col(f, "AMT_CREDIT"), _col(f, "AMT_INCOME_TOTAL")),
    ),
    (
        Feature("ANNUITY_INCOME_RATIO", "Taux d'effort (annuité / revenu)", ("AMT_ANNUITY", "AMT_INCOME_TOTAL")),
        lambda f: _ratio(_col(f, "AMT_ANNUITY"), _col(f, "AMT_INCOME_TOTAL")),
    ),
    (
        Feature("PAYMENT_RATE", "Taux de remboursement annuel (annuité / crédit)", ("AMT_ANNUITY", "AMT_CREDIT")),
        lambda f: _ratio(_col(f, "AMT_ANNUITY"), _col(f, "AMT_CREDIT")),
    ),
    (
        Feature("CREDIT_GOODS_RATIO", "Crédit rapporté au prix du bien", ("AMT_CREDIT", "AMT_GOODS_PRICE")),
        lambda f: _ratio(_col(f, "AMT_CREDIT"), _col(f, "AMT_GOODS_PRICE")),
    ),
    (
        Feature("INCOME_PER_PERSON", "Revenu par personne du foyer", ("AMT_INCOME_TOTAL", "CNT_FAM_MEMBERS")),
        lambda f: _ratio(_col(f, "AMT_INCOME_TOTAL"), _col(f, "CNT_FAM_MEMBERS")),
    ),
    (Feature("CNT_CHILDREN", "Nombre d'enfants", ("CNT_CHILDREN",)), lambda f: _col(f, "CNT_CHILDREN")),
    (Feature("CNT_FAM_MEMBERS", "Personnes dans le foyer", ("CNT_FAM_MEMBERS",)), lambda f: _col(f, "CNT_FAM_MEMBERS")),
    (
        Feature("REGION_POPULATION_RELATIVE", "Densité de population de la région", ("REGION_POPULATION_RELATIVE",)),
        lambda f: _col(f, "REGION_POPULATION_RELATIVE"),
    ),
    (
        Feature("REGION_RATING_CLIENT_W_CITY", "Note de la région et de la ville", ("REGION_RATING_CLIENT_W_CITY",)),
        lambda f: _col(f, "REGION_RATING_CLIENT_W_CITY"),
    ),
    (
        Feature("YEARS_REGISTRATION", "Ancienneté de l'enregistrement", ("DAYS_REGISTRATION",)),
        lambda f: -_col(f, "DAYS_REGISTRATION") / _DAYS_PER_YEAR,
    ),
    (
        Feature("YEARS_ID_PUBLISH", "Ancienneté de la pièce d'identité", ("DAYS_ID_PUBLISH",)),
        lambda f: -_col(f, "DAYS_ID_PUBLISH") / _DAYS_PER_YEAR,
    ),
    (
        Feature("YEARS_LAST_PHONE_CHANGE", "Ancienneté du numéro de téléphone", ("DAYS_LAST_PHONE_CHANGE",)),
        lambda f: -_col(f, "DAYS_LAST_PHONE_CHANGE") / _DAYS_PER_YEAR,
    ),
    (Feature("OWN_CAR_AGE", "Âge de la voiture", ("OWN_CAR_AGE",)), lambda f: _col(f, "OWN_CAR_AGE")),
    (
        Feature("DEF_30_CNT_SOCIAL_CIRCLE", "Défauts à 30 jours dans l'entourage", ("DEF_30_CNT_SOCIAL_CIRCLE",)),
        lambda f: _col(f, "DEF_30_CNT_SOCIAL_CIRCLE"),
    ),
    (
        Feature("AMT_REQ_CREDIT_BUREAU_YEAR", "Demandes au bureau de crédit (12 mois)", ("AMT_REQ_CREDIT_BUREAU_YEAR",)),
        lambda f: _col(f, "AMT_REQ_CREDIT_BUREAU_YEAR"),
    ),
    (
        Feature("TOTALAREA_MODE", "Surface du logement (normalisée)", ("TOTALAREA_MODE",)),
        lambda f: _col(f, "TOTALAREA_MODE"),
    ),
    (Feature("FLAG_DOCUMENT_3", "Document n° 3 fourni", ("FLAG_DOCUMENT_3",)), lambda f: _col(f, "FLAG_DOCUMENT_3")),
    (Feature("FLAG_WORK_PHONE", "Téléphone fixe fourni", ("FLAG_WORK_PHONE",)), lambda f: _col(f, "FLAG_WORK_PHONE")),
    (
        Feature("REG_CITY_NOT_WORK_CITY", "Adresse permanente hors de la ville de travail", ("REG_CITY_NOT_WORK_CITY",)),
        lambda f: _col(f, "REG_CITY_NOT_WORK_CITY"),
    ),
)

CATEGORICAL_FEATURES: tuple[Feature, ...] = tuple(
    Feature(c, label, (c,), categorical=True)
    for c, label in (
        ("NAME_CONTRACT_TYPE", "Type de contrat"),
        ("CODE_GENDER", "Genre"),
        ("FLAG_OWN_CAR", "Possède une voiture"),
        ("FLAG_OWN_REALTY", "Propriétaire d'un logement"),
        ("NAME_INCOME_TYPE", "Type de revenu"),
        ("NAME_EDUCATION_TYPE", "Niveau d'études"),
        ("NAME_FAMILY_STATUS", "Situation familiale"),
        ("NAME_HOUSING_TYPE", "Type de logement"),
        ("OCCUPATION_TYPE", "Profession"),
        ("ORGANIZATION_TYPE", "Secteur de l'employeur"),
    )
)

FEATURES: tuple[Feature, ...] = tuple(f for f, _ in NUMERIC_FEATURES) + CATEGORICAL_FEATURES
REQUIRED_RAW_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(c for f in FEATURES for c in f.raw))


@dataclass(frozen=True)
class FeatureTransform:
    """Fitted state: for each categorical column, level -> code ordered by training default rate."""

    category_codes: dict[str, dict[str, int]]
    version: int = TRANSFORM_VERSION

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in FEATURES]

    @classmethod
    def fit(cls, frame: pd.DataFrame) -> FeatureTransform:
        """Learn category codes; ordering by default rate lets trees split on risk with few cuts."""
        _check_columns(frame)
        target = frame[TARGET_COLUMN].astype(float) if TARGET_COLUMN in frame else None
        codes: dict[str, dict[str, int]] = {}
        for feature in CATEGORICAL_FEATURES:
            values = frame[feature.name]
            seen = values.notna()
            if target is not None:
                stats = target[seen].groupby(values[seen]).agg(["sum", "count"])
                prior = float(target.mean())
                risk = (stats["sum"] + 20 * prior) / (stats["count"] + 20)
                order = risk.sort_values(kind="stable").index
            else:
                order = values[seen].value_counts().index
            codes[feature.name] = {str(level): i for i, level in enumerate(order)}
        return cls(category_codes=codes)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the float32 model matrix (rows of ``frame``, columns of ``FEATURES``)."""
        _check_columns(frame)
        columns = [compute(frame) for _, compute in NUMERIC_FEATURES]
        for feature in CATEGORICAL_FEATURES:
            mapping = self.category_codes[feature.name]
            values = frame[feature.name].astype(object)
            columns.append(values.map(mapping).to_numpy(dtype=float, na_value=np.nan))
        return np.column_stack(columns).astype(np.float32)

    def to_dict(self) -> dict:
        return {"version": self.version, "features": self.feature_names, "category_codes": self.category_codes}

    @classmethod
    def from_dict(cls, data: dict) -> FeatureTransform:
        if data.get("version") != TRANSFORM_VERSION or data.get("features") != [f.name for f in FEATURES]:
            raise ValueError("feature transform was written by another version of the code")
        return cls(category_codes={k: dict(v) for k, v in data["category_codes"].items()})


def _check_columns(frame: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_RAW_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns for the model: {', '.join(missing[:8])}")

