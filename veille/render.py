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
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from veille.results_view import Results, approx, diff_ci, fr, ms, plural, pval, short, signed
from veille.svg_figures import (
    cost_quality_alt,
    label_budget_alt,
    learning_curve_alt,
    svg_cost_quality,
    svg_label_budget,
    svg_learning_curve,
)

TEMPLATES = Path(__file__).parent / "templates"


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
