"""The note's and slides' figures as accessible SVG (title, description, a French text alternative each)."""

from __future__ import annotations

import math
from html import escape

from veille.results_view import FROZEN, Results, fr

# Drawn style of each method in the figures: colour (Okabe-Ito, 3:1 on white), dash and marker shape,
# so that the lines are told apart without colour.
STYLE = {
    "tfidf_logreg": ("#D55E00", "", "circle"),
    "minilm_logreg": ("#0072B2", "8 4", "square"),
    "model2vec_logreg": ("#009E73", "2 4", "diamond"),
    "e5_logreg": ("#000000", "12 4 2 4", "triangle"),
    "setfit_minilm": ("#CC79A7", "", "cross"),
    "tfidf_char_svm": ("#E69F00", "6 3", "cross"),
}


def _legend_entry(lx: float, y: float, colour: str, dash_attr: str, shape: str, label: str) -> str:
    """One legend row of a line chart: a stroke in the series' style, its marker, its label."""
    return (
        f'<line x1="{lx}" x2="{lx + 34}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
        + _marker(shape, lx + 17, y - 4, colour)
        + f'<text x="{lx + 42}" y="{y}">{escape(label)}</text>'
    )


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == "diamond":
        points = f"{x:.1f},{y - 5.5:.1f} {x + 5.5:.1f},{y:.1f} {x:.1f},{y + 5.5:.1f} {x - 5.5:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "triangle":
        points = f"{x:.1f},{y - 5.5:.1f} {x + 5.5:.1f},{y + 4.5:.1f} {x - 5.5:.1f},{y + 4.5:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "cross":
        return (
            f'<path d="M{x - 5:.1f},{y - 5:.1f}L{x + 5:.1f},{y + 5:.1f}M{x - 5:.1f},{y + 5:.1f}L{x + 5:.1f},{y - 5:.1f}" '
            f'stroke="{colour}" stroke-width="2.5"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>'


def _y_title(text: str, top: float, bottom: float) -> str:
    mid = (top + bottom) / 2
    return f'<text x="14" y="{mid:.1f}" text-anchor="middle" transform="rotate(-90 14 {mid:.1f})">{escape(text)}</text>'


def _svg_open(width: int, height: int, title: str, desc: str, ident: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="13">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        f'<rect width="{width}" height="{height}" fill="white"/>'
    )


def learning_curve_alt(res: Results) -> str:
    """French text alternative of the learning-curve figure: every plotted value, in words."""
    parts = []
    for method in (*FROZEN, "setfit_minilm"):
        if not res.has(method):
            continue
        points = [f"{k} : {fr(res.curve(method, k)['macro_f1_mean'])}" for k in res.shots() if res.curve(method, k)]
        parts.append(f"{res.label(method)} ({', '.join(points)})")
    floor = res.best_zero_shot()
    text = "Macro-F1 moyen selon le nombre d'exemples étiquetés par classe. " + " ; ".join(parts) + "."
    if floor:
        text += f" Plancher, {res.label(floor)} : {fr(res.zero_shot(floor)['macro_f1_mean'])}."
    return text


def svg_learning_curve(res: Results, width: int = 780, height: int = 400, ident: str = "courbe") -> str:
    """Self-contained SVG (the slides and the note open offline, without plotly)."""
    shots = res.shots()
    left, right, top, bottom = 60, 230, 20, 55
    lo = 0.3
    xs = {k: left + i * (width - left - right) / max(1, len(shots) - 1) for i, k in enumerate(shots)}

    def y(v: float) -> float:
        return top + (1 - (max(lo, min(1.0, v)) - lo) / (1 - lo)) * (height - top - bottom)

    parts = [_svg_open(width, height, "Courbe d'apprentissage (macro-F1)", learning_curve_alt(res), ident)]
    for tick in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">{fr(tick, 1)}</text>'
        )
    parts.append(_y_title("macro-F1 moyen", top, height - bottom))
    for k in shots:
        parts.append(f'<text x="{xs[k]:.1f}" y="{height - bottom + 20}" text-anchor="middle">{k}</text>')
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 12}" text-anchor="middle">'
        "exemples étiquetés par classe (échelle logarithmique)</text>"
    )
    floor = res.best_zero_shot()
    if floor:
        fy = y(res.zero_shot(floor)["macro_f1_mean"])
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{fy:.1f}" y2="{fy:.1f}" '
            'stroke="#555" stroke-dasharray="1 3" stroke-width="2"/>'
            f'<text x="{width - right - 6}" y="{fy + 16:.1f}" text-anchor="end" fill="#333">'
            f"plancher : {escape(res.label(floor))}</text>"
        )
    legend_y = top + 10
    for method in (*FROZEN, "setfit_minilm"):
        if not res.has(method):
            continue
        colour, dash, shape = STYLE[method]
        pts = [
            (xs[k], y(res.curve(method, k)["macro_f1_mean"]), res.curve(method, k)) for k in shots if res.curve(method, k)
        ]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(pts) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>')
        for px, py, v in pts:
            half = v["macro_f1_ci95"] or 0
            parts.append(
                f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{y(v["macro_f1_mean"] - half):.1f}" '
                f'y2="{y(v["macro_f1_mean"] + half):.1f}" stroke="{colour}"/>' + _marker(shape, px, py, colour)
            )
        parts.append(_legend_entry(width - right + 15, legend_y, colour, dash_attr, shape, res.label(method)))
        legend_y += 24
    parts.append("</svg>")
    return "".join(parts)


def cost_quality_alt(res: Results) -> str:
    items = [
        f"{res.label(e['method'])} : {fr(e['seconds_per_1000_docs'], 2)} s pour 1 000 documents, "
        f"macro-F1 {fr(e['macro_f1_mean'])}"
        for e in res.frozen()
    ]
    return "Qualité (macro-F1, toutes étiquettes) selon le temps d'encodage de 1 000 documents. " + " ; ".join(items) + "."


def svg_cost_quality(res: Results, width: int = 780, height: int = 360, ident: str = "cout") -> str:
    """Macro-F1 (all labels) against encoding time per 1,000 documents, log scale."""
    entries = [e for e in res.frozen() if e["seconds_per_1000_docs"]]
    left, right, top, bottom = 60, 40, 20, 55
    times = [e["seconds_per_1000_docs"] for e in entries]
    lo_t, hi_t = math.log10(min(times)) - 0.3, math.log10(max(times)) + 0.3
    f1s = [e["macro_f1_mean"] for e in entries]
    lo_f, hi_f = math.floor(min(f1s) * 50 - 1) / 50, min(1.0, math.ceil(max(f1s) * 50 + 1) / 50)

    def x(t: float) -> float:
        return left + (math.log10(t) - lo_t) / (hi_t - lo_t) * (width - left - right)

    def y(v: float) -> float:
        v = max(lo_f, min(hi_f, v))  # interval bars are cut at the frame
        return top + (1 - (v - lo_f) / (hi_f - lo_f)) * (height - top - bottom)

    parts = [_svg_open(width, height, "Qualité et coût d'encodage", cost_quality_alt(res), ident)]
    tick = lo_f
    while tick <= hi_f + 1e-9:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">{fr(tick, 2)}</text>'
        )
        tick += 0.02
    parts.append(_y_title("macro-F1 (validation croisée)", top, height - bottom))
    for power in range(math.ceil(lo_t), math.floor(hi_t) + 1):
        parts.append(
            f'<line x1="{x(10**power):.1f}" x2="{x(10**power):.1f}" y1="{top}" y2="{height - bottom}" stroke="#eee"/>'
            f'<text x="{x(10**power):.1f}" y="{height - bottom + 18}" text-anchor="middle">'
            f"{fr(10.0**power, max(0, -power))}</text>"
        )
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 12}" text-anchor="middle">'
        "secondes pour encoder 1 000 documents (échelle logarithmique)</text>"
    )
    placed: list[tuple[float, float]] = []  # label anchors already used: nearby labels are moved down
    for e in entries:
        colour, _, shape = STYLE[e["method"]]
        px, py = x(e["seconds_per_1000_docs"]), y(e["macro_f1_mean"])
        ly = py - 8
        while any(abs(ly - qy) < 24 and abs(px - qx) < 160 for qx, qy in placed):
            ly += 16
        placed.append((px, ly))
        half = e["macro_f1_ci95"] or 0
        parts.append(
            f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{y(e["macro_f1_mean"] - half):.1f}" '
            f'y2="{y(e["macro_f1_mean"] + half):.1f}" stroke="{colour}"/>'
            + _marker(shape, px, py, colour)
            + (
                f'<text x="{px - 9:.1f}" y="{ly:.1f}" text-anchor="end">{escape(res.label(e["method"]))}</text>'
                if px > width * 0.6
                else f'<text x="{px + 9:.1f}" y="{ly:.1f}">{escape(res.label(e["method"]))}</text>'
            )
        )
    parts.append("</svg>")
    return "".join(parts)


# --- documents -----------------------------------------------------------------------------------


def label_budget_alt(res: Results) -> str:
    """French text alternative of the label-budget figure: every plotted value, in words."""
    rate = res.meta["assumptions"]["labels_per_hour"]
    parts = []
    for method in res.scenario_methods():
        points = [
            f"{k} étiquettes : {fr(res.scen(method, k)['new_class_f1_mean'], 2)}"
            for k in res.scenario_shots()
            if res.scen(method, k)
        ]
        parts.append(f"{res.label(method)} ({', '.join(points)})")
    return (
        f"F1 moyen sur la nouvelle catégorie selon le nombre d'étiquettes de cette catégorie "
        f"(à {fr(int(rate))} étiquettes par heure d'analyste). " + " ; ".join(parts) + "."
    )


def svg_label_budget(res: Results, width: int = 780, height: int = 400, ident: str = "budget") -> str:
    """F1 on the new category against annotator time (log scale in labels), one line per method."""
    shots = res.scenario_shots()
    rate = res.meta["assumptions"]["labels_per_hour"]
    left, right, top, bottom = 75, 250, 20, 60
    xs = {k: left + i * (width - left - right) / max(1, len(shots) - 1) for i, k in enumerate(shots)}

    def y(v: float) -> float:
        return top + (1 - max(0.0, min(1.0, v))) * (height - top - bottom)

    parts = [_svg_open(width, height, "Budget d'étiquetage : F1 sur la nouvelle catégorie", label_budget_alt(res), ident)]
    for tick in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">{fr(tick, 1)}</text>'
        )
    mid = (top + height - bottom) / 2
    parts.append(
        f'<text x="16" y="{mid:.1f}" text-anchor="middle" transform="rotate(-90 16 {mid:.1f})">'
        "F1 sur la nouvelle catégorie</text>"
    )
    for k in shots:
        minutes = 60 * k / rate
        parts.append(
            f'<text x="{xs[k]:.1f}" y="{height - bottom + 18}" text-anchor="middle">{k}</text>'
            f'<text x="{xs[k]:.1f}" y="{height - bottom + 34}" text-anchor="middle" fill="#333">{fr(minutes, 0)} min</text>'
        )
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 6}" text-anchor="middle">'
        "étiquettes de la nouvelle catégorie (et temps d'analyste)</text>"
    )
    legend_y = top + 10
    for method in res.scenario_methods():
        colour, dash, shape = STYLE[method]
        pts = [(xs[k], y(res.scen(method, k)["new_class_f1_mean"])) for k in shots if res.scen(method, k)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(pts) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>')
        parts.extend(_marker(shape, px, py, colour) for px, py in pts)
        parts.append(_legend_entry(width - right + 15, legend_y, colour, dash_attr, shape, res.label(method)))
        legend_y += 24
    parts.append("</svg>")
    return "".join(parts)
