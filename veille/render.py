"""Fill the methodological note (French Markdown), the slides (offline HTML), their figures (SVG) and the
README section from results.json.

Every number in these documents comes from the results files through the templates in
veille/templates/; nothing is typed by hand (a test renders two different results files and checks
that the numbers follow). Optional siblings of results.json: `warm_rerun.json`, `quick_run.json` and
`cold_run.json` (the `meta` of a warm rerun, of a quick run and of the cold run, with the wall time of
each command and the machine's load) give the run times.
"""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"
MINUS = "\u2212"
NNBSP = "\u202f"
EMBEDDINGS = ("minilm_logreg", "model2vec_logreg", "e5_logreg")
FROZEN = ("tfidf_logreg", *EMBEDDINGS)
SCENARIO_METHODS = ("tfidf_logreg", "tfidf_char_svm", *EMBEDDINGS)
# The detailed evidence sections compare these methods by name; a run without one of them (--methods)
# renders the generic, decision-first part only.
DETAILED = ("tfidf_logreg", *EMBEDDINGS)
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


def fr(value, digits: int = 3) -> str:
    """French number: decimal comma, narrow no-break space for thousands, true minus sign; '—' if missing.

    A value that rounds to zero is written without a sign (never '-0,000').
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", NNBSP).replace("-", MINUS)
    text = f"{value:,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("-")
    return text.replace(",", NNBSP).replace(".", ",").replace("-", MINUS)


def signed(value, digits: int = 3) -> str:
    """A difference with its sign: '+0,105', '−0,012', '0,000'."""
    if value is None:
        return "—"
    text = fr(value, digits)
    return text if text.startswith(MINUS) or float(f"{value:.{digits}f}") == 0 else "+" + text


def pval(p) -> str:
    """'p < 0,001' or 'p = 0,123' (the comparison sign is part of the output)."""
    if p is None:
        return "p non calculable"
    return "p < 0,001" if p < 0.001 else f"p = {fr(p, 3)}"


def diff_ci(comp: dict | None, digits: int = 3) -> str:
    """'+0,105 [+0,072 ; +0,138]': mean difference and its 95 % interval."""
    if not comp:
        return "—"
    d, h = comp["mean_difference"], comp.get("diff_ci95")
    if h is None:
        return signed(d, digits)
    return f"{signed(d, digits)} [{signed(d - h, digits)} ; {signed(d + h, digits)}]"


def short(value) -> str:
    """A setting as written by hand: 10 rather than 10,000; 0,1 rather than 0,100."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return fr(int(value))
    return fr(float(value), 3).rstrip("0")


def ms(value) -> str:
    """Milliseconds: one decimal below 100 ms, none above."""
    return "—" if value is None else f"{fr(value, 1 if value < 100 else 0)} ms"


def approx(value) -> str:
    """A ratio to two significant figures ('about 420 times', not '424 times'); '—' if missing."""
    if value is None or value <= 0:
        return "—"
    digits = max(0, 1 - int(math.floor(math.log10(value))))
    rounded = round(value, digits)
    return fr(int(rounded)) if rounded >= 10 or digits == 0 else fr(float(rounded), digits)


def plural(n: int, one: str, many: str) -> str:
    return one if n <= 1 else many


class Results:
    """Read-only helpers over results.json for the templates."""

    def __init__(self, data: dict, warm: dict | None, quick: dict | None, cold: dict | None = None):
        self.data = data
        self.meta = data["meta"]
        self.warm = warm
        self.quick = quick
        self.cold = cold or data["meta"]
        self.cfg = self.meta["config"]
        self.primary = self.meta["primary_variant"]
        self.stripped = self.meta["stripped_variant"]
        self.variants = self.meta["variants"]
        self.second = next((v for v in self.variants if v not in (self.primary, self.stripped)), None)
        self.by = {(e["method"], e["variant"]): e for e in data["methods"]}
        self.best = self.meta["best_method"]
        self.best_embedding = self.meta["best_embedding"]

    # --- entries
    def m(self, method: str, variant: str | None = None) -> dict:
        return self.by[(method, variant or self.primary)]

    def has(self, method: str, variant: str | None = None) -> bool:
        return (method, variant or self.primary) in self.by

    def label(self, method: str) -> str:
        return self.m(method)["label_fr"]

    def frozen(self) -> list[dict]:
        return [self.m(x) for x in FROZEN if self.has(x)]

    def curve(self, method: str, k) -> dict | None:
        return self.m(method)["learning_curve"].get(str(k)) if self.has(method) else None

    def shots(self) -> list[int]:
        return sorted({int(k) for e in self.data["methods"] for k in e["learning_curve"] if int(k) > 0})

    def curve_shots(self) -> list[int]:
        return [k for k in self.shots() if self.curve("tfidf_logreg", k)]

    def test(self, task: str, a: str, b: str, shots=None, variant_a=None, variant_b=None) -> dict | None:
        va, vb = variant_a or self.primary, variant_b or variant_a or self.primary
        for c in self.data["comparisons"]:
            if (c["task"], c["a"], c["b"], c["variant_a"], c["variant_b"]) == (task, a, b, va, vb) and (
                shots is None or c.get("shots") == int(shots)
            ):
                return c
        return None

    @staticmethod
    def significant(comp: dict | None) -> bool:
        return bool(comp) and comp["p_value"] is not None and comp["p_value"] < 0.05

    @staticmethod
    def ci_excludes_zero(comp: dict | None) -> bool:
        return bool(comp) and comp.get("diff_ci95") is not None and abs(comp["mean_difference"]) > comp["diff_ci95"]

    def gap_closes_at(self, method: str) -> int | None:
        """Smallest size from which the method's lead over TF-IDF is no longer clear at any larger size."""
        sizes = self.curve_shots()
        for i, k in enumerate(sizes):
            if all(
                not (
                    self.ci_excludes_zero(c := self.test("curve", method, "tfidf_logreg", shots=j))
                    and c["mean_difference"] > 0
                )
                for j in sizes[i:]
            ):
                return k
        return None

    def setfit_shots(self) -> list[int]:
        return sorted(int(k) for k in self.m("setfit_minilm")["learning_curve"]) if self.has("setfit_minilm") else []

    def zero_shot(self, method: str) -> dict | None:
        return self.curve(method, 0) if self.has(method) else None

    def best_zero_shot(self) -> str | None:
        options = [m for m in ("zeroshot_minilm", "zeroshot_e5") if self.has(m)]
        return max(options, key=lambda m: self.zero_shot(m)["macro_f1_mean"]) if options else None

    def cost(self, method: str) -> dict | None:
        return self.data.get("costs", {}).get(method)

    def minutes(self, seconds) -> str:
        return fr(seconds / 60, 1) if seconds is not None else "—"

    def wall(self, run: dict | None) -> float | None:
        return run.get("command_wall_seconds", run.get("run_seconds")) if run else None

    def cue(self, when: str, cue: str, cls: str) -> float:
        return self.data["data"]["boilerplate"][f"cues_{when}"][cue][cls]

    def cue_overall(self, cue: str) -> float:
        """Share of all documents carrying the cue (the per-class shares weighted by class size)."""
        shares, sizes = self.data["data"]["boilerplate"]["cues_before"][cue], self.meta["classes"]
        return sum(shares[c] * n for c, n in sizes.items()) / sum(sizes.values())

    def cue_extremes(self, cue: str) -> tuple[str, str]:
        """The classes where a cue is most and least frequent (named from the data, never in a template)."""
        shares = self.data["data"]["boilerplate"]["cues_before"][cue]
        return max(shares, key=shares.get), min(shares, key=shares.get)

    # --- third edition: decision first
    @property
    def complete(self) -> bool:
        """True when every method the detailed sections name was run (a full default run)."""
        return all(self.has(m) for m in DETAILED) and self.best_embedding is not None

    @property
    def rec(self) -> dict | None:
        return self.data.get("recommendation")

    def scenario_methods(self) -> list[str]:
        return [m for m in SCENARIO_METHODS if self.has(m) and self.m(m).get("scenario")]

    def scenario_shots(self) -> list[int]:
        return sorted({int(k) for m in self.scenario_methods() for k in self.m(m)["scenario"]})

    def scen(self, method: str, k) -> dict | None:
        return self.m(method)["scenario"].get(str(k)) if self.has(method) else None

    def scenario_test(self, k, metric: str = "new_class_f1") -> dict | None:
        pairs = self.data.get("scenario_tests", {}).get("pairs", [])
        return next((t for t in pairs if t["k"] == int(k) and t["metric"] == metric), None)

    def budget(self, method: str) -> dict | None:
        return self.data.get("label_budget", {}).get(method)

    def per_million(self, method: str) -> dict | None:
        return self.m(method).get("per_million") if self.has(method) else None

    def setfit_estimate(self) -> dict | None:
        return self.m("setfit_minilm").get("protocol_estimate") if self.has("setfit_minilm") else None


# --- figures -------------------------------------------------------------------------------------


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


def _optional(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    helpers = {"fr": fr, "signed": signed, "pval": pval, "diff_ci": diff_ci, "short": short, "ms": ms, "approx": approx}
    env.filters.update(helpers)
    env.globals.update({**helpers, "plural": plural})
    return env


def render_documents(
    results: dict,
    note_path: Path,
    slides_path: Path,
    results_dir: Path | None = None,
    readme_path: Path | None = None,
) -> list[Path]:
    results_dir = results_dir or Path(".")
    res = Results(
        results,
        _optional(results_dir / "warm_rerun.json"),
        _optional(results_dir / "quick_run.json"),
        _optional(results_dir / "cold_run.json"),
    )
    env = _environment()
    # Figures beside the note, referenced by a relative path with a French alternative text.
    figures_dir = note_path.parent / "veille_results" / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    figures = {"budget": (figures_dir / "budget_etiquettes.svg", svg_label_budget(res, ident="fig-budget"))}
    if res.complete:
        figures["courbe"] = (figures_dir / "courbe_apprentissage.svg", svg_learning_curve(res, ident="fig-courbe"))
        figures["cout"] = (figures_dir / "qualite_cout.svg", svg_cost_quality(res, ident="fig-cout"))
    for path, svg in figures.values():
        path.write_text(svg, encoding="utf-8")
    context = {
        "r": res,
        "meta": res.meta,
        "cfg": res.cfg,
        "figure_paths": {k: str(p.relative_to(note_path.parent)) for k, (p, _) in figures.items()},
        "alts": {
            "budget": label_budget_alt(res),
            **({"courbe": learning_curve_alt(res), "cout": cost_quality_alt(res)} if res.complete else {}),
        },
    }
    written = [p for p, _ in figures.values()]
    note_path.parent.mkdir(parents=True, exist_ok=True)
    note_path.write_text(env.get_template("note_methodologique.md.j2").render(**context), encoding="utf-8")
    written.append(note_path)
    slides_path.parent.mkdir(parents=True, exist_ok=True)
    slides = (
        env.overlay(autoescape=True)
        .get_template("slides.html.j2")
        .render(
            **context,
            learning_curve_svg=Markup(svg_learning_curve(res, ident="s-courbe")) if res.complete else "",
            cost_svg=Markup(svg_cost_quality(res, ident="s-cout")) if res.complete else "",
            budget_svg=Markup(svg_label_budget(res, ident="s-budget")),
        )
    )
    slides_path.write_text(slides, encoding="utf-8")
    written.append(slides_path)
    if readme_path is not None:
        readme_path.parent.mkdir(parents=True, exist_ok=True)
        readme_path.write_text(env.get_template("readme_section.md.j2").render(**context), encoding="utf-8")
        written.append(readme_path)
    return written
