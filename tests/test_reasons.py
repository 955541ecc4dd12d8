"""Reason families (scoring/reasons.py) and which review reasons fit which decision (scoring/review_rules.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from layouts.i18n import language
from scoring import derived
from scoring.fields import DEFAULT_PROTECTED, MODEL_CANDIDATES, Field, model_features
from scoring.portfolio import ClientExplanation
from scoring.reasons import FAMILIES, OTHER, family_of, family_reasons, secant_slope
from scoring.review_rules import DECISIONS, DOCUMENTS, FITTING, GRANT, REASONS, REFUSE, check_review, fits, reasons_for


def test_every_model_feature_has_a_family_with_words_in_both_languages():
    for name in MODEL_CANDIDATES:
        if name in DEFAULT_PROTECTED:
            continue  # never a model input, never a reason
        key = family_of(name)
        assert key != OTHER, f"{name} has no reason family: add a rule or an override in scoring/reasons.py"
    for family in FAMILIES:
        for message in (family.label, family.help, family.topic, family.fallback):
            assert language("fr")._(message) != message, f"not translated: {message}"
            assert language("en")._(message) == message


def test_the_external_scores_and_everything_computed_from_them_are_one_family():
    external = {name for name in MODEL_CANDIDATES if family_of(name) == "external"}
    assert external == {
        "EXT_SOURCE_1",
        "EXT_SOURCE_2",
        "EXT_SOURCE_3",
        "EXT_SOURCE_MEAN",
        "EXT_SOURCE_MIN",
        "EXT_SOURCE_PROD",
    }
    assert (
        family_of("CREDIT_INCOME_RATIO") == family_of("ANNUITY_INCOME_RATIO") == family_of("AMT_CREDIT") == "affordability"
    )
    assert family_of("PAYMENT_RATE") == family_of("CREDIT_GOODS_RATIO") == "loan_terms"
    assert family_of("AGE_YEARS") == family_of("YEARS_EMPLOYED") == family_of("EMPLOYED_AGE_RATIO") == "age_employment"
    assert family_of("REGION_POPULATION_RELATIVE") == family_of("REGION_RATING_CLIENT_W_CITY") == "region"


def test_a_feature_added_later_finds_its_family_from_its_sources():
    # Features another change may add to the registry: no edit of scoring/reasons.py needed.
    spread = Field("EXT_SOURCE_STD", "score", "x", sources=derived.EXT, model=True, role="derived")
    assert family_of(spread) == "external"
    goods_income = Field("GOODS_INCOME_RATIO", "ratio", "x", sources=("AMT_GOODS_PRICE", "AMT_INCOME_TOTAL"), model=True)
    assert family_of(goods_income) == "loan_terms"
    bureau = Field("AMT_REQ_CREDIT_BUREAU_QRT", "count", "x", sources=("AMT_REQ_CREDIT_BUREAU_QRT",), model=True)
    assert family_of(bureau) == "credit_history"
    building = Field("LIVINGAREA_AVG", "normalised", "x", sources=("LIVINGAREA_AVG",), model=True)
    assert family_of(building) == "housing"
    unknown = Field("SOMETHING_NEW", "count", "x", sources=("SOMETHING_NEW",), model=True)
    assert family_of(unknown) == OTHER  # and the test above fails until it is given a family


def _explanation(seed: int, missing: tuple[str, ...] = ()) -> ClientExplanation:
    names = [f.name for f in model_features()]
    rng = np.random.default_rng(seed)
    contributions = {n: float(v) for n, v in zip(names, rng.normal(0, 0.4, len(names)), strict=True)}
    base = -2.4
    margin = base + sum(contributions.values())
    values = {n: (math.nan if n in missing else float(rng.random())) for n in names}
    p = 1 / (1 + math.exp(-margin))
    return ClientExplanation(1, p, 0.09, "refused" if p >= 0.09 else "granted", False, base, margin, contributions, values)


@pytest.mark.parametrize("seed", range(20))
def test_points_add_up_to_the_gap_and_keep_sign_and_rank(seed):
    explanation = _explanation(seed)
    reasons = family_reasons(explanation)
    average = 1 / (1 + math.exp(-explanation.base_value))
    assert sum(r.points for r in reasons) == pytest.approx(explanation.probability - average, abs=1e-12)
    assert all((r.points >= 0) == (r.contribution >= 0) for r in reasons)
    assert [abs(r.points) for r in reasons] == sorted((abs(r.points) for r in reasons), reverse=True)
    for r in reasons:  # a family's contribution is the sum of its features' (SHAP is additive)
        assert r.contribution == pytest.approx(sum(explanation.contributions[n] for n in r.features))
    assert len({r.key for r in reasons}) == len(reasons)


def test_secant_slope_is_the_derivative_when_the_two_ends_meet():
    p = 1 / (1 + math.exp(1.0))
    assert secant_slope(-1.0, -1.0) == pytest.approx(p * (1 - p))
    assert secant_slope(-1.0, -1.0 + 1e-6) == pytest.approx(p * (1 - p), rel=1e-5)
    assert secant_slope(-3.0, 1.0) == pytest.approx((1 / (1 + math.exp(-1)) - 1 / (1 + math.exp(3))) / 4)


def test_a_family_without_any_value_is_marked_missing():
    external = tuple(f.name for f in model_features() if f.name.startswith("EXT_SOURCE"))
    reasons = {r.key: r for r in family_reasons(_explanation(3, missing=external))}
    assert reasons["external"].missing and reasons["external"].provided == ()
    partly = {r.key: r for r in family_reasons(_explanation(3, missing=("EXT_SOURCE_1",)))}
    assert not partly["external"].missing and "EXT_SOURCE_1" not in partly["external"].provided


def test_review_reasons_fit_decisions_as_the_domain_says():
    assert set(FITTING) == set(REASONS) and all(FITTING[r] <= set(DECISIONS) for r in REASONS)
    assert all(reasons_for(d) for d in DECISIONS)  # every decision can be justified
    assert not fits(GRANT, "incomplete_file") and not fits(GRANT, "debt_burden")
    assert fits(REFUSE, "debt_burden") and fits(DOCUMENTS, "incomplete_file") and fits(GRANT, "income_or_guarantee")
    assert not fits(DOCUMENTS, "documents_checked") and not fits(GRANT, "nonsense")
    comment = "Bulletins de salaire vérifiés."
    assert check_review(GRANT, "incomplete_file", comment) == {"reason": "mismatch"}
    assert check_review(REFUSE, "incomplete_file", comment) == {}
    assert check_review(None, "incomplete_file", comment) == {"decision": "missing"}  # no mismatch without a decision
