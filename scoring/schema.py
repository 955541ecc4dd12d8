"""Home Credit application table schema: columns, dtypes and advisor-facing labels.

The column order and types are those of Kaggle's ``application_train.csv`` (``application_test.csv``
is the same without ``TARGET``). French labels and units come from the official column descriptions
(``HomeCredit_columns_description.csv``), rewritten for advisors.
"""

from __future__ import annotations

from dataclasses import dataclass

ID_COLUMN = "SK_ID_CURR"
TARGET_COLUMN = "TARGET"
DAYS_EMPLOYED_SENTINEL = 365243  # Kaggle's code for "not employed" (pensioners, unemployed)

# Exact order of application_train.csv.
TRAIN_COLUMNS: tuple[str, ...] = (
    "SK_ID_CURR",
    "TARGET",
    "NAME_CONTRACT_TYPE",
    "CODE_GENDER",
    "FLAG_OWN_CAR",
    "FLAG_OWN_REALTY",
    "CNT_CHILDREN",
    "AMT_INCOME_TOTAL",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
    "NAME_TYPE_SUITE",
    "NAME_INCOME_TYPE",
    "NAME_EDUCATION_TYPE",
    "NAME_FAMILY_STATUS",
    "NAME_HOUSING_TYPE",
    "REGION_POPULATION_RELATIVE",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "DAYS_REGISTRATION",
    "DAYS_ID_PUBLISH",
    "OWN_CAR_AGE",
    "FLAG_MOBIL",
    "FLAG_EMP_PHONE",
    "FLAG_WORK_PHONE",
    "FLAG_CONT_MOBILE",
    "FLAG_PHONE",
    "FLAG_EMAIL",
    "OCCUPATION_TYPE",
    "CNT_FAM_MEMBERS",
    "REGION_RATING_CLIENT",
    "REGION_RATING_CLIENT_W_CITY",
    "WEEKDAY_APPR_PROCESS_START",
    "HOUR_APPR_PROCESS_START",
    "REG_REGION_NOT_LIVE_REGION",
    "REG_REGION_NOT_WORK_REGION",
    "LIVE_REGION_NOT_WORK_REGION",
    "REG_CITY_NOT_LIVE_CITY",
    "REG_CITY_NOT_WORK_CITY",
    "LIVE_CITY_NOT_WORK_CITY",
    "ORGANIZATION_TYPE",
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
    "APARTMENTS_AVG",
    "BASEMENTAREA_AVG",
    "YEARS_BEGINEXPLUATATION_AVG",
    "YEARS_BUILD_AVG",
    "COMMONAREA_AVG",
    "ELEVATORS_AVG",
    "ENTRANCES_AVG",
    "FLOORSMAX_AVG",
    "FLOORSMIN_AVG",
    "LANDAREA_AVG",
    "LIVINGAPARTMENTS_AVG",
    "LIVINGAREA_AVG",
    "NONLIVINGAPARTMENTS_AVG",
    "NONLIVINGAREA_AVG",
    "APARTMENTS_MODE",
    "BASEMENTAREA_MODE",
    "YEARS_BEGINEXPLUATATION_MODE",
    "YEARS_BUILD_MODE",
    "COMMONAREA_MODE",
    "ELEVATORS_MODE",
    "ENTRANCES_MODE",
    "FLOORSMAX_MODE",
    "FLOORSMIN_MODE",
    "LANDAREA_MODE",
    "LIVINGAPARTMENTS_MODE",
    "LIVINGAREA_MODE",
    "NONLIVINGAPARTMENTS_MODE",
    "NONLIVINGAREA_MODE",
    "APARTMENTS_MEDI",
    "BASEMENTAREA_MEDI",
    "YEARS_BEGINEXPLUATATION_MEDI",
    "YEARS_BUILD_MEDI",
    "COMMONAREA_MEDI",
    "ELEVATORS_MEDI",
    "ENTRANCES_MEDI",
    "FLOORSMAX_MEDI",
    "FLOORSMIN_MEDI",
    "LANDAREA_MEDI",
    "LIVINGAPARTMENTS_MEDI",
    "LIVINGAREA_MEDI",
    "NONLIVINGAPARTMENTS_MEDI",
    "NONLIVINGAREA_MEDI",
    "FONDKAPREMONT_MODE",
    "HOUSETYPE_MODE",
    "TOTALAREA_MODE",
    "WALLSMATERIAL_MODE",
    "EMERGENCYSTATE_MODE",
    "OBS_30_CNT_SOCIAL_CIRCLE",
    "DEF_30_CNT_SOCIAL_CIRCLE",
    "OBS_60_CNT_SOCIAL_CIRCLE",
    "DEF_60_CNT_SOCIAL_CIRCLE",
    "DAYS_LAST_PHONE_CHANGE",
    "FLAG_DOCUMENT_2",
    "FLAG_DOCUMENT_3",
    "FLAG_DOCUMENT_4",
    "FLAG_DOCUMENT_5",
    "FLAG_DOCUMENT_6",
    "FLAG_DOCUMENT_7",
    "FLAG_DOCUMENT_8",
    "FLAG_DOCUMENT_9",
    "FLAG_DOCUMENT_10",
    "FLAG_DOCUMENT_11",
    "FLAG_DOCUMENT_12",
    "FLAG_DOCUMENT_13",
    "FLAG_DOCUMENT_14",
    "FLAG_DOCUMENT_15",
    "FLAG_DOCUMENT_16",
    "FLAG_DOCUMENT_17",
    "FLAG_DOCUMENT_18",
    "FLAG_DOCUMENT_19",
    "FLAG_DOCUMENT_20",
    "FLAG_DOCUMENT_21",
    "AMT_REQ_CREDIT_BUREAU_HOUR",
    "AMT_REQ_CREDIT_BUREAU_DAY",
    "AMT_REQ_CREDIT_BUREAU_WEEK",
    "AMT_REQ_CREDIT_BUREAU_MON",
    "AMT_REQ_CREDIT_BUREAU_QRT",
    "AMT_REQ_CREDIT_BUREAU_YEAR",
)
TEST_COLUMNS: tuple[str, ...] = tuple(c for c in TRAIN_COLUMNS if c != TARGET_COLUMN)

CATEGORICAL_COLUMNS: frozenset[str] = frozenset(
    {
        "NAME_CONTRACT_TYPE",
        "CODE_GENDER",
        "FLAG_OWN_CAR",
        "FLAG_OWN_REALTY",
        "NAME_TYPE_SUITE",
        "NAME_INCOME_TYPE",
        "NAME_EDUCATION_TYPE",
        "NAME_FAMILY_STATUS",
        "NAME_HOUSING_TYPE",
        "OCCUPATION_TYPE",
        "WEEKDAY_APPR_PROCESS_START",
        "ORGANIZATION_TYPE",
        "FONDKAPREMONT_MODE",
        "HOUSETYPE_MODE",
        "WALLSMATERIAL_MODE",
        "EMERGENCYSTATE_MODE",
    }
)

# Columns that Kaggle stores as integers without missing values; all other non-categorical are floats.
INTEGER_COLUMNS: frozenset[str] = frozenset(
    {
        ID_COLUMN,
        TARGET_COLUMN,
        "CNT_CHILDREN",
        "DAYS_BIRTH",
        "DAYS_EMPLOYED",
        "DAYS_ID_PUBLISH",
        "REGION_RATING_CLIENT",
        "REGION_RATING_CLIENT_W_CITY",
        "HOUR_APPR_PROCESS_START",
        "REG_REGION_NOT_LIVE_REGION",
        "REG_REGION_NOT_WORK_REGION",
        "LIVE_REGION_NOT_WORK_REGION",
        "REG_CITY_NOT_LIVE_CITY",
        "REG_CITY_NOT_WORK_CITY",
        "LIVE_CITY_NOT_WORK_CITY",
    }
    | {c for c in TRAIN_COLUMNS if c.startswith("FLAG_") and c not in {"FLAG_OWN_CAR", "FLAG_OWN_REALTY"}}
)


def column_kind(column: str) -> str:
    """Return ``"category"``, ``"int"`` or ``"float"`` for a schema column."""
    if column in CATEGORICAL_COLUMNS:
        return "category"
    if column in INTEGER_COLUMNS:
        return "int"
    return "float"


@dataclass(frozen=True)
class ColumnInfo:
    """How an advisor sees a raw column: French label and display unit."""

    label: str
    unit: str = ""  # "eur", "days" (negative days, shown in years), "years", "score", "count", "flag", ""


# Advisor-facing columns (client card, comparisons, explanations).
COLUMN_INFO: dict[str, ColumnInfo] = {
    "SK_ID_CURR": ColumnInfo("Identifiant client"),
    "NAME_CONTRACT_TYPE": ColumnInfo("Type de contrat"),
    "CODE_GENDER": ColumnInfo("Genre"),
    "FLAG_OWN_CAR": ColumnInfo("Possède une voiture"),
    "FLAG_OWN_REALTY": ColumnInfo("Propriétaire d'un logement"),
    "CNT_CHILDREN": ColumnInfo("Nombre d'enfants", "count"),
    "AMT_INCOME_TOTAL": ColumnInfo("Revenu annuel", "eur"),
    "AMT_CREDIT": ColumnInfo("Montant du crédit", "eur"),
    "AMT_ANNUITY": ColumnInfo("Annuité du crédit", "eur"),
    "AMT_GOODS_PRICE": ColumnInfo("Prix du bien financé", "eur"),
    "NAME_TYPE_SUITE": ColumnInfo("Accompagné lors de la demande"),
    "NAME_INCOME_TYPE": ColumnInfo("Type de revenu"),
    "NAME_EDUCATION_TYPE": ColumnInfo("Niveau d'études"),
    "NAME_FAMILY_STATUS": ColumnInfo("Situation familiale"),
    "NAME_HOUSING_TYPE": ColumnInfo("Type de logement"),
    "REGION_POPULATION_RELATIVE": ColumnInfo("Densité de population de la région (normalisée)", "score"),
    "DAYS_BIRTH": ColumnInfo("Âge", "days"),
    "DAYS_EMPLOYED": ColumnInfo("Ancienneté dans l'emploi", "days"),
    "DAYS_REGISTRATION": ColumnInfo("Ancienneté de l'enregistrement", "days"),
    "DAYS_ID_PUBLISH": ColumnInfo("Ancienneté de la pièce d'identité", "days"),
    "OWN_CAR_AGE": ColumnInfo("Âge de la voiture", "years"),
    "FLAG_EMP_PHONE": ColumnInfo("Téléphone professionnel fourni", "flag"),
    "FLAG_WORK_PHONE": ColumnInfo("Téléphone fixe fourni", "flag"),
    "FLAG_PHONE": ColumnInfo("Téléphone domicile fourni", "flag"),
    "OCCUPATION_TYPE": ColumnInfo("Profession"),
    "CNT_FAM_MEMBERS": ColumnInfo("Personnes dans le foyer", "count"),
    "REGION_RATING_CLIENT": ColumnInfo("Note de la région (1 = meilleure, 3 = moins bonne)", "count"),
    "REGION_RATING_CLIENT_W_CITY": ColumnInfo("Note de la région et de la ville (1 à 3)", "count"),
    "REG_CITY_NOT_LIVE_CITY": ColumnInfo("Adresse permanente hors de la ville de résidence", "flag"),
    "REG_CITY_NOT_WORK_CITY": ColumnInfo("Adresse permanente hors de la ville de travail", "flag"),
    "LIVE_CITY_NOT_WORK_CITY": ColumnInfo("Réside hors de la ville de travail", "flag"),
    "ORGANIZATION_TYPE": ColumnInfo("Secteur de l'employeur"),
    "EXT_SOURCE_1": ColumnInfo("Score externe 1", "score"),
    "EXT_SOURCE_2": ColumnInfo("Score externe 2", "score"),
    "EXT_SOURCE_3": ColumnInfo("Score externe 3", "score"),
    "TOTALAREA_MODE": ColumnInfo("Surface du logement (normalisée)", "score"),
    "DEF_30_CNT_SOCIAL_CIRCLE": ColumnInfo("Défauts à 30 jours dans l'entourage", "count"),
    "DEF_60_CNT_SOCIAL_CIRCLE": ColumnInfo("Défauts à 60 jours dans l'entourage", "count"),
    "OBS_30_CNT_SOCIAL_CIRCLE": ColumnInfo("Entourage observé (30 jours)", "count"),
    "DAYS_LAST_PHONE_CHANGE": ColumnInfo("Ancienneté du numéro de téléphone", "days"),
    "FLAG_DOCUMENT_3": ColumnInfo("Document n° 3 fourni", "flag"),
    "AMT_REQ_CREDIT_BUREAU_YEAR": ColumnInfo("Demandes au bureau de crédit (12 derniers mois)", "count"),
    "AMT_REQ_CREDIT_BUREAU_QRT": ColumnInfo("Demandes au bureau de crédit (3 derniers mois)", "count"),
    "AMT_REQ_CREDIT_BUREAU_MON": ColumnInfo("Demandes au bureau de crédit (dernier mois)", "count"),
    "HOUR_APPR_PROCESS_START": ColumnInfo("Heure de la demande", "count"),
}
