"""Fill the methodological note (French Markdown) and the slides (offline HTML) from results.json.

Every number in the documents comes from the results files through the templates in
veille/templates/; nothing is typed by hand. Optional siblings of results.json: `warm_rerun.json` and
`quick_run.json` (the `meta` of a warm rerun and of a quick run) and `cold_run.json` (the `meta` of the
full run with an empty cache, when results.json itself comes from a later rerun) give the run times.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"


def fr(value, digits: int = 3) -> str:
    """French number format: decimal comma, thin space as thousands separator; '—' when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", "\u202f")
    text = f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")
    return text


def pval(p) -> str:
    if p is None:
        return "—"
    return "< 0,001" if p < 0.001 else fr(p, 3)


class Results:
    """Read-only helpers over results.json for the templates."""

    def __init__(self, data: dict, warm: dict | None, quick: dict | None, cold: dict | None = None):
        self.data = data
        self.meta = data["meta"]
        self.warm = warm
        self.quick = quick
        # The cold run's own meta when results.json was rewritten by a (cached) rerun.
        self.cold = cold or data["meta"]
        self.primary = self.meta["primary_variant"]
        self.variants = self.meta["variants"]
        self.second = self.variants[1] if len(self.variants) > 1 else None
        self.by = {(e["method"], e["variant"]): e for e in data["methods"]}

    def m(self, method: str, variant: str | None = None) -> dict:
        return self.by[(method, variant or self.primary)]

    def has(self, method: str, variant: str | None = None) -> bool:
        return (method, variant or self.primary) in self.by

    def curve(self, method: str, k, variant: str | None = None) -> dict | None:
        return self.m(method, variant)["learning_curve"].get(str(k))

    def shots(self) -> list[int]:
        return sorted({int(k) for e in self.data["methods"] for k in e["learning_curve"]})

    def test(self, task: str, a: str, b: str, shots=None, variant_a=None, variant_b=None) -> dict | None:
        va, vb = variant_a or self.primary, variant_b or variant_a or self.primary
        for c in self.data["comparisons"]:
            if (c["task"], c["a"], c["b"], c["variant_a"], c["variant_b"]) == (task, a, b, va, vb) and (
                shots is None or c.get("shots") == int(shots)
            ):
                return c
        return None

    def minutes(self, seconds) -> str:
        return fr(seconds / 60, 1) if seconds is not None else "—"


def svg_learning_curve(res: Results, width: int = 760, height: int = 380) -> str:
    """Small self-contained SVG chart (the slides must open offline without plotly)."""
    colours = {
        "tfidf_logreg": "#D55E00",
        "minilm_logreg": "#0072B2",
        "model2vec_logreg": "#009E73",
        "setfit_minilm": "#CC79A7",
    }
    shots = res.shots()
    left, right, top, bottom = 60, 200, 20, 50
    lo = 0.3
    xs = {k: left + i * (width - left - right) / max(1, len(shots) - 1) for i, k in enumerate(shots)}

    def y(v: float) -> float:
        return top + (1 - (v - lo) / (1 - lo)) * (height - top - bottom)

    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="Learning curve" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="13">'
    ]
    for tick in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">{fr(tick, 1)}</text>'
        )
    for k in shots:
        parts.append(f'<text x="{xs[k]:.1f}" y="{height - bottom + 20}" text-anchor="middle">{k}</text>')
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 8}" text-anchor="middle">exemples étiquetés par classe</text>'
    )
    legend_y = top + 10
    for e in res.data["methods"]:
        if e["variant"] != res.primary:
            continue
        pts = [
            (xs[int(k)], y(v["macro_f1_mean"]), v) for k, v in sorted(e["learning_curve"].items(), key=lambda kv: int(kv[0]))
        ]
        colour = colours.get(e["method"], "#000")
        dash = ' stroke-dasharray="6 4"' if e["method"] == "setfit_minilm" else ""
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>')
        for px, py, v in pts:
            half = v["macro_f1_ci95"] or 0
            parts.append(
                f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{y(max(lo, v["macro_f1_mean"] - half)):.1f}" '
                f'y2="{y(min(1.0, v["macro_f1_mean"] + half)):.1f}" stroke="{colour}"/>'
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}"/>'
            )
        parts.append(
            f'<rect x="{width - right + 15}" y="{legend_y - 10}" width="14" height="4" fill="{colour}"/>'
            f'<text x="{width - right + 35}" y="{legend_y - 5}">{e["label"]}</text>'
        )
        legend_y += 24
    parts.append("</svg>")
    return "".join(parts)


def _optional(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def render_documents(results: dict, note_path: Path, slides_path: Path, results_dir: Path | None = None) -> list[Path]:
    results_dir = results_dir or Path(".")
    res = Results(
        results,
        _optional(results_dir / "warm_rerun.json"),
        _optional(results_dir / "quick_run.json"),
        _optional(results_dir / "cold_run.json"),
    )
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["fr"] = fr
    env.filters["pval"] = pval
    context = {"r": res, "meta": res.meta, "fr": fr, "pval": pval}
    note_path.parent.mkdir(parents=True, exist_ok=True)
    note_path.write_text(env.get_template("note_methodologique.md.j2").render(**context), encoding="utf-8")
    slides_path.parent.mkdir(parents=True, exist_ok=True)
    slides_env = env.overlay(autoescape=True)
    slides = slides_env.get_template("slides.html.j2").render(**context, learning_curve_svg=Markup(svg_learning_curve(res)))
    slides_path.write_text(slides, encoding="utf-8")
    return [note_path, slides_path]
