"""Reasons in words: the model's features grouped into families an advisor (and a client) understands.

Several model features often say one thing: the three external scores and the mean, minimum and product computed
from them are one fact ("what outside organisations think of the client"); the credit amount, the instalment and
their ratios to income are another. Showing them as separate reasons repeats one fact three times and hides the
others, so every view that gives reasons (summary, why view, what-if, new application, letter, CLI) groups the
contributions by family first. SHAP contributions are additive, so a family's contribution is the sum of its
features'.

Contributions are told in percentage points of probability, not in log-odds. The method is one scaling by the
secant slope of the logistic curve between the average client and this client::

    points(family) = contribution(family) × (p − p_average) / (margin − base)

Why this one: the families' points add up exactly to the distance between the average client and this client
(the waterfall walks from one to the other), each family keeps the sign and the rank it has in log-odds, and it
is exact when the two probabilities are close (the slope is then the derivative). Removing one family from the
logit ("what if this did not count") is easier to say but the removals do not add up, so the waterfall and the
reasons would disagree.

A family's feature missing is never good news: the model then falls back on what it learnt from clients
without that information. ``FamilyReason.missing`` says so; the views word it ("not provided: the model then
relies on ...").

Which family a feature belongs to follows rules on its source columns (explicit overrides first), so a feature
added to the registry later finds its family without a change here; tests/test_reasons.py checks that every
model candidate has a family other than "other".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from scoring.fields import FIELDS, N_, Field
from scoring.portfolio import ClientExplanation


@dataclass(frozen=True)
class Family:
    key: str
    label: str  # advisor's words (message id)
    help: str  # what it covers and how it weighs (message id), shown on demand
    topic: str  # the client's words, for the letter (message id)
    fallback: str  # what the model relies on when the family's information is not provided (message id)


FAMILIES: tuple[Family, ...] = (
    Family(
        "external",
        N_("Assessments by outside organisations"),
        N_(
            "Scores that outside organisations (credit bureaus) give the client, and the mean, lowest and product "
            "the model computes from them. Higher scores mean a safer client."
        ),
        N_("The assessments of your situation by outside organisations"),
        N_("the other information in the file, as for clients without such assessments"),
    ),
    Family(
        "affordability",
        N_("Loan amount and instalment compared with income"),
        N_(
            "The amount requested and the monthly instalment, on their own and as a share of the client's income. "
            "The larger the share, the higher the risk."
        ),
        N_("The amount requested and the monthly repayments compared with your income"),
        N_("the other terms of the loan"),
    ),
    Family(
        "loan_terms",
        N_("Duration and type of the loan"),
        N_(
            "How fast the loan is repaid (the instalment as a share of the amount, so its duration), the type of "
            "contract, and the amount compared with the price of what it finances."
        ),
        N_("The length of the loan, the pace of repayment and the type of credit"),
        N_("the other terms of the loan"),
    ),
    Family(
        "age_employment",
        N_("Age and employment"),
        N_("The client's age, whether they are in paid employment, and for how long (also as a share of their age)."),
        N_("Your age and how long you have been in your current job"),
        N_("the client's age and whether they are in paid employment"),
    ),
    Family(
        "household",
        N_("Income and household"),
        N_("The declared income, the number of people and children in the household, and the income per person."),
        N_("Your income compared with the size of your household"),
        N_("the other information in the file"),
    ),
    Family(
        "work",
        N_("Occupation and source of income"),
        N_("Where the income comes from (salary, pension, business), the occupation and the employer's sector."),
        N_("Where your income comes from and your occupation"),
        N_("the other information in the file"),
    ),
    Family(
        "education",
        N_("Education"),
        N_(
            "The highest level of education the client declares. A sensitive reason: it is given to the client, "
            "because they are entitled to the reasons that weighed and French law does not forbid it, but as a "
            "statistical observation on similar applications, never as a judgement of the person."
        ),
        N_(
            "The level of education you declared (a statistical observation on similar applications, "
            "not a judgement of you)"
        ),
        N_("the other information in the file"),
    ),
    Family(
        "housing",
        N_("Housing and possessions"),
        N_("Whether the client owns their home or a car, their kind of housing and the building they live in."),
        N_("Your housing and what you own"),
        N_("the other information in the file"),
    ),
    Family(
        "region",
        N_("Region of residence"),
        N_(
            "The lender's rating of the client's region and city, how populated it is, and whether they work in "
            "the same city."
        ),
        N_("The region where you live and the distance to your workplace"),
        N_("the other information in the file"),
    ),
    Family(
        "file",
        N_("Application file and contact details"),
        N_(
            "The documents and phone numbers given with the application, and how recently the client's "
            "registration, identity document or phone number changed."
        ),
        N_("The documents and contact details provided with your application"),
        N_("the other information in the file"),
    ),
    Family(
        "credit_history",
        N_("Credit enquiries and incidents around the client"),
        N_(
            "Enquiries about the client to the credit bureau in the past year, and payment incidents among the "
            "people around them."
        ),
        N_("Recent enquiries about you to the credit register and payment incidents around you"),
        N_("the other information in the file"),
    ),
    Family(
        "other",
        N_("Other information"),
        N_("Information in the file that belongs to none of the families above."),
        N_("Other information in your application"),
        N_("the other information in the file"),
    ),
)
BY_KEY: Mapping[str, Family] = {f.key: f for f in FAMILIES}
OTHER = "other"

# Features whose sources alone would put them elsewhere: ratios of two credit terms describe the loan's shape.
OVERRIDES: Mapping[str, str] = {
    "PAYMENT_RATE": "loan_terms",  # instalment / amount: the pace of repayment, so the duration
    "CREDIT_GOODS_RATIO": "loan_terms",
}
_TERM_AMOUNTS = frozenset({"AMT_CREDIT", "AMT_ANNUITY"})
_BUILDING = ("_AVG", "_MODE", "_MEDI")


# Source column -> family, in precedence order: a feature computed from several sources takes the first family
# any of them matches (credit amount / income is about affordability before it is about income).
SOURCE_RULES: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("external", lambda c: c.startswith("EXT_SOURCE")),
    ("affordability", lambda c: c in _TERM_AMOUNTS),
    ("loan_terms", lambda c: c in ("AMT_GOODS_PRICE", "NAME_CONTRACT_TYPE")),
    ("age_employment", lambda c: c in ("DAYS_BIRTH", "DAYS_EMPLOYED")),
    ("household", lambda c: c in ("AMT_INCOME_TOTAL", "CNT_CHILDREN", "CNT_FAM_MEMBERS")),
    ("work", lambda c: c in ("NAME_INCOME_TYPE", "OCCUPATION_TYPE", "ORGANIZATION_TYPE")),
    ("education", lambda c: c == "NAME_EDUCATION_TYPE"),
    (
        "housing",
        lambda c: c in ("NAME_HOUSING_TYPE", "FLAG_OWN_REALTY", "FLAG_OWN_CAR", "OWN_CAR_AGE") or c.endswith(_BUILDING),
    ),
    ("region", lambda c: c.startswith(("REGION_", "REG_", "LIVE_"))),
    (
        "file",
        lambda c: c.startswith("FLAG_") or c in ("DAYS_REGISTRATION", "DAYS_ID_PUBLISH", "DAYS_LAST_PHONE_CHANGE"),
    ),
    ("credit_history", lambda c: c.startswith("AMT_REQ_CREDIT_BUREAU") or c.endswith("_SOCIAL_CIRCLE")),
)


def family_of(feature: str | Field) -> str:
    """The family key of a model feature (a registry name, or a record not yet in the registry): override, then
    the first rule its source columns match."""
    field = FIELDS[feature] if isinstance(feature, str) else feature
    if field.name in OVERRIDES:
        return OVERRIDES[field.name]
    sources = field.sources or (field.name,)
    for key, matches in SOURCE_RULES:
        if any(matches(column) for column in sources):
            return key
    return OTHER


def secant_slope(base: float, margin: float) -> float:
    """(sigmoid(margin) - sigmoid(base)) / (margin - base); the derivative when they (nearly) meet."""
    p0, p1 = _sigmoid(base), _sigmoid(margin)
    if abs(margin - base) < 1e-9:
        return p0 * (1 - p0)
    return (p1 - p0) / (margin - base)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True)
class FamilyReason:
    family: Family
    contribution: float  # calibrated log-odds, the sum of its features'
    points: float  # probability (0.051 = 5.1 points), summing with the others to p - p_average
    features: tuple[str, ...]  # its features, largest |contribution| first
    provided: tuple[str, ...]  # those with a value for this client
    missing: bool  # no feature of the family has a value: the model falls back on the rest

    @property
    def key(self) -> str:
        return self.family.key

    @property
    def raises(self) -> bool:
        return self.contribution >= 0


def family_reasons(explanation: ClientExplanation) -> list[FamilyReason]:
    """Every family with at least one model feature, largest effect first (in log-odds and in points alike)."""
    slope = secant_slope(explanation.base_value, explanation.margin)
    grouped: dict[str, list[str]] = {}
    for name in explanation.contributions:
        grouped.setdefault(family_of(name), []).append(name)
    out = []
    for key, names in grouped.items():
        names = sorted(names, key=lambda n: -abs(explanation.contributions[n]))
        total = float(sum(explanation.contributions[n] for n in names))
        provided = tuple(n for n in names if not _missing(explanation.feature_values.get(n)))
        out.append(FamilyReason(BY_KEY[key], total, total * slope, tuple(names), provided, not provided))
    return sorted(out, key=lambda r: (-abs(r.contribution), r.key))


def average_probability(explanation: ClientExplanation) -> float:
    return _sigmoid(explanation.base_value)
