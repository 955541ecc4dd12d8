"""Pure UI functions: formatting, palette contrast, figures, HTML charts and texts built from plain data."""

import math

import numpy as np
import pytest
from dash._utils import stringify_id  # what the renderer writes in the DOM

from layouts import palette
from layouts.charts import ChartIds, caption_outputs, chart_figure, position
from layouts.comparison import DENSITY_SCALE, cross_figure, cross_table, cross_texts, histogram_figure, histogram_texts
from layouts.dom import companion_id, dom_id
from layouts.explanation import (
    TOP_FACTORS,
    effect_text,
    explanation_paragraph,
    factors,
    importance_chart,
    join_words,
    waterfall,
    waterfall_caption,
    waterfall_rows,
    waterfall_scale,
)
from layouts.formatting import points_text, value_text, years
from layouts.i18n import language
from layouts.summary import decision_texts, gauge, gauge_caption, gauge_top
from layouts.whatif import field_control
from scoring.comparison import CrossView, Histogram
from scoring.fields import FIELDS, model_features
from scoring.portfolio import ClientExplanation
from scoring.reasons import FAMILIES, family_of

NNBSP, NBSP = "\u202f", "\u00a0"
FEATURES = [f.name for f in model_features()]


def walk(component):
    """Every Dash component in a tree, depth first."""
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from walk(child)


def by_class(component, name: str) -> list:
    return [c for c in walk(component) if name in (getattr(c, "className", "") or "").split()]


def text_of(component) -> str:
    parts = []
    for c in walk(component):
        children = getattr(c, "children", None)
        parts += [x for x in (children if isinstance(children, list) else [children]) if isinstance(x, str)]
    return " ".join(parts)


def test_cldr_formatting_in_french_and_english():
    fr, en = language("fr"), language("en")
    assert fr.money(450000, "EUR") == f"450{NNBSP}000{NBSP}€"
    assert en.money(450000, "EUR") == "€450,000"
    assert fr.money(450000) == f"450{NNBSP}000" and en.money(450000) == "450,000"  # the data's own unit
    assert fr.percent(0.2346) == f"23,5{NBSP}%"
    assert en.percent(0.5, 0) == "50%"
    assert value_text("AGE_YEARS", 42.0, "fr") == "42 ans"
    assert years(1, "fr") == "1 an" and years(1.5, "en") == "1.5 years"
    assert value_text("DAYS_EMPLOYED", 365243, "en").startswith("Not in paid employment")
    assert value_text("AMT_CREDIT", float("nan"), "fr") == "Non renseigné"
    assert value_text("CODE_GENDER", "F", "fr") == "Femme"
    assert value_text("NAME_CONTRACT_TYPE", "Cash loans", "fr") == "Prêt personnel"
    assert value_text("ORGANIZATION_TYPE", "Business Entity Type 3", "fr") == "Entreprise (type 3)"
    assert value_text("PAYMENT_RATE", 0.05, "fr") == f"5,0{NBSP}%"
    assert fr.ngettext("Compared group: {n} client.", "Compared group: {n} clients.", 1) == "Groupe comparé : 1 client."
    assert en.ngettext("Compared group: {n} client.", "Compared group: {n} clients.", 2) == "Compared group: 2 clients."


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


def test_chart_graphics_reach_3_to_1():
    assert contrast(palette.GRID) >= 3
    # Every colour of the density scale, its lightest included, stands out from the white background.
    assert all(contrast(colour) >= 3 for _, colour in DENSITY_SCALE)


def _explanation(proba=0.2, threshold=0.08, seed=0, grey=False) -> ClientExplanation:
    rng = np.random.default_rng(seed)
    contributions = {name: float(v) for name, v in zip(FEATURES, rng.normal(0, 0.1, len(FEATURES)), strict=True)}
    margin = math.log(proba / (1 - proba))
    base = margin - sum(contributions.values())
    values = {name: (1.0 if FIELDS[name].categorical else float(rng.random() * 100)) for name in FEATURES}
    values["AMT_CREDIT"] = 450000.0
    return ClientExplanation(
        client_id=123,
        probability=proba,
        threshold=threshold,
        decision="refused" if proba >= threshold else "granted",
        in_grey_zone=grey,
        base_value=base,
        margin=margin,
        contributions=contributions,
        feature_values=values,
    )


LEVELS = {name: ["Cash loans", "Revolving loans", "C"] for name in FEATURES if FIELDS[name].categorical}


def test_factors_are_one_line_per_family_in_points_that_add_up_to_the_probability_gap():
    explanation = _explanation()
    items = factors(explanation, LEVELS, "fr")
    keys = [f.name for f in items]
    assert len(keys) == len(set(keys)) and len(items) <= TOP_FACTORS and all(keys)
    assert {family_of(name) for name in FEATURES} == set(keys)
    # Percentage points: from the average client's probability, they add up exactly to this client's.
    average = 1 / (1 + math.exp(-explanation.base_value))
    assert sum(f.contribution for f in items) == pytest.approx(explanation.probability - average)
    sizes = [abs(f.contribution) for f in items]
    assert sizes == sorted(sizes, reverse=True)
    # Each family's points have the sign of its summed log-odds contributions.
    for item in items:
        summed = sum(v for name, v in explanation.contributions.items() if family_of(name) == item.name)
        assert (item.contribution >= 0) == (summed >= 0)
    assert all(f.help for f in items)


def test_waterfall_bars_walk_from_the_average_client_to_this_client_in_points():
    explanation = _explanation()
    items = factors(explanation, LEVELS, "fr")
    chart = waterfall(explanation, items, "fr")
    low, high = waterfall_scale(explanation, items)
    bars = by_class(chart, "wf-bar")
    assert len(bars) == len(items) + 1
    start = 1 / (1 + math.exp(-explanation.base_value))
    for bar, item in zip(bars, items, strict=False):
        end = start + item.contribution
        left = float(bar.style["left"].rstrip("%"))
        assert left == pytest.approx(min(position(start, low, high), position(end, low, high)), abs=1e-3)
        assert ("wf-up" in bar.className) == (item.contribution >= 0)  # direction told by class and arrow
        start = end
    assert start == pytest.approx(explanation.probability)
    values = [v.children for v in by_class(chart, "wf-value")]
    for value, item in zip(values, items, strict=False):
        assert value.startswith("↑ +" if item.contribution >= 0 else "↓ \u2212")
        assert value.endswith(" point" if abs(item.contribution) < 0.02 - 5e-4 else " points"), value  # French plural
    assert values[len(items)] == f"20,0{NBSP}%"
    threshold = by_class(chart, "marker-threshold")[0]
    assert float(threshold.style["left"].rstrip("%")) == pytest.approx(position(0.08, low, high), abs=1e-3)


def test_waterfall_alternatives_name_the_average_client_the_result_and_the_threshold():
    explanation = _explanation()
    items = factors(explanation, LEVELS, "fr")
    rows = waterfall_rows(explanation, items, "fr")
    assert rows[0][0] == "Client moyen" and rows[-2][4] == f"20,0{NBSP}%" and rows[-1][4] == f"8,0{NBSP}%"
    assert all(row[3].endswith(("point", "points")) for row in rows[1:-2])
    caption = waterfall_caption(explanation, items, "fr")
    assert "le seuil est de 8,0" in caption and "à ce client (20,0" in caption


def test_family_lines_carry_client_values_in_the_language():
    explanation = _explanation()
    explanation.contributions["AMT_CREDIT"] = 5.0  # its family first
    explanation.contributions["NAME_CONTRACT_TYPE"] = 4.0
    explanation.feature_values["NAME_CONTRACT_TYPE"] = 0.0
    explanation.feature_values["AMT_CREDIT"] = 450000.0
    items = factors(explanation, LEVELS, "fr")
    assert items[0].label == "Montant et mensualité au regard des revenus"
    assert f"montant du crédit : 450{NNBSP}000" in items[0].value_text  # no currency configured: the data's unit
    assert items[1].label == "Durée et type du crédit" and "type de contrat : Prêt personnel" in items[1].value_text
    assert factors(explanation, LEVELS, "en")[1].label == "Duration and type of the loan"


def test_a_missing_family_is_explained_never_good_news():
    explanation = _explanation()
    for name in FEATURES:
        if name.startswith("EXT_SOURCE"):
            explanation.feature_values[name] = float("nan")
            explanation.contributions[name] = -0.3  # lowers the risk: still not "good news"
    items = factors(explanation, LEVELS, "fr")
    external = next(f for f in items if f.name == "external")
    assert external.missing
    assert external.value_text.startswith("non fourni : le modèle s'appuie alors sur les autres informations")
    effect = effect_text(external, "fr")
    assert "diminue" not in effect and effect.startswith("pèse \u2212")
    text = explanation_paragraph(explanation, items, "fr")
    assert "Non fourni : évaluations par des organismes extérieurs" in text
    assert "organismes extérieurs" not in text.split("Non fourni")[0]  # not among what lowers the risk


def test_paragraph_names_what_raises_and_lowers_the_risk():
    explanation = _explanation()
    explanation.contributions.update({"AMT_CREDIT": 1.0, "EXT_SOURCE_2": -1.0})
    items = factors(explanation, LEVELS, "fr")
    text = explanation_paragraph(explanation, items, "fr")
    up, down = text.split("diminuent")
    assert "montant et mensualité au regard des revenus (" in up
    assert "évaluations par des organismes extérieurs (scores fournis : 3 sur 3" in down
    assert f"20,0{NBSP}%" in text
    assert join_words(["a", "b", "c"], "en") == "a, b and c"
    assert join_words(["a", "b"], "fr") == "a et b"


def test_points_and_years_take_the_plural_of_the_number_as_shown():
    assert points_text(0.012, "fr") == "1,2 point" and points_text(0.012, "en") == "1.2 points"
    assert points_text(0.051, "fr", sign=True) == "+5,1 points"
    assert points_text(-0.019, "fr", sign=True) == "\u22121,9 point"
    assert points_text(0.01, "en") == "1.0 points"  # CLDR: "1.0" is not "one" in English
    assert years(0.1, "fr") == "0,1 an" and years(1.5, "fr") == "1,5 an" and years(2.5, "fr") == "2,5 ans"
    assert years(0.1, "en") == "0.1 years" and years(1, "en") == "1 year"


def test_decision_texts_and_grey_zone_announcement():
    refused = decision_texts(_explanation(proba=0.2, threshold=0.08), (0.06, 0.1), "fr")
    assert refused["decision"] == "Crédit refusé" and refused["symbol"] == "✗"
    assert refused["distance"].startswith("12,0 points au-dessus du seuil")
    near = decision_texts(_explanation(proba=0.092, threshold=0.08), (0.06, 0.1), "fr")
    assert near["distance"].startswith("1,2 point au-dessus du seuil")  # French singular below 2
    granted = decision_texts(_explanation(proba=0.07, threshold=0.08, grey=True), (0.06, 0.1), "en")
    assert granted["decision"] == "Credit granted"
    assert "below" in granted["distance"] and "Client 123" in granted["status"]
    assert "review by an advisor required" in granted["status"] and granted["grey"]
    caption = gauge_caption(_explanation(proba=0.05, threshold=0.08), (0.06, 0.1), "en")
    assert "below the 8.0% threshold" in caption and "grey zone from 6.0% to 10.0%" in caption


def test_gauge_places_client_threshold_and_zones():
    for proba in (0.01, 0.08, 0.5, 0.97):
        top = gauge_top(proba, 0.08)
        assert top >= proba and top >= 0.08 and top <= 1
    chart = gauge(0.3, 0.08, (0.06, 0.1), "fr")
    top = gauge_top(0.3, 0.08)
    client = by_class(chart, "gauge-client")[0]
    assert float(client.style["left"].rstrip("%")) == pytest.approx(100 * 0.3 / top, abs=1e-3)
    assert "gauge-client-refused" in client.className
    text = text_of(chart)
    assert f"Seuil 8,0{NBSP}%" in text and f"Ce client 30,0{NBSP}%" in text
    zones = by_class(chart, "gauge-zone")
    widths = [float(z.style["width"].rstrip("%")) for z in zones]
    assert sum(widths) == pytest.approx(100)
    assert "Zone grise" in text  # zones are named in words, not by colour alone


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
    assert figure["layout"]["legend"]["yanchor"] == "bottom"  # above the plot, clear of the axis title
    caption = histogram_texts(hist, "EXT_SOURCE_MEAN", "fr")
    assert f"40{NBSP}%" in caption and "15 clients du groupe ont une valeur" in caption
    missing = Histogram([0, 1], [1], [0], 1, 1, None, None, 0.5)
    assert "n'est pas renseignée" in histogram_texts(missing, "EXT_SOURCE_1", "fr")


def test_cross_view_points_or_density_are_described_as_drawn():
    small = CrossView(3, ([0.1, 0.2, 0.3], [1, 2, 3], [False, True, False]), None, (0.2, 2.0), 4, (0.2, 2.0), 1.0)
    figure = cross_figure(small, "EXT_SOURCE_1", "AGE_YEARS", "fr")
    assert [trace["type"] for trace in figure["data"]] == ["scatter", "scatter", "scatter"]
    assert figure["data"][-1]["marker"]["symbol"] == "star"
    assert all("opacity" not in trace["marker"] for trace in figure["data"])
    text = cross_texts(small, "EXT_SOURCE_1", "AGE_YEARS", "fr")
    assert "Chaque point est un client" in text and "tend nettement à augmenter" in text
    assert "1 client sans l'une des deux valeurs est écarté" in text
    large = CrossView(10_000, None, ([0.5], [1.0], [[10_000]]), (None, 2.0), 10_000, (0.5, 1.0), -0.05)
    figure = cross_figure(large, "EXT_SOURCE_1", "AGE_YEARS", "en")
    assert [trace["type"] for trace in figure["data"]] == ["heatmap"]  # client without x: no star
    text = cross_texts(large, "EXT_SOURCE_1", "AGE_YEARS", "en")
    assert "Each point" not in text and "colour of each square" in text and "no clear trend" in text
    table = cross_table(large, "EXT_SOURCE_1", "AGE_YEARS", "en")
    cells = [c.children for c in walk(table) if type(c).__name__ in ("Td", "Th")]
    assert "Group median" in cells and "10,000" not in cells[3:]  # the head-count is in the caption, not a column


def test_importance_chart_is_sorted_by_family_share_and_labelled():
    importance = np.arange(len(FEATURES), dtype=float)
    chart = importance_chart(importance, FEATURES, "fr", top=5)
    widths = [float(b.style["width"].rstrip("%")) for b in by_class(chart, "wf-bar")]
    assert widths == sorted(widths, reverse=True) and widths[0] == 100 and len(widths) == 5
    labels = [label.children for label in by_class(chart, "wf-label")]
    shares = {}
    for name, value in zip(FEATURES, importance, strict=True):
        shares[family_of(name)] = shares.get(family_of(name), 0) + value
    first = max(shares, key=shares.get)
    assert labels[0] == language("fr")._(next(f.label for f in FAMILIES if f.key == first))
    assert all(v.children.endswith("%") for v in by_class(chart, "wf-value"))


def test_a_charts_parts_carry_the_ids_callbacks_name_them_by():
    """``ChartIds`` is the one spelling of a chart's sub-ids: the figure built by ``chart_figure`` has exactly those."""
    part = ChartIds("some-chart")
    built = {getattr(c, "id", None) for c in walk(chart_figure("some-chart", "Title", "fr", []))} - {None}
    named = {part.figure, part.title, part.img, part.caption, part.data, part.summary, part.table}
    assert built == named and len(named) == 7
    assert {component for component, _ in caption_outputs("k", "some-chart").values()} == {part.caption, part.figure}


@pytest.mark.parametrize(
    "component_id",
    [{"type": "whatif-field", "field": "AMT_CREDIT"}, {"field": "DAYS_BIRTH", "type": "app-field", "n": 2}, "whatif-submit"],
)
def test_an_id_is_spelt_as_the_dom_holds_it(component_id):
    assert dom_id(component_id) == stringify_id(component_id)
    assert " " not in dom_id(component_id)  # one token of an aria-describedby list


@pytest.mark.parametrize("control_id", ["whatif-amt-credit", {"type": "whatif-field", "field": "AMT_CREDIT"}])
def test_a_form_fields_label_help_and_error_point_at_its_input_in_the_dom(control_id):
    control = field_control(control_id, "AMT_CREDIT", "fr", help_text="Aide")
    label, box, help_text, error = control.children
    assert box.id == control_id
    assert label.html_for == help_text.to_plotly_json()["props"]["data-describes"] == dom_id(control_id)
    assert error.to_plotly_json()["props"]["data-error-for"] == dom_id(control_id)
    assert (help_text.id, error.id) == (companion_id(control_id, "help"), companion_id(control_id, "error"))
    if isinstance(control_id, str):  # the ids the page has today
        assert (help_text.id, error.id) == ("whatif-amt-credit-help", "whatif-amt-credit-error")
    else:  # a pattern-matching id: one pattern on the type reaches every field's error
        assert error.id == {"type": "whatif-field-error", "field": "AMT_CREDIT"}
