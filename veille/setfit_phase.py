"""SetFit: few-shot training on the learning-curve draws, its bounded cost probe, and its results entry."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from veille import evaluation, models
from veille.cache import cache_key, texts_digest
from veille.config import RunConfig
from veille.context import RunContext
from veille.isolation import run_isolated
from veille.methods import minilm, setfit_fewshot
from veille.selection import METHODS
from veille.summaries import cost_fields, curve_summary

PAPER_PAIR_ITERATIONS = 20  # R = 20 in Tunstall et al. (2022), setfit's pre-1.0 default


def run_setfit(ctx: RunContext, draws: list[evaluation.CurveDraw]) -> dict:
    """SetFit on the primary variant, at the configured shots, on the first draws of the learning curve.

    Its logistic head is refitted with C chosen by the run's rule, the tuning every other method gets;
    the default head's scores (C = 1) are kept beside for comparison.
    """
    settings = ctx.cfg.setfit
    # Draw by draw, so an interrupted run already has complete draws for every size (all cached).
    jobs = [(k, d) for d in range(min(settings.draws, len(draws))) for k in settings.shots if k in draws[d].train]
    results: dict[str, dict] = {}
    model_dir = None
    for k, d in jobs:
        # The first run keeps its trained model: its size on disk and the latency probe need one.
        out = _train_one(ctx, draws[d], k, d, keep_model=model_dir is None)
        if model_dir is None and out.get("model_dir") and Path(out["model_dir"]).is_dir():
            model_dir = out["model_dir"]
        _record(results.setdefault(str(k), _empty_entry()), out, ctx.y, draws[d], k, d)
    return {"curve": results, "model_dir": model_dir}


def _train_one(ctx: RunContext, draw: evaluation.CurveDraw, k: int, d: int, keep_model: bool) -> dict:
    """One SetFit training and prediction on draw `d` at `k` per class, cached."""
    cfg, y, settings = ctx.cfg, ctx.y, ctx.cfg.setfit
    texts = ctx.data.variants[ctx.primary]
    train = draw.train[k]
    train_texts = [texts[i] for i in train]
    test_texts = [texts[i] for i in draw.test]
    params = {
        "model": minilm.model_id(),
        "setfit": setfit_fewshot.version(),
        # Training hyper-parameters only: changing the number of shots or draws keeps finished runs.
        "settings": {k: v for k, v in settings.__dict__.items() if k not in ("shots", "draws")},
        "labels": texts_digest([str(v) for v in y[train]]),
        "seed": cfg.seed + d,
        "head_rule": ctx.rule,
        "code": ctx.code.setfit,
    }
    key = cache_key("setfit", params, train_texts + ["\x00test\x00"] + test_texts)
    save_to = ctx.cache.model_dir(key + "-model") if keep_model else None

    def compute():
        ctx.log.echo(f"SetFit training: {k} per class, draw {d} ({len(train_texts)} examples)")
        out, process = run_isolated(
            setfit_fewshot.train_and_predict,
            minilm.model_path(),
            train_texts,
            [str(v) for v in y[train]],
            test_texts,
            settings,
            seed=cfg.seed + d,
            save_to=save_to,
            head_rule=ctx.rule,
        )
        return {**out, **process, "model_dir": str(save_to) if save_to else None}

    out, hit = ctx.cache.json(key, compute)
    ctx.log.count(hit)
    return out


def _empty_entry() -> dict:
    keys = ("macro_f1", "accuracy", "default_head_macro_f1", "chosen_c", "tuned", "train_seconds", "peak_rss_mb", "draws")
    return {**{k: [] for k in keys}, "model_size_mb": None}


def _record(entry: dict, out: dict, y: np.ndarray, draw: evaluation.CurveDraw, k: int, d: int) -> None:
    """Append one draw's scores and costs to the entry of its size."""
    from sklearn.metrics import accuracy_score, f1_score

    test, pred = draw.test, np.asarray(out["tuned_predictions"])
    entry["macro_f1"].append(float(f1_score(y[test], pred, average="macro")))
    entry["default_head_macro_f1"].append(float(f1_score(y[test], np.asarray(out["predictions"]), average="macro")))
    entry["chosen_c"].append(out["head_c"])
    entry["tuned"].append(out["head_tuned"])
    entry["accuracy"].append(float(accuracy_score(y[test], pred)))
    entry["train_seconds"].append(out["train_seconds"])
    entry["peak_rss_mb"].append(out["process_peak_rss_mb"])
    entry["draws"].append(d)
    entry["model_size_mb"] = entry["model_size_mb"] or out.get("model_size_mb")
    entry["n_classes"] = len(set(y[draw.train[k]].tolist()))


def setfit_cost(ctx: RunContext, draws: list[evaluation.CurveDraw]) -> dict | None:
    """SetFit skipped: time a bounded training (the run's settings, `probe_steps` steps) on the first draw
    at the smallest protocol size, and extrapolate the protocol's cost. The model is not scored."""
    from dataclasses import replace

    cfg, y = ctx.cfg, ctx.y
    k = cfg.setfit.protocol_shots[0]
    if not draws or k not in draws[0].train:
        return None
    probe_steps = 10 if not cfg.quick else 2
    settings = replace(cfg.setfit, max_steps=probe_steps)
    texts = ctx.data.variants[ctx.primary]
    train = draws[0].train[k]
    train_texts = [texts[i] for i in train]
    key = cache_key(
        "setfitcost",
        {"model": minilm.model_id(), "settings": settings.__dict__, "seed": cfg.seed, "code": ctx.code.setfit},
        train_texts,
    )

    def compute():
        ctx.log.echo(f"SetFit cost probe: {probe_steps} steps at {k} per class (not scored)")
        out, process = run_isolated(
            setfit_fewshot.train_and_predict, minilm.model_path(), train_texts, [str(v) for v in y[train]],
            train_texts[:2], settings, seed=cfg.seed,
        )  # fmt: skip
        return {"train_seconds": out["train_seconds"], "peak_rss_mb": out["peak_rss_mb"], **process}

    probe, hit = ctx.cache.json(key, compute)
    ctx.log.count(hit)
    # An upper bound per step: the timed span also loads the model.
    per_step = probe["train_seconds"] / probe_steps
    n_classes = len(ctx.data.classes)
    s = cfg.setfit
    by_k = {}
    for shots in s.protocol_shots:
        steps = math.ceil(2 * s.num_iterations * shots * n_classes / s.batch_size) * s.epochs
        by_k[str(shots)] = {"steps": steps, "seconds_per_draw": round(per_step * steps, 0)}
    total = sum(v["seconds_per_draw"] for v in by_k.values()) * s.protocol_draws
    return {
        "probe_steps": probe_steps,
        "probe_shots": k,
        "train_seconds": probe["train_seconds"],
        "peak_rss_mb": probe["peak_rss_mb"],
        "seconds_per_step": round(per_step, 2),
        "shots": list(s.protocol_shots),
        "draws": s.protocol_draws,
        "by_shots": by_k,
        "total_hours": round(total / 3600, 1),
        "settings": {"num_iterations": s.num_iterations, "batch_size": s.batch_size, "max_seq_length": s.max_seq_length},
    }


def setfit_entry(setfit: dict, cfg: RunConfig, cost_results: dict, primary: str) -> dict:
    sf_curve = curve_summary(setfit["curve"])
    for k, v in setfit["curve"].items():
        sf_curve[k]["default_head_macro_f1_mean"] = round(float(np.mean(v["default_head_macro_f1"])), 4)
    train_s = [s for v in setfit["curve"].values() for s in v["train_seconds"]]
    cost = cost_fields(cost_results.get("setfit_minilm"))
    cost["train_seconds"] = round(float(np.median(train_s)), 1)
    step_cost = _setfit_step_cost(setfit["curve"], cfg, PAPER_PAIR_ITERATIONS)
    return {
        "method": "setfit_minilm",
        **METHODS["setfit_minilm"],
        **models.CARDS["setfit_minilm"],
        "variant": primary,
        "task": "few-shot classification",
        "macro_f1_mean": None,
        "macro_f1_ci95": None,
        "accuracy_mean": None,
        "ari_mean": None,
        "not_measured": "full-data CV, clustering and the one-new-category scenario (CPU budget)",
        **cost,
        "train_seconds_by_shots": {k: round(float(np.median(v["train_seconds"])), 1) for k, v in setfit["curve"].items()},
        "peak_rss_mb_training": max(m for v in setfit["curve"].values() for m in v["peak_rss_mb"]),
        "model_size_mb": next((v["model_size_mb"] for v in setfit["curve"].values() if v["model_size_mb"]), None),
        "learning_curve": sf_curve,
        "scenario": {},
        "settings": cfg.setfit.__dict__,
        # The paper's pair sampling, and as many tokens as the frozen MiniLM it is compared with.
        "paper_settings": cfg.setfit.num_iterations >= PAPER_PAIR_ITERATIONS
        and cfg.setfit.max_seq_length >= minilm.max_seq_length(minilm.model_path()),
        "full_length": cfg.setfit.max_seq_length >= minilm.max_seq_length(minilm.model_path()),
        "paper_pair_iterations": PAPER_PAIR_ITERATIONS,
        "cost_per_step": step_cost,
        "protocol_estimate": _setfit_protocol_estimate(setfit["curve"], cfg, step_cost),
        "p_values": {},
    }


def _setfit_protocol_estimate(curve: dict, cfg: RunConfig, step_cost: dict) -> dict:
    """What the paper's protocol (protocol_draws x protocol_shots per class) would cost at the measured
    seconds per optimisation step (the median over the draws run)."""
    settings = cfg.setfit
    per_step = float(np.median([v["seconds_per_step"] for v in step_cost.values()])) if step_cost else None
    n_classes = next(iter(curve.values()))["n_classes"] if curve else 0
    by_k = {}
    for k in settings.protocol_shots:
        steps = math.ceil(2 * settings.num_iterations * k * n_classes / settings.batch_size) * settings.epochs
        by_k[str(k)] = {"steps": steps, "seconds_per_draw": None if per_step is None else round(per_step * steps, 0)}
    total = None if per_step is None else sum(v["seconds_per_draw"] for v in by_k.values()) * settings.protocol_draws
    run = {k: len(v["macro_f1"]) for k, v in curve.items()}
    return {
        "shots": list(settings.protocol_shots),
        "draws": settings.protocol_draws,
        "seconds_per_step": None if per_step is None else round(per_step, 2),
        "by_shots": by_k,
        "total_hours": None if total is None else round(total / 3600, 1),
        "draws_run": run,
    }


def _setfit_step_cost(curve: dict, cfg: RunConfig, paper_iterations: int) -> dict:
    """Seconds per optimisation step (training time / steps, median) and what the paper's R would take.

    SetFit draws 2 * R pairs per training example; one step is one batch of pairs.
    """
    settings = cfg.setfit
    out = {}
    for k, v in curve.items():
        n_train = int(k) * v["n_classes"]
        steps = math.ceil(2 * settings.num_iterations * n_train / settings.batch_size) * settings.epochs
        if settings.max_steps > 0:
            steps = min(steps, settings.max_steps)
        per_step = float(np.median(v["train_seconds"])) / max(1, steps)
        paper_steps = math.ceil(2 * paper_iterations * n_train / settings.batch_size) * settings.epochs
        out[k] = {
            "steps": steps,
            "seconds_per_step": round(per_step, 2),
            "paper_steps": paper_steps,
            "paper_train_seconds_estimate": round(per_step * paper_steps, 0),
        }
    return out
