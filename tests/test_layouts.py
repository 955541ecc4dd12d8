"""Pure UI functions: catalogue, formatting, palette contrast, figures and texts built from plain data."""

import math
import re
from pathlib import Path

import numpy as np
import pytest

from layouts import palette
from layouts.comparison import cross_figure, cross_texts, histogram_figure, histogram_texts
from layouts.explanation import (
    TOP_FACTORS,
    explanation_paragraph,
    factors,
    importance_figure,
    join_words,
    waterfall_aria,
    waterfall_figure,
)
from layouts.formatting import display_value, euros, feature_value, percent
from layouts.i18n import CATALOGUE, t
from layouts.score import decision_texts, gauge_figure, gauge_range
from scoring.calibration import sigmoid
from scoring.comparison import CrossView, Histogram
from scoring.features import FEATURES
from scoring.portfolio import ClientExplanation

ROOT = Path(__file__).resolve().parents[1]


def test_catalogue_has_every_key_in_both_languages():
    assert CATALOGUE["fr"].keys() == CATALOGUE["en"].keys()
    for key, text in CATALOGUE["en"].items():
        assert text, key


def test_every_key_used_in_the_code_exists():
    used = set()
    for folder in ("layouts", "callbacks", "app"):
        for path in (ROOT / folder).glob("*.py"):
            used |= set(re.findall(r'\bt\(\s*"([a-z_]+\.[a-z_.]+)"', path.read_text()))
    assert used, "the scan found no key: the pattern is wrong"
    missing = sorted(k for k in used if k not in CATALOGUE["fr"])
    assert not missing, missing


def test_french_and_english_formatting():
    assert euros(450000, "fr") == "450\u202f000\u202f€"
    assert euros(450000, "en") == "€450,000"
    assert percent(0.2346, 1, "fr") == "23,5\u202f%"
    assert percent(0.5, 0, "en") == "50%"
    assert display_value("DAYS_BIRTH", -365.25 * 42, "fr") == "42 ans"
    assert display_value("DAYS_EMPLOYED", 365243, "en").startswith("Not in paid employment")
    assert display_value("AMT_CREDIT", float("nan"), "fr") == "Non renseigné"
    assert display_value("CODE_GENDER", "F", "fr") == "Femme"
    assert feature_value("PAYMENT_RATE", 0.05, "fr") == "5,0\u202f%"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str = "#FFFFFF") -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("name", ["TEXT", "RISK_UP", "RISK_DOWN", "GRANTED", "REFUSED", "GREY_ZONE", "NEUTRAL"])
def test_palette_text_colours_reach_4_5_to_1(name):
    assert contrast(getattr(palette, name)) >= 4.5


def test_palette_graphics_reach_3_to_1():
    assert contrast(palette.GRID) >= 3
    assert contrast(palette.DENSITY_SCALE[-1][1]) >= 3


def _explanation(proba=0.2, threshold=0.08, seed=0) -> ClientExplanation:
    rng = np.random.default_rng(seed)
    contributions = {f.name: float(v) for f, v in zip(FEATURES, rng.normal(0, 0.1, len(FEATURES)), strict=True)}
    margin = math.log(proba / (1 - proba))
    base = margin - sum(contributions.values())
    values = {f.name: (1.0 if f.categorical else float(rng.random() * 100)) for f in FEATURES}
    values["AMT_CREDIT"] = 450000.0
    return ClientExplanation(
        client_id=123,
        probability=proba,
        threshold=threshold,
        decision="refused" if proba >= threshold else "granted",
        in_grey_zone=False,
        base_value=base,
        margin=margin,
        contributions=contributions,
        feature_values=values,
    )


LEVELS = {f.name: ["A", "B", "C"] for f in FEATURES if f.categorical}


def test_factors_keep_top_ten_and_group_the_rest_with_the_same_sum():
    explanation = _explanation()
    items = factors(explanation, LEVELS, "fr")
    assert len(items) == TOP_FACTORS + 1
    assert items[-1].label == t("why.others", "fr", n=len(FEATURES) - TOP_FACTORS)
    assert sum(f.contribution for f in items) == pytest.approx(sum(explanation.contributions.values()))
    sizes = [abs(f.contribution) for f in items[:-1]]
    assert sizes == sorted(sizes, reverse=True)


def test_waterfall_adds_up_from_average_to_client_and_says_signs_in_text():
    explanation = _explanation()
    items = factors(explanation, LEVELS, "fr")
    figure = waterfall_figure(explanation, items, "fr")
    trace = figure["data"][0]
    assert trace["type"] == "bar"  # in the partial plotly.js bundle the page ships (no waterfall trace there)
    # Each bar starts where the previous one ended, from the average client's log-odds...
    assert trace["base"][0] == pytest.approx(explanation.base_value)
    for i in range(1, len(items)):
        assert trace["base"][i] == pytest.approx(trace["base"][i - 1] + trace["x"][i - 1])
    end = trace["base"][-2] + trace["x"][-2]
    assert sigmoid(end) == pytest.approx(explanation.probability)
    # ... and the last bar spans average client -> this client.
    assert trace["base"][-1] == pytest.approx(explanation.base_value)
    assert trace["base"][-1] + trace["x"][-1] == pytest.approx(end)
    colours = trace["marker"]["color"]
    for text, colour, item in zip(trace["text"][:-1], colours[:-1], items, strict=True):
        assert text.startswith("↑" if item.contribution >= 0 else "↓")
        assert colour == (palette.RISK_UP if item.contribution >= 0 else palette.RISK_DOWN)
    assert colours[-1] == palette.NEUTRAL and trace["text"][-1] == "20,0\u202f%"
    assert trace["y"][-1] == "Ce client"
    # A connector from the end of each bar to the next one.
    connectors = [s for s in figure["layout"]["shapes"] if s.get("yref") == "y"]
    ends = [b + x for b, x in zip(trace["base"][:-1], trace["x"][:-1], strict=True)]
    assert [c["x0"] for c in connectors] == pytest.approx(ends)
    assert figure["layout"]["hovermode"] is False


def test_waterfall_labels_carry_client_values():
    explanation = _explanation()
    explanation.contributions["AMT_CREDIT"] = 5.0  # make sure it is in the top ten
    items = factors(explanation, LEVELS, "fr")
    assert items[0].label == "Montant du crédit : 450\u202f000\u202f€"
    assert "Montant du crédit : 450" in waterfall_aria(explanation, items, "fr")


def test_paragraph_names_what_raises_and_lowers_the_risk():
    explanation = _explanation()
    explanation.contributions.update({"AMT_CREDIT": 1.0, "EXT_SOURCE_2": -1.0})
    items = factors(explanation, LEVELS, "fr")
    text = explanation_paragraph(explanation, items, "fr")
    up, down = text.split("diminuent")
    assert "montant du crédit (450\u202f000\u202f€)" in up
    assert "score externe 2" in down
    assert "20,0\u202f%" in text
    assert join_words(["a", "b", "c"], "en") == "a, b and c"


def test_decision_texts_above_and_below_threshold():
    refused = decision_texts(_explanation(proba=0.2, threshold=0.08), "fr", (0.06, 0.1))
    assert refused["decision"] == "Crédit refusé"
    assert refused["distance"].startswith("12,0 points au-dessus du seuil")
    granted = decision_texts(_explanation(proba=0.05, threshold=0.08), "en", (0.06, 0.1))
    assert granted["decision"] == "Credit granted"
    assert "below" in granted["distance"] and "below" in granted["aria"]
    assert "Client 123" in granted["status"]
    assert "grey zone from 6.0% to 10.0%" in granted["caption"]


def test_gauge_shows_client_and_threshold():
    for proba in (0.01, 0.08, 0.5, 0.97):
        top = gauge_range(proba, 0.08)
        assert top >= proba and top >= 0.08 and top <= 1
    figure = gauge_figure(0.3, 0.08, (0.06, 0.1), "fr")
    assert figure["data"][0]["x"] == [0.3]
    texts = " ".join(a["text"] for a in figure["layout"]["annotations"])
    assert "Seuil 8,0" in texts and "Ce client 30,0" in texts


def test_histogram_figure_and_texts():
    hist = Histogram(
        edges=[0, 1, 2, 3],
        granted=[5, 3, 0],
        refused=[1, 2, 4],
        n=15,
        n_values=15,
        client_value=1.5,
        share_below=0.4,
        median=1.4,
    )
    figure = histogram_figure(hist, "EXT_SOURCE_MEAN", "fr")
    assert [trace["y"] for trace in figure["data"]] == [[5, 3, 0], [1, 2, 4]]
    assert figure["data"][1]["marker"]["pattern"]["shape"]  # refused also differ by pattern, not colour alone
    aria, caption = histogram_texts(hist, "EXT_SOURCE_MEAN", "fr")
    assert "15 clients" in aria and "40\u202f%" in caption
    missing = Histogram([0, 1], [1], [0], 1, 1, None, None, 0.5)
    assert "n'est pas renseignée" in histogram_texts(missing, "EXT_SOURCE_1", "fr")[1]


def test_cross_figure_points_or_density():
    small = CrossView(3, ([0.1, 0.2, 0.3], [1, 2, 3], [False, True, False]), None, (0.2, 2.0))
    figure = cross_figure(small, "EXT_SOURCE_1", "AGE_YEARS", "fr")
    kinds = [trace["type"] for trace in figure["data"]]
    assert kinds == ["scatter", "scatter", "scatter"]
    assert figure["data"][-1]["marker"]["symbol"] == "star"
    large = CrossView(10_000, None, ([0.5], [1.0], [[10_000]]), (None, 2.0))
    figure = cross_figure(large, "EXT_SOURCE_1", "AGE_YEARS", "en")
    assert [trace["type"] for trace in figure["data"]] == ["heatmap"]  # client without x: no star
    assert "10,000" in cross_texts(large, "EXT_SOURCE_1", "AGE_YEARS", "en")[0]


def test_importance_figure_is_sorted():
    importance = np.arange(len(FEATURES), dtype=float)
    figure = importance_figure(importance, "fr", top=5)
    assert figure["data"][0]["x"] == sorted(figure["data"][0]["x"], reverse=True)
    assert len(figure["data"][0]["y"]) == 5
