"""The letter for the client: the decision, its main reasons in everyday words, what could change it, their rights.

Pure builders of the template's context (``app/templates/letter.html``). A client reads this letter, not an
analyst: no score, probability, threshold, method name or other clients' figures; reasons are topics of their
own application ("the amount requested compared with your income"), several model features sharing a topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from layouts.advice import option_terms
from layouts.formatting import money
from layouts.i18n import language
from scoring.advice import Advice
from scoring.affordability import MAX_EFFORT_RATE, affordable
from scoring.portfolio import REFUSED, ClientExplanation
from scoring.simulate import Terms

MAX_REASONS = 4
NOTABLE = 0.02  # calibrated log-odds: below this a topic did not really weigh

# Topic of each model feature, in words a client understands (message ids; several features, one topic).
_EXTERNAL = "The assessments of your situation by outside organisations"
_AMOUNT = "The amount requested compared with your income"
_INSTALMENT = "The share of your income that would go to the monthly repayments"
_PACE = "The length of the loan and the pace of repayment"
_GOODS = "The amount requested compared with the price of what it pays for"
_JOB = "How long you have been in your current job"
_HOUSEHOLD = "Your income compared with the size of your household"
_HOME = "Your housing"
_CAR = "Your car"
_REGION = "The region where you live"
_DOCUMENTS = "The documents and contact details provided with your application"
_ENQUIRIES = "Recent enquiries about you to the credit register"
_HISTORY = "How recently your address, phone number or identity document changed"
TOPICS: dict[str, str] = {
    "EXT_SOURCE_1": _EXTERNAL,
    "EXT_SOURCE_2": _EXTERNAL,
    "EXT_SOURCE_3": _EXTERNAL,
    "EXT_SOURCE_MEAN": _EXTERNAL,
    "EXT_SOURCE_MIN": _EXTERNAL,
    "EXT_SOURCE_PROD": _EXTERNAL,
    "AMT_CREDIT": _AMOUNT,
    "CREDIT_INCOME_RATIO": _AMOUNT,
    "AMT_ANNUITY": _INSTALMENT,
    "ANNUITY_INCOME_RATIO": _INSTALMENT,
    "PAYMENT_RATE": _PACE,
    "NAME_CONTRACT_TYPE": "The type of credit requested",
    "AMT_GOODS_PRICE": _GOODS,
    "CREDIT_GOODS_RATIO": _GOODS,
    "AGE_YEARS": "Your age",
    "YEARS_EMPLOYED": _JOB,
    "NOT_EMPLOYED": _JOB,
    "EMPLOYED_AGE_RATIO": _JOB,
    "AMT_INCOME_TOTAL": _HOUSEHOLD,
    "INCOME_PER_PERSON": _HOUSEHOLD,
    "CNT_CHILDREN": _HOUSEHOLD,
    "CNT_FAM_MEMBERS": _HOUSEHOLD,
    "NAME_EDUCATION_TYPE": "Your level of education",
    "NAME_INCOME_TYPE": "Where your income comes from",
    "OCCUPATION_TYPE": "Your occupation",
    "ORGANIZATION_TYPE": "The sector of your employer",
    "NAME_HOUSING_TYPE": _HOME,
    "FLAG_OWN_REALTY": _HOME,
    "TOTALAREA_MODE": _HOME,
    "FLAG_OWN_CAR": _CAR,
    "OWN_CAR_AGE": _CAR,
    "REGION_RATING_CLIENT_W_CITY": _REGION,
    "REGION_POPULATION_RELATIVE": _REGION,
    "REG_CITY_NOT_WORK_CITY": "The distance between your home and your workplace",
    "FLAG_DOCUMENT_3": _DOCUMENTS,
    "FLAG_WORK_PHONE": _DOCUMENTS,
    "AMT_REQ_CREDIT_BUREAU_YEAR": _ENQUIRIES,
    "DEF_30_CNT_SOCIAL_CIRCLE": "Payment incidents among people close to you",
    "YEARS_REGISTRATION": _HISTORY,
    "YEARS_ID_PUBLISH": _HISTORY,
    "YEARS_LAST_PHONE_CHANGE": _HISTORY,
}
_OTHER = "Other information in your application"


def topic_messages(lang: str) -> dict[str, str]:
    """The topics translated (listed here as literals so that the catalogue extraction sees each one)."""
    tr = language(lang)
    return {
        _EXTERNAL: tr._("The assessments of your situation by outside organisations"),
        _AMOUNT: tr._("The amount requested compared with your income"),
        _INSTALMENT: tr._("The share of your income that would go to the monthly repayments"),
        _PACE: tr._("The length of the loan and the pace of repayment"),
        "The type of credit requested": tr._("The type of credit requested"),
        _GOODS: tr._("The amount requested compared with the price of what it pays for"),
        "Your age": tr._("Your age"),
        _JOB: tr._("How long you have been in your current job"),
        _HOUSEHOLD: tr._("Your income compared with the size of your household"),
        "Your level of education": tr._("Your level of education"),
        "Where your income comes from": tr._("Where your income comes from"),
        "Your occupation": tr._("Your occupation"),
        "The sector of your employer": tr._("The sector of your employer"),
        _HOME: tr._("Your housing"),
        _CAR: tr._("Your car"),
        _REGION: tr._("The region where you live"),
        "The distance between your home and your workplace": tr._("The distance between your home and your workplace"),
        _DOCUMENTS: tr._("The documents and contact details provided with your application"),
        _ENQUIRIES: tr._("Recent enquiries about you to the credit register"),
        "Payment incidents among people close to you": tr._("Payment incidents among people close to you"),
        _HISTORY: tr._("How recently your address, phone number or identity document changed"),
        _OTHER: tr._("Other information in your application"),
    }


@dataclass(frozen=True)
class Reason:
    topic: str
    against: bool  # weighed against the application


def reasons(explanation: ClientExplanation, n: int = MAX_REASONS) -> list[Reason]:
    """The topics that weighed most in the direction of the decision (against for a refusal, for a grant)."""
    totals: dict[str, float] = {}
    for name, value in explanation.contributions.items():
        topic = TOPICS.get(name, _OTHER)
        totals[topic] = totals.get(topic, 0.0) + value
    against = explanation.decision == REFUSED or explanation.in_grey_zone
    sign = 1 if against else -1
    ranked = sorted(((sign * v, t) for t, v in totals.items() if sign * v >= NOTABLE), reverse=True)
    return [Reason(topic, against) for _, topic in ranked[:n]]


def reason_sentence(reason: Reason, lang: str) -> str:
    tr = language(lang)
    topic = topic_messages(lang).get(reason.topic, reason.topic)
    if reason.against:
        return tr._("{topic}: this weighed against your application.", topic=topic)
    return tr._("{topic}: this weighed in favour of your application.", topic=topic)


def decision_kind(explanation: ClientExplanation) -> str:
    if explanation.in_grey_zone:
        return "review"
    return "refused" if explanation.decision == REFUSED else "granted"


def letter_context(
    explanation: ClientExplanation,
    terms: Terms,
    advice: Advice | None,
    *,
    advisor: str,
    today: date,
    lang: str,
    max_rate: float = MAX_EFFORT_RATE,
) -> dict:
    """Everything the template shows, already in words. Terms whose instalment breaks the lender's maximum effort
    rate are never offered, whatever the model says, and no option printed breaks it either."""
    tr = language(lang)
    kind = decision_kind(explanation)
    unaffordable = affordable(terms.annuity, terms.income, max_rate) is False
    if unaffordable and kind == "granted":  # the model's yes cannot override the lender's rule
        kind = "refused"
    amount = money(terms.credit, lang) if terms.credit is not None else ""
    headline = {
        "granted": tr._("Your application for a credit of {amount} is accepted.", amount=amount),
        "refused": tr._("We cannot accept your application for a credit of {amount} as it stands.", amount=amount),
        "review": tr._(
            "Your application for a credit of {amount} is close to our criteria: an advisor is reviewing it personally "
            "before giving you a final answer.",
            amount=amount,
        ),
    }[kind]
    if unaffordable:
        # In words, without a rate: the letter prints amounts, never percentages but the signed changes.
        headline += " " + tr._("Its monthly instalments would take a larger share of your monthly income than we lend for.")
    options = [o for o in advice.options if affordable(o.annuity, terms.income, max_rate) is not False] if advice else []
    terms_list = [option_terms(o, lang, with_effort=False) for o in options] if kind != "granted" else []
    changes = [t[:1].upper() + t[1:] for t in terms_list]  # list items start like sentences
    return {
        "kind": kind,
        "client_id": explanation.client_id,
        "headline": headline,
        "reasons": [reason_sentence(r, lang) for r in reasons(explanation)],
        "changes": changes,
        "no_change_found": kind != "granted" and advice is not None and not options,
        "advisor": advisor,
        "date": tr.date(today),
    }
