"""The one registry of fields: every raw Kaggle column and every model feature, described once.

A record says what a field is (kind: how it is formatted), what people call it (English label and help,
translated to French by the gettext catalogues in ``translations/``), where it comes from (source columns
and, for model features, the pure function that computes it), where it is shown (client card section,
comparison), what an advisor may do with it in a simulation (``role``), its plausible range and, for
categories, the display name of each Kaggle level.

Everything that lists, labels, formats or validates a field reads it from here: the feature transform,
the client card, the comparison choices, the waterfall labels, the simulation forms. Labels are gettext
message ids marked with ``N_`` (extracted by ``pybabel extract``, translated at render time), so this
module needs no translation machinery and stays importable without Dash or Babel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from scoring import derived
from scoring.schema import DAYS_EMPLOYED_SENTINEL, ID_COLUMN, TARGET_COLUMN, TRAIN_COLUMNS


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a message for extraction; it is translated where it is shown."""
    return message


# A label is a message id, or (message id with {placeholders}, values) for families of columns.
Label = str | tuple[str, Mapping[str, object]]

# How a value is read and formatted. The UI formats each kind by the CLDR rules of the language.
KINDS = frozenset(
    {
        "id",  # client identifier
        "target",  # 1 = payment difficulties
        "category",  # Kaggle level names, translated through ``categories``
        "flag",  # 0/1
        "money",  # an amount, in the data's unit or the configured currency (README, "Money")
        "count",  # a whole number of people, documents or enquiries
        "days",  # Kaggle DAYS_*: negative days before the application
        "years",  # a duration or an age in years
        "percent",  # a share in [0, 1] shown as a percentage
        "ratio",  # a multiple (credit = 3.2 x income)
        "score",  # a normalised score in [0, 1] (external scores)
        "normalised",  # a normalised measure without unit (building, region density)
        "rating",  # the lender's rating of a region, 1 (best) to 3
        "hour",  # hour of the day
    }
)
# role: what an advisor may do with the field in a simulation, and whether the model may use it.
ROLES = frozenset(
    {
        "id",
        "target",
        "term",  # credit terms: the advisor may simulate other values (advice)
        "declared",  # declared by the client: may be corrected, never "advised"
        "fixed",  # never changed in a simulation (age, region, external scores, history)
        "protected",  # protected ground: never a model input, never a reason; fairness audit only
        "derived",  # computed from other fields
        "output",  # produced by the model (probability)
    }
)
SECTIONS: tuple[tuple[str, str], ...] = (
    ("profile", N_("Profile")),
    ("loan", N_("Loan application")),
    ("scores", N_("External scores and region")),
)


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    label: Label
    help: Label = ""
    sources: tuple[str, ...] = ()  # raw columns it is read or computed from (itself for a raw column)
    compute: Callable | None = None  # pure function of the raw frame, for numeric model features
    model: bool = False  # a candidate model input (protected fields never are)
    section: str | None = None  # client card section
    comparable: bool = False  # offered in the comparison view (numeric model features and the score)
    role: str = "fixed"
    range: tuple[float, float] | None = None  # plausible values in the field's own unit
    categories: Mapping[str, Label] = field(default_factory=dict)  # Kaggle level -> display label
    sentinel: tuple[float, Label] | None = None  # a coded value and what it means
    monotone: int = 0  # XGBoost monotone constraint: +1 risk never falls as it grows, -1 never rises

    @property
    def raw(self) -> bool:
        return self.name in _RAW_NAMES

    @property
    def categorical(self) -> bool:
        return self.kind == "category"


_RAW_NAMES = frozenset(TRAIN_COLUMNS)
YES_NO = {"Y": N_("Yes"), "N": N_("No")}
_YES_NO_TEXT = {"Yes": N_("Yes"), "No": N_("No")}


def _raw(name: str, kind: str, label: Label, help: Label = "", **extra) -> Field:
    return Field(name=name, kind=kind, label=label, help=help, sources=(name,), **extra)


def _model_raw(name: str, kind: str, label: Label, help: Label = "", **extra) -> Field:
    """A raw column the model uses as it is."""
    compute = None if kind == "category" else derived.passthrough(name)
    return Field(name=name, kind=kind, label=label, help=help, sources=(name,), compute=compute, model=True, **extra)


def _feature(name: str, kind: str, label: Label, help: Label, compute: Callable, sources: tuple[str, ...], **extra) -> Field:
    """A model feature computed from raw columns."""
    return Field(
        name=name, kind=kind, label=label, help=help, sources=sources, compute=compute, model=True, role="derived", **extra
    )


def _type(family: str, number: int) -> Label:
    return (family, {"number": number})


_INDUSTRY = N_("Industry (type {number})")
_TRADE = N_("Trade (type {number})")
_TRANSPORT = N_("Transport (type {number})")
_BUSINESS = N_("Business entity (type {number})")
ORGANIZATION_TYPES: dict[str, Label] = {
    "XNA": N_("No employer (retired or not employed)"),
    "Self-employed": N_("Self-employed"),
    "Other": N_("Other sector"),
    "Medicine": N_("Health care"),
    "Government": N_("Government"),
    "School": N_("School"),
    "Kindergarten": N_("Nursery school"),
    "Construction": N_("Construction"),
    "Security": N_("Security services"),
    "Housing": N_("Housing"),
    "Military": N_("Armed forces"),
    "Bank": N_("Banking"),
    "Agriculture": N_("Agriculture"),
    "Police": N_("Police"),
    "Postal": N_("Postal services"),
    "Security Ministries": N_("Security ministries"),
    "Restaurant": N_("Restaurants"),
    "Services": N_("Services"),
    "University": N_("University"),
    "Hotel": N_("Hotels"),
    "Electricity": N_("Electricity supply"),
    "Insurance": N_("Insurance"),
    "Telecom": N_("Telecommunications"),
    "Emergency": N_("Emergency services"),
    "Advertising": N_("Advertising"),
    "Realtor": N_("Real estate"),
    "Culture": N_("Culture"),
    "Mobile": N_("Mobile telephony"),
    "Legal Services": N_("Legal services"),
    "Cleaning": N_("Cleaning services"),
    "Religion": N_("Religious organisation"),
    **{f"Business Entity Type {n}": _type(_BUSINESS, n) for n in range(1, 4)},
    **{f"Industry: type {n}": _type(_INDUSTRY, n) for n in range(1, 14)},
    **{f"Trade: type {n}": _type(_TRADE, n) for n in range(1, 8)},
    **{f"Transport: type {n}": _type(_TRANSPORT, n) for n in range(1, 5)},
}
OCCUPATION_TYPES: dict[str, Label] = {
    "Laborers": N_("Labourers"),
    "Core staff": N_("Core staff"),
    "Accountants": N_("Accountants"),
    "Managers": N_("Managers"),
    "Drivers": N_("Drivers"),
    "Sales staff": N_("Sales staff"),
    "Cleaning staff": N_("Cleaning staff"),
    "Cooking staff": N_("Cooks"),
    "Private service staff": N_("Private service staff"),
    "Medicine staff": N_("Medical staff"),
    "Security staff": N_("Security staff"),
    "High skill tech staff": N_("Highly skilled technicians"),
    "Waiters/barmen staff": N_("Waiters and bar staff"),
    "Low-skill Laborers": N_("Low-skilled labourers"),
    "Realty agents": N_("Estate agents"),
    "Secretaries": N_("Secretaries"),
    "IT staff": N_("IT staff"),
    "HR staff": N_("Human resources staff"),
}
WEEKDAYS: dict[str, Label] = {
    "MONDAY": N_("Monday"),
    "TUESDAY": N_("Tuesday"),
    "WEDNESDAY": N_("Wednesday"),
    "THURSDAY": N_("Thursday"),
    "FRIDAY": N_("Friday"),
    "SATURDAY": N_("Saturday"),
    "SUNDAY": N_("Sunday"),
}

_RECORDS: list[Field] = [
    # --- identity and target --------------------------------------------------------------------
    _raw(ID_COLUMN, "id", N_("Client id"), N_("Identifier of the application in the portfolio (SK_ID_CURR)."), role="id"),
    _raw(
        TARGET_COLUMN,
        "target",
        N_("Payment difficulties observed"),
        N_("1 when the client paid late on one of the first instalments of the loan; known for past loans only."),
        role="target",
        categories={},
    ),
    # --- the model's output, compared like a characteristic --------------------------------------------
    Field(
        name="PROBABILITY",
        kind="percent",
        label=N_("Probability of default"),
        help=N_("The model's estimate that the client will have payment difficulties."),
        comparable=True,
        role="output",
    ),
    # --- profile (client card, in this order) ---------------------------------------------------
    _model_raw(
        "CODE_GENDER",
        "category",
        N_("Sex"),
        N_("A protected ground: never used by the model nor given as a reason; kept for the fairness audit."),
        section="profile",
        role="protected",
        categories={"F": N_("Woman"), "M": N_("Man"), "XNA": N_("Not stated")},
    ),
    _feature(
        "AGE_YEARS",
        "years",
        N_("Age"),
        N_("Age at the date of the application."),
        derived.years_before("DAYS_BIRTH"),
        ("DAYS_BIRTH",),
        section="profile",
        comparable=True,
        range=(18, 100),
    ),
    _model_raw(
        "NAME_FAMILY_STATUS",
        "category",
        N_("Family status"),
        N_("A protected ground: never used by the model nor given as a reason; kept for the fairness audit."),
        section="profile",
        role="protected",
        categories={
            "Married": N_("Married"),
            "Single / not married": N_("Single"),
            "Civil marriage": N_("Civil partnership"),
            "Separated": N_("Separated"),
            "Widow": N_("Widowed"),
            "Unknown": N_("Not stated"),
        },
    ),
    _model_raw(
        "CNT_CHILDREN",
        "count",
        N_("Number of children"),
        N_("Children the client declares."),
        section="profile",
        comparable=True,
        role="declared",
        range=(0, 19),
    ),
    _model_raw(
        "CNT_FAM_MEMBERS",
        "count",
        N_("Household members"),
        N_("People in the client's household, the client included."),
        section="profile",
        comparable=True,
        role="declared",
        range=(1, 20),
    ),
    _model_raw(
        "NAME_EDUCATION_TYPE",
        "category",
        N_("Education"),
        N_("Highest level of education reached."),
        section="profile",
        categories={
            "Secondary / secondary special": N_("Secondary education"),
            "Higher education": N_("Higher education"),
            "Incomplete higher": N_("Higher education, not completed"),
            "Lower secondary": N_("Lower secondary education"),
            "Academic degree": N_("Doctorate"),
        },
    ),
    _model_raw(
        "NAME_INCOME_TYPE",
        "category",
        N_("Income type"),
        N_("Where the client's income comes from."),
        section="profile",
        categories={
            "Working": N_("Employee"),
            "Commercial associate": N_("Commercial associate"),
            "Pensioner": N_("Pensioner"),
            "State servant": N_("Civil servant"),
            "Unemployed": N_("Unemployed"),
            "Student": N_("Student"),
            "Businessman": N_("Business owner"),
            "Maternity leave": N_("Maternity leave"),
        },
    ),
    _model_raw(
        "OCCUPATION_TYPE",
        "category",
        N_("Occupation"),
        N_("The client's occupation, as declared."),
        section="profile",
        categories=OCCUPATION_TYPES,
    ),
    _model_raw(
        "ORGANIZATION_TYPE",
        "category",
        N_("Employer sector"),
        N_("Sector of the client's employer."),
        section="profile",
        categories=ORGANIZATION_TYPES,
    ),
    _raw(
        "DAYS_EMPLOYED",
        "days",
        N_("In current job since"),
        N_("How long before the application the current employment started."),
        section="profile",
        role="declared",
        range=(-60 * 365.25, 0),
        sentinel=(DAYS_EMPLOYED_SENTINEL, N_("Not in paid employment (retired or unemployed)")),
    ),
    _model_raw(
        "NAME_HOUSING_TYPE",
        "category",
        N_("Housing"),
        N_("The client's housing situation."),
        section="profile",
        categories={
            "House / apartment": N_("House or flat"),
            "With parents": N_("With parents"),
            "Municipal apartment": N_("Social housing"),
            "Rented apartment": N_("Rented flat"),
            "Office apartment": N_("Company housing"),
            "Co-op apartment": N_("Co-operative flat"),
        },
    ),
    _model_raw(
        "FLAG_OWN_REALTY",
        "category",
        N_("Owns a home"),
        N_("The client owns a house or a flat."),
        section="profile",
        categories=YES_NO,
    ),
    _model_raw(
        "FLAG_OWN_CAR", "category", N_("Owns a car"), N_("The client owns a car."), section="profile", categories=YES_NO
    ),
    _model_raw(
        "OWN_CAR_AGE",
        "years",
        N_("Age of the car"),
        N_("Age of the client's car, when they own one."),
        section="profile",
        comparable=True,
        range=(0, 100),
    ),
    # --- loan application -------------------------------------------------------------------------
    _model_raw(
        "NAME_CONTRACT_TYPE",
        "category",
        N_("Contract type"),
        N_("Cash loan (fixed instalments) or revolving credit."),
        section="loan",
        role="term",
        categories={"Cash loans": N_("Cash loan"), "Revolving loans": N_("Revolving credit")},
    ),
    _model_raw(
        "AMT_CREDIT",
        "money",
        N_("Credit amount"),
        N_("Amount lent."),
        section="loan",
        comparable=True,
        role="term",
        range=(1, 1e10),
        monotone=1,
    ),
    _model_raw(
        "AMT_ANNUITY",
        "money",
        N_("Monthly loan instalment"),
        # Kaggle's AMT_ANNUITY is the monthly instalment: previous_application has AMT_ANNUITY x CNT_PAYMENT
        # (months) = 1.29 x AMT_CREDIT (median), interest included (scoring/money_evidence.py).
        N_("Amount repaid each month (the instalment)."),
        section="loan",
        comparable=True,
        role="term",
        # Sanity only: the product's bounds come from the configuration or the data (scoring/affordability.py).
        range=(1, 1e9),
        monotone=1,
    ),
    # Not a Kaggle column: the duration a simulation derives from the amount and the instalment
    # (scoring/simulate.py states the repayment formula); advisors simulate it, the model never reads it.
    Field(
        name="CREDIT_DURATION_MONTHS",
        kind="count",
        label=N_("Credit duration (months)"),
        help=N_("Number of monthly instalments, computed from the amount and the instalment."),
        section=None,
        role="term",
        range=(1, 360),
    ),
    _model_raw(
        "AMT_GOODS_PRICE",
        "money",
        N_("Price of the financed goods"),
        N_("For consumer loans, the price of what the loan pays for."),
        section="loan",
        comparable=True,
        role="term",
        range=(1, 1e10),
    ),
    _model_raw(
        "AMT_INCOME_TOTAL",
        "money",
        N_("Monthly income"),
        # Read over the same month as the instalment: the only reading under which the data's effort rates
        # are plausible (median instalment / income 0.167; README, "Money").
        N_("The client's declared income for one month."),
        section="loan",
        comparable=True,
        role="declared",
        range=(1, 1e9),
    ),
    _raw(
        "NAME_TYPE_SUITE",
        "category",
        N_("Accompanied when applying"),
        N_("Who came with the client to apply."),
        section="loan",
        categories={
            "Unaccompanied": N_("Alone"),
            "Family": N_("Family"),
            "Spouse, partner": N_("Spouse or partner"),
            "Children": N_("Children"),
            "Other_A": N_("Other person (A)"),
            "Other_B": N_("Other person (B)"),
            "Group of people": N_("Group of people"),
        },
    ),
    # --- external scores and region -------------------------------------------------------------------
    _model_raw(
        "EXT_SOURCE_1",
        "score",
        N_("External score 1"),
        N_("Normalised score from an external data source (0 to 1, higher is safer)."),
        section="scores",
        comparable=True,
        range=(0, 1),
    ),
    _model_raw(
        "EXT_SOURCE_2",
        "score",
        N_("External score 2"),
        N_("Normalised score from a second external data source (0 to 1, higher is safer)."),
        section="scores",
        comparable=True,
        range=(0, 1),
    ),
    _model_raw(
        "EXT_SOURCE_3",
        "score",
        N_("External score 3"),
        N_("Normalised score from a third external data source (0 to 1, higher is safer)."),
        section="scores",
        comparable=True,
        range=(0, 1),
    ),
    _raw(
        "REGION_RATING_CLIENT",
        "rating",
        N_("Region rating (1 = best, 3 = worst)"),
        N_("The lender's rating of the client's region."),
        section="scores",
        range=(1, 3),
    ),
    _model_raw(
        "REGION_RATING_CLIENT_W_CITY",
        "rating",
        N_("Region and city rating (1 to 3)"),
        N_("The lender's rating of the client's region, taking the city into account."),
        section="scores",
        comparable=True,
        range=(1, 3),
    ),
    _model_raw(
        "REGION_POPULATION_RELATIVE",
        "normalised",
        N_("Population density of the region (normalised)"),
        N_("Higher when the client lives in a more populated region."),
        section="scores",
        range=(0, 0.1),
    ),
    # --- derived model features ----------------------------------------------------------------------
    _feature(
        "EXT_SOURCE_MEAN",
        "score",
        N_("Mean of the external scores"),
        N_("Average of the external scores the client has."),
        derived.ext_mean,
        derived.EXT,
        comparable=True,
    ),
    _feature(
        "EXT_SOURCE_MIN",
        "score",
        N_("Lowest external score"),
        N_("The lowest of the external scores the client has."),
        derived.ext_min,
        derived.EXT,
    ),
    _feature(
        "EXT_SOURCE_PROD",
        "score",
        N_("Product of the external scores"),
        N_("The three external scores multiplied (missing when one is missing)."),
        derived.ext_product,
        derived.EXT,
    ),
    _feature(
        "YEARS_EMPLOYED",
        "years",
        N_("Years in current job"),
        N_("Time in the current employment; missing for people not in paid employment."),
        derived.years_employed,
        ("DAYS_EMPLOYED",),
        comparable=True,
    ),
    _feature(
        "NOT_EMPLOYED",
        "flag",
        N_("Not in paid employment"),
        N_("Retired or unemployed at the date of the application."),
        derived.not_employed,
        ("DAYS_EMPLOYED",),
    ),
    _feature(
        "EMPLOYED_AGE_RATIO",
        "percent",
        N_("Share of adult life in the current job"),
        N_("Years in the current job divided by age."),
        derived.employed_age_ratio,
        ("DAYS_EMPLOYED", "DAYS_BIRTH"),
    ),
    _feature(
        "CREDIT_INCOME_RATIO",
        "ratio",
        N_("Credit relative to monthly income"),
        N_("Credit amount divided by the monthly income: how many months of income the credit represents."),
        derived.ratio_of("AMT_CREDIT", "AMT_INCOME_TOTAL"),
        ("AMT_CREDIT", "AMT_INCOME_TOTAL"),
        comparable=True,
        monotone=1,
    ),
    _feature(
        "ANNUITY_INCOME_RATIO",
        "percent",
        N_("Effort rate (instalment / monthly income)"),
        N_("Share of the monthly income that goes to this loan's instalment; lenders cap it (35 % in French practice)."),
        derived.ratio_of("AMT_ANNUITY", "AMT_INCOME_TOTAL"),
        ("AMT_ANNUITY", "AMT_INCOME_TOTAL"),
        comparable=True,
        monotone=1,
    ),
    _feature(
        "PAYMENT_RATE",
        "percent",
        N_("Monthly repayment rate (instalment / credit)"),
        N_("Share of the credit repaid each month: the shorter the loan, the higher the rate."),
        derived.ratio_of("AMT_ANNUITY", "AMT_CREDIT"),
        ("AMT_ANNUITY", "AMT_CREDIT"),
        comparable=True,
        monotone=1,
    ),
    _feature(
        "CREDIT_GOODS_RATIO",
        "ratio",
        N_("Credit relative to the price of the goods"),
        N_("Above 1 when the loan is larger than the price of what it finances."),
        derived.ratio_of("AMT_CREDIT", "AMT_GOODS_PRICE"),
        ("AMT_CREDIT", "AMT_GOODS_PRICE"),
        monotone=1,
    ),
    _feature(
        "INCOME_PER_PERSON",
        "money",
        N_("Income per household member"),
        N_("Monthly income divided by the number of people in the household."),
        derived.ratio_of("AMT_INCOME_TOTAL", "CNT_FAM_MEMBERS"),
        ("AMT_INCOME_TOTAL", "CNT_FAM_MEMBERS"),
        comparable=True,
    ),
    _feature(
        "YEARS_REGISTRATION",
        "years",
        N_("Years since the registration changed"),
        N_("Time since the client last changed their registration."),
        derived.years_before("DAYS_REGISTRATION"),
        ("DAYS_REGISTRATION",),
    ),
    _feature(
        "YEARS_ID_PUBLISH",
        "years",
        N_("Age of the identity document"),
        N_("Time since the identity document used for the application was issued."),
        derived.years_before("DAYS_ID_PUBLISH"),
        ("DAYS_ID_PUBLISH",),
        comparable=True,
    ),
    _feature(
        "YEARS_LAST_PHONE_CHANGE",
        "years",
        N_("Years since the phone number changed"),
        N_("Time since the client last changed phone number."),
        derived.years_before("DAYS_LAST_PHONE_CHANGE"),
        ("DAYS_LAST_PHONE_CHANGE",),
        comparable=True,
    ),
    _model_raw(
        "DEF_30_CNT_SOCIAL_CIRCLE",
        "count",
        N_("Defaults at 30 days among acquaintances"),
        N_("Observed people around the client who were 30 days late on a payment."),
        range=(0, 500),
    ),
    _model_raw(
        "AMT_REQ_CREDIT_BUREAU_YEAR",
        "count",
        N_("Credit bureau enquiries (12 months)"),
        N_("Enquiries about the client to the credit bureau in the year before the application (last 3 months excluded)."),
        range=(0, 300),
    ),
    _model_raw(
        "TOTALAREA_MODE",
        "normalised",
        N_("Floor area of the building (normalised)"),
        N_("Normalised total floor area of the building where the client lives."),
        range=(0, 1),
    ),
    _model_raw(
        "FLAG_DOCUMENT_3",
        "flag",
        N_("Document no. 3 provided"),
        N_("Whether the client provided document no. 3 of the application file."),
        range=(0, 1),
    ),
    _model_raw(
        "FLAG_WORK_PHONE",
        "flag",
        N_("Work landline provided"),
        N_("Whether the client gave a landline number at work (Kaggle's FLAG_WORK_PHONE)."),
        range=(0, 1),
    ),
    _model_raw(
        "REG_CITY_NOT_WORK_CITY",
        "flag",
        N_("Permanent address outside the work city"),
        N_("The client's permanent address is not in the city where they work."),
        range=(0, 1),
    ),
    # --- raw columns the model does not use (kept in the schema, shown nowhere by default) -------------
    _raw(
        "DAYS_BIRTH",
        "days",
        N_("Birth date (days before the application)"),
        N_("Kaggle's DAYS_BIRTH: read as the age."),
        range=(-100 * 365.25, -18 * 365.25),
    ),
    _raw(
        "DAYS_REGISTRATION",
        "days",
        N_("Registration changed (days before the application)"),
        N_("Kaggle's DAYS_REGISTRATION."),
        range=(-100 * 365.25, 0),
    ),
    _raw(
        "DAYS_ID_PUBLISH",
        "days",
        N_("Identity document issued (days before the application)"),
        N_("Kaggle's DAYS_ID_PUBLISH."),
        range=(-100 * 365.25, 0),
    ),
    _raw(
        "DAYS_LAST_PHONE_CHANGE",
        "days",
        N_("Phone number changed (days before the application)"),
        N_("Kaggle's DAYS_LAST_PHONE_CHANGE."),
        range=(-100 * 365.25, 0),
    ),
    _raw("FLAG_MOBIL", "flag", N_("Mobile phone provided"), N_("Whether the client gave a mobile number."), range=(0, 1)),
    _raw(
        "FLAG_EMP_PHONE",
        "flag",
        N_("Employer's phone provided"),
        N_("Whether the client gave their employer's phone number."),
        range=(0, 1),
    ),
    _raw(
        "FLAG_CONT_MOBILE",
        "flag",
        N_("Mobile phone reachable"),
        N_("Whether the mobile number could be reached."),
        range=(0, 1),
    ),
    _raw(
        "FLAG_PHONE",
        "flag",
        N_("Home landline provided"),
        N_("Whether the client gave a landline number at home."),
        range=(0, 1),
    ),
    _raw("FLAG_EMAIL", "flag", N_("Email provided"), N_("Whether the client gave an email address."), range=(0, 1)),
    _raw(
        "WEEKDAY_APPR_PROCESS_START",
        "category",
        N_("Day of the application"),
        N_("Day of the week the client applied."),
        categories=WEEKDAYS,
    ),
    _raw(
        "HOUR_APPR_PROCESS_START",
        "hour",
        N_("Hour of the application"),
        N_("Approximate hour the client applied."),
        range=(0, 23),
    ),
    *[
        _raw(
            name,
            "flag",
            label,
            N_("1 when the addresses differ, 0 when they are the same."),
            range=(0, 1),
        )
        for name, label in (
            ("REG_REGION_NOT_LIVE_REGION", N_("Permanent address outside the region of residence")),
            ("REG_REGION_NOT_WORK_REGION", N_("Permanent address outside the work region")),
            ("LIVE_REGION_NOT_WORK_REGION", N_("Lives outside the work region")),
            ("REG_CITY_NOT_LIVE_CITY", N_("Permanent address outside the city of residence")),
            ("LIVE_CITY_NOT_WORK_CITY", N_("Lives outside the work city")),
        )
    ],
    _raw(
        "OBS_30_CNT_SOCIAL_CIRCLE",
        "count",
        N_("Acquaintances observed at 30 days"),
        N_("Observed people around the client whose 30-day payment record is known."),
        range=(0, 500),
    ),
    _raw(
        "OBS_60_CNT_SOCIAL_CIRCLE",
        "count",
        N_("Acquaintances observed at 60 days"),
        N_("Observed people around the client whose 60-day payment record is known."),
        range=(0, 500),
    ),
    _raw(
        "DEF_60_CNT_SOCIAL_CIRCLE",
        "count",
        N_("Defaults at 60 days among acquaintances"),
        N_("Observed people around the client who were 60 days late on a payment."),
        range=(0, 500),
    ),
    *[
        _raw(name, "count", label, help, range=(0, 300))
        for name, label, help in (
            (
                "AMT_REQ_CREDIT_BUREAU_HOUR",
                N_("Credit bureau enquiries (last hour)"),
                N_("In the hour before the application."),
            ),
            (
                "AMT_REQ_CREDIT_BUREAU_DAY",
                N_("Credit bureau enquiries (last day)"),
                N_("In the day before the application, the last hour excluded."),
            ),
            (
                "AMT_REQ_CREDIT_BUREAU_WEEK",
                N_("Credit bureau enquiries (last week)"),
                N_("In the week before the application, the last day excluded."),
            ),
            (
                "AMT_REQ_CREDIT_BUREAU_MON",
                N_("Credit bureau enquiries (last month)"),
                N_("In the month before the application, the last week excluded."),
            ),
            (
                "AMT_REQ_CREDIT_BUREAU_QRT",
                N_("Credit bureau enquiries (3 months)"),
                N_("In the 3 months before the application, the last month excluded."),
            ),
        )
    ],
    *[
        _raw(
            f"FLAG_DOCUMENT_{n}",
            "flag",
            (N_("Document no. {number} provided"), {"number": n}),
            (N_("Whether the client provided document no. {number} of the application file."), {"number": n}),
            range=(0, 1),
        )
        for n in range(2, 22)
        if n != 3
    ],
    _raw(
        "FONDKAPREMONT_MODE",
        "category",
        N_("Building repair fund account"),
        N_("How the building's capital repair fund is held (most frequent value)."),
        categories={
            "reg oper account": N_("Regional operator account"),
            "reg oper spec account": N_("Regional operator special account"),
            "org spec account": N_("Organisation's special account"),
            "not specified": N_("Not specified"),
        },
    ),
    _raw(
        "HOUSETYPE_MODE",
        "category",
        N_("Type of building"),
        N_("The type of the building where the client lives (most frequent value)."),
        categories={
            "block of flats": N_("Block of flats"),
            "specific housing": N_("Specific housing"),
            "terraced house": N_("Terraced house"),
        },
    ),
    _raw(
        "WALLSMATERIAL_MODE",
        "category",
        N_("Wall material of the building"),
        N_("What the building's walls are made of (most frequent value)."),
        categories={
            "Block": N_("Blocks"),
            "Panel": N_("Panels"),
            "Monolithic": N_("Monolithic concrete"),
            "Stone, brick": N_("Stone or brick"),
            "Mixed": N_("Mixed materials"),
            "Wooden": N_("Wood"),
            "Others": N_("Other material"),
        },
    ),
    _raw(
        "EMERGENCYSTATE_MODE",
        "category",
        N_("Building in a state of emergency"),
        N_("Whether the building is declared in a state of emergency (most frequent value)."),
        categories=_YES_NO_TEXT,
    ),
]

# Normalised building measures: 14 measures x 3 statistics (Kaggle's _AVG, _MODE, _MEDI suffixes).
_BUILDING_MEASURES = (
    ("APARTMENTS", N_("apartment size")),
    ("BASEMENTAREA", N_("basement area")),
    ("YEARS_BEGINEXPLUATATION", N_("years since the building came into use")),
    ("YEARS_BUILD", N_("age of the building")),
    ("COMMONAREA", N_("common area")),
    ("ELEVATORS", N_("number of lifts")),
    ("ENTRANCES", N_("number of entrances")),
    ("FLOORSMAX", N_("highest floor")),
    ("FLOORSMIN", N_("lowest floor")),
    ("LANDAREA", N_("land area")),
    ("LIVINGAPARTMENTS", N_("living apartments")),
    ("LIVINGAREA", N_("living area")),
    ("NONLIVINGAPARTMENTS", N_("non-living apartments")),
    ("NONLIVINGAREA", N_("non-living area")),
)
_STATISTICS = (("AVG", N_("average")), ("MODE", N_("most frequent")), ("MEDI", N_("median")))
_RECORDS += [
    _raw(
        f"{measure}_{suffix}",
        "normalised",
        (N_("Building: {measure}, {statistic} (normalised)"), {"measure": measure_label, "statistic": statistic}),
        N_("Normalised information about the building where the client lives."),
        range=(0, 1),
    )
    for measure, measure_label in _BUILDING_MEASURES
    for suffix, statistic in _STATISTICS
]

FIELDS: Mapping[str, Field] = MappingProxyType({f.name: f for f in _RECORDS})
if len(FIELDS) != len(_RECORDS):  # a name written twice would silently shadow the first record
    raise RuntimeError("the field registry names a field twice")

DEFAULT_PROTECTED: tuple[str, ...] = tuple(f.name for f in _RECORDS if f.role == "protected")
# Candidate model inputs in a fixed order (numeric first, then categorical: the transform's column order).
MODEL_CANDIDATES: tuple[str, ...] = tuple(
    [f.name for f in _RECORDS if f.model and not f.categorical] + [f.name for f in _RECORDS if f.model and f.categorical]
)
CARD_SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (key, title, tuple(f.name for f in _RECORDS if f.section == key)) for key, title in SECTIONS
)
CARD_FIELDS: tuple[str, ...] = tuple(name for _, _, names in CARD_SECTIONS for name in names)
COMPARABLE: tuple[str, ...] = tuple(f.name for f in _RECORDS if f.comparable)
SIMULABLE: tuple[str, ...] = tuple(f.name for f in _RECORDS if f.role in ("term", "declared"))
# Raw columns an artifact folder keeps per client: what the card, the comparison filters and the
# fairness audit show, and every source of a model feature (a simulation recomputes features from them).
STORED_RAW_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [f.name for f in _RECORDS if f.raw and f.section is not None and f.role not in ("id", "target")]
        + list(DEFAULT_PROTECTED)
        + [source for name in MODEL_CANDIDATES for source in FIELDS[name].sources]
    )
)


def get(name: str) -> Field:
    """The record of ``name``; KeyError names the unknown field."""
    try:
        return FIELDS[name]
    except KeyError:
        raise KeyError(f"unknown field {name!r}") from None


def model_features(protected: tuple[str, ...] = DEFAULT_PROTECTED) -> tuple[Field, ...]:
    """The model's inputs: every candidate except protected fields and what is computed from them."""
    excluded = set(protected)
    return tuple(
        FIELDS[name] for name in MODEL_CANDIDATES if name not in excluded and not excluded & set(FIELDS[name].sources)
    )


def sources_of(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Raw columns needed to compute the given fields, in first-use order."""
    return tuple(dict.fromkeys(source for name in names for source in FIELDS[name].sources))


def render(label: Label, translate: Callable[[str], str] = str) -> str:
    """A label as text: the message translated, then its placeholders filled (translated too when words)."""
    if isinstance(label, tuple):
        message, values = label
        return translate(message).format(**{k: translate(v) if isinstance(v, str) else v for k, v in values.items()})
    return translate(label) if label else ""
