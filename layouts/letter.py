"""The letter for the client: the decision, its main reasons in everyday words, what could change it, their rights.

Pure builders of the template's context (``app/templates/letter.html``). A client reads this letter, not an
analyst: no score, probability, threshold, method name or other clients' figures; reasons are the reason
families of the advisor's screen (scoring/reasons.py) in the client's words, so the two never disagree.

The decision the letter gives is the final one: an advisor's recorded review when there is one (the letter then
says so, with the advisor's reason in plain words), the model's recommendation otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from layouts.advice import option_terms
from layouts.formatting import money
from layouts.i18n import language
from scoring.advice import Advice
from scoring.affordability import MAX_EFFORT_RATE, affordable
from scoring.decision import REFUSED
from scoring.portfolio import ClientExplanation
from scoring.reasons import family_reasons
from scoring.review_rules import DOCUMENTS, GRANT, ReviewRecord
from scoring.simulate import Terms

MAX_REASONS = 4
NOTABLE = 0.002  # probability points: below 0.2 point a topic did not really weigh


def review_sentences(lang: str) -> dict[str, str]:
    """An advisor's reason (app/reviews.py codes) as a client reads it."""
    tr = language(lang)
    return {
        "documents_checked": tr._("An advisor checked the supporting documents of your application personally."),
        "income_or_guarantee": tr._(
            "An advisor took into account income or a guarantee that our assessment tool does not see."
        ),
        "situation_changed": tr._("An advisor took into account a recent change in your situation."),
        "bank_history": tr._("An advisor took into account your repayment history with us."),
        "incomplete_file": tr._("Your application is incomplete, or some of its information does not match."),
        "debt_burden": tr._("The repayments would take too large a share of your income."),
        "other": tr._("An advisor reviewed your application personally."),
    }


@dataclass(frozen=True)
class Reason:
    topic: str  # message id of the family's client wording
    against: bool  # weighed against the application


def reasons(explanation: ClientExplanation, n: int = MAX_REASONS, *, against: bool | None = None) -> list[Reason]:
    """The families that weighed most in the direction of the decision (against for a refusal, for a grant)."""
    if against is None:
        against = explanation.verdict.needs_advice
    sign = 1 if against else -1
    ranked = [r for r in family_reasons(explanation) if sign * r.points >= NOTABLE and not r.missing]
    ranked.sort(key=lambda r: -sign * r.points)
    return [Reason(r.family.topic, against) for r in ranked[:n]]


def reason_sentence(reason: Reason, lang: str) -> str:
    tr = language(lang)
    topic = tr._(reason.topic)
    if reason.against:
        return tr._("{topic}: this weighed against your application.", topic=topic)
    return tr._("{topic}: this weighed in favour of your application.", topic=topic)


def offers_changes(kind: str) -> bool:
    """Whether the letter of a decision kind lists the changes that would be granted."""
    return kind in ("refused", "review")


def decision_kind(explanation: ClientExplanation, final: ReviewRecord | None = None) -> str:
    """granted, refused, documents (asked by an advisor) or review (grey zone, nobody has decided yet)."""
    if final is not None:
        return {GRANT: "granted", DOCUMENTS: "documents"}.get(final.decision, "refused")
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
    final: ReviewRecord | None = None,
    max_rate: float = MAX_EFFORT_RATE,
) -> dict:
    """Everything the template shows, already in words; ``final``: the advisor's recorded review, if any.

    Terms whose instalment breaks the lender's maximum effort rate are never granted on the model's word alone
    (an advisor's recorded grant stands: they may know income the data does not), and no option printed breaks it.
    """
    tr = language(lang)
    kind = decision_kind(explanation, final)
    unaffordable = affordable(terms.annuity, terms.income, max_rate) is False
    if unaffordable and kind == "granted" and final is None:
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
        "documents": tr._(
            "Before we can answer your application for a credit of {amount}, we need further documents from you: "
            "your advisor will tell you which ones.",
            amount=amount,
        ),
    }[kind]
    with_changes = offers_changes(kind)
    if unaffordable and with_changes:
        # In words, without a rate: the letter prints amounts, never percentages but the signed changes.
        headline += " " + tr._("Its monthly instalments would take a larger share of your monthly income than we lend for.")
    options = [o for o in advice.options if affordable(o.annuity, terms.income, max_rate) is not False] if advice else []
    terms_list = [option_terms(o, lang, with_effort=False) for o in options] if with_changes else []
    changes = [t[:1].upper() + t[1:] for t in terms_list]  # list items start like sentences
    return {
        "kind": kind,
        "client_id": explanation.client_id,
        "headline": headline,
        "reviewed": review_sentences(lang).get(final.reason, "") if final is not None else "",
        "reasons": [reason_sentence(r, lang) for r in reasons(explanation, against=kind != "granted")],
        "changes": changes,
        "offers_changes": with_changes,
        "no_change_found": with_changes and advice is not None and not options,
        "advisor": advisor,
        "date": tr.date(today),
    }
