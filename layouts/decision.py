"""The decision in words and marks, built once for every view (summary, what-if, new application, review, curve)."""

from __future__ import annotations

from dash import html

from layouts.i18n import language
from scoring.decision import GRANTED, REFUSED
from scoring.review_rules import GRANT, REFUSE

# The model's decision and the advisor's final one share the marks; asking for documents has its own.
MARKS = {GRANTED: "✓", REFUSED: "✗", GRANT: "✓", REFUSE: "✗"}


def mark(decision: str) -> str:
    return MARKS.get(decision, "…")


def credit_words(decision: str, lang: str) -> str:
    """"Credit refused" / "Credit granted": the model's decision as a heading."""
    tr = language(lang)
    return tr._("Credit refused") if decision == REFUSED else tr._("Credit granted")


def decision_word(decision: str, lang: str) -> str:
    """"refused" / "granted": the model's decision inside a sentence."""
    tr = language(lang)
    return tr._("refused") if decision == REFUSED else tr._("granted")


def marked(decision: str, lang: str) -> list:
    """The mark (hidden from screen readers: the words say it) and the words."""
    return [html.Span(mark(decision) + " ", **{"aria-hidden": "true"}), credit_words(decision, lang)]
