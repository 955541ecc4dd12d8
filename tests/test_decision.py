"""The decision rule, written once in scoring/decision.py, and its words and marks, built once in layouts/decision.py."""

from __future__ import annotations

import numpy as np
import pytest

from layouts.decision import credit_words, decision_word, mark, marked
from scoring.calibration import Platt
from scoring.decision import GRANTED, REFUSED, Decision, Verdict
from scoring.review_rules import DOCUMENTS, GRANT, REFUSE

RULE = Decision(threshold=0.3, cost_fn=10, cost_fp=1, platt=Platt(a=1.0, b=0.0), base_value=-2.0, grey_zone=(0.25, 0.4))


@pytest.mark.parametrize(
    ("probability", "expected"),
    [
        (0.1, Verdict(GRANTED, False)),
        (0.25, Verdict(GRANTED, True)),  # the grey zone's low end is in it
        (0.2999, Verdict(GRANTED, True)),
        (0.3, Verdict(REFUSED, True)),  # at the threshold: refused
        (0.3999, Verdict(REFUSED, True)),
        (0.4, Verdict(REFUSED, False)),  # the high end is out
        (0.9, Verdict(REFUSED, False)),
    ],
)
def test_verdict_at_the_edges(probability, expected):
    verdict = RULE.verdict(probability)
    assert verdict == expected and isinstance(verdict.grey, bool)
    assert verdict.needs_advice == (expected.decision == REFUSED or expected.grey)


def test_arrays_follow_the_same_rule():
    proba = np.linspace(0, 1, 1001)
    verdicts = [RULE.verdict(float(p)) for p in proba]
    assert list(RULE.decisions(proba)) == [v.decision for v in verdicts]
    assert list(RULE.in_grey_zone(proba)) == [v.grey for v in verdicts]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_words_and_marks(lang):
    assert (mark(REFUSED), mark(GRANTED), mark(REFUSE), mark(GRANT), mark(DOCUMENTS)) == ("✗", "✓", "✗", "✓", "…")
    refused, granted = credit_words(REFUSED, lang), credit_words(GRANTED, lang)
    assert refused != granted
    expected = {"fr": ("Crédit refusé", "Crédit accordé"), "en": ("Credit refused", "Credit granted")}
    assert (refused, granted) == expected[lang]
    assert decision_word(REFUSED, lang) in refused.lower() and decision_word(GRANTED, lang) in granted.lower()
    span, words = marked(REFUSED, lang)
    assert span.children == "✗ " and span.to_plotly_json()["props"]["aria-hidden"] == "true" and words == refused
