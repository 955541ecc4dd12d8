"""Raw per-draw scores -> means, 95% intervals and the per-method entries of results.json."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from veille import models, scenario, stats
from veille.context import Measurements, Representation
from veille.selection import METHODS


def mean_ci(values: list[float], ratio: float | None = None) -> tuple[float, float | None]:
    mean, half = stats.mean_ci95(values, ratio)
    # A single draw has no interval: None (JSON null), never NaN (not valid JSON).
    return round(mean, 4), (None if math.isnan(half) else round(half, 4))


def curve_summary(curve: dict) -> dict:
    out = {}
    for k, v in sorted(curve.items(), key=lambda kv: int(kv[0])):
        f1_mean, f1_ci = mean_ci(v["macro_f1"])
        acc_mean, acc_ci = mean_ci(v["accuracy"])
        out[k] = {
            "macro_f1_mean": f1_mean,
            "macro_f1_ci95": f1_ci,
            "accuracy_mean": acc_mean,
            "accuracy_ci95": acc_ci,
            "n_draws": len(v["macro_f1"]),
            "macro_f1": v["macro_f1"],
            "draws": v.get("draws", list(range(len(v["macro_f1"])))),
        }
        if "chosen_c" in v:
            out[k]["chosen_c"] = dict(sorted(Counter(str(c) for c in v["chosen_c"]).items()))
            out[k]["tuned"] = all(v["tuned"])
        if "by_c" in v:
            out[k]["fixed_c_sensitivity"] = {c: round(float(np.mean(s)), 4) for c, s in v["by_c"].items()}
    return out


def cv_summary(cv: dict, ratio: float) -> dict:
    f1_mean, f1_ci = mean_ci(cv["macro_f1"], ratio)
    acc_mean, acc_ci = mean_ci(cv["accuracy"], ratio)
    return {
        "macro_f1_mean": f1_mean,
        "macro_f1_ci95": f1_ci,
        "accuracy_mean": acc_mean,
        "accuracy_ci95": acc_ci,
        "macro_f1": cv["macro_f1"],
        "chosen_c": dict(sorted(Counter(str(c) for c in cv["chosen_c"]).items())),
    }


def scenario_summary(raw: dict, draws: list[scenario.ScenarioDraw]) -> dict:
    out = {}
    for k, v in sorted(raw.items(), key=lambda kv: int(kv[0])):
        f1_mean, f1_ci = mean_ci(v["macro_f1"])
        new_mean, new_ci = mean_ci(v["new_class_f1"])
        out[k] = {
            "macro_f1_mean": f1_mean,
            "macro_f1_ci95": f1_ci,
            "new_class_f1_mean": new_mean,
            "new_class_f1_ci95": new_ci,
            "n_draws": len(v["macro_f1"]),
            "macro_f1": v["macro_f1"],
            "new_class_f1": v["new_class_f1"],
            "draws": v["draws"],
            "new_classes": [draws[d].new_class for d in v["draws"]],
            "chosen_c": dict(sorted(Counter(str(c) for c in v["chosen_c"]).items())),
            "tuned": all(v["tuned"]),
        }
    return out


def cost_fields(cost: dict | None) -> dict:
    if not cost:
        return {"seconds_per_1000_docs": None, "peak_rss_mb": None, "model_size_mb": None, "train_seconds": None}
    return {
        "seconds_per_1000_docs": cost["seconds_per_1000_docs"],
        "latency_ms_median": cost["latency_ms_median"],
        "latency_ms_p95": cost["latency_ms_p95"],
        "load_seconds": cost["load_seconds"],
        "train_seconds": cost["train_seconds"],
        "peak_rss_mb": cost["process_peak_rss_mb"],
        "model_size_mb": cost["model_size_mb"],
        "installed_mb": cost["footprint"]["installed_mb"],
        "needs_torch": cost["footprint"]["needs_torch"],
    }


def grid_edges(entries: list[dict], primary: str) -> dict:
    """Per method: how often the full-data CV chose the top or the bottom of its grid (inside = 0)."""
    out = {}
    for e in entries:
        if e["variant"] != primary or "c_grid" not in e:
            continue
        chosen = e["cv"]["chosen_c"]
        total = sum(chosen.values())
        grid = e["c_grid"]
        out[e["method"]] = {
            "top": sum(v for c, v in chosen.items() if float(c) == max(grid)),
            "bottom": sum(v for c, v in chosen.items() if float(c) == min(grid)),
            "n": total,
            "grid": grid,
        }
    return out


def method_entry(rep: Representation, m: Measurements, grid: tuple[float, ...], primary: str, ratio: float) -> dict:
    """The results.json entry of one method on one input variant."""
    raw_cv = m.cv[("cv", rep.method, rep.variant)]
    cv = cv_summary(raw_cv, ratio)
    on_primary = rep.variant == primary
    entry = {
        "method": rep.method,
        **METHODS[rep.method],
        **models.CARDS.get(rep.method, {}),
        "variant": rep.variant,
        "task": "classification+clustering" if rep.unsupervised is not None else "classification",
        **{k: v for k, v in cv.items() if k not in ("macro_f1", "chosen_c")},
        "cv": {"macro_f1": cv["macro_f1"], "accuracy": raw_cv["accuracy"], "chosen_c": cv["chosen_c"]},
        "c_grid": list(grid),
        "confusion_matrix": raw_cv["confusion_matrix"],
        "learning_curve": curve_summary(m.curve[rep.method]) if on_primary else {},
        "scenario": scenario_summary(m.scenario[rep.method], m.scenario_draws) if on_primary else {},
        "p_values": {},
        **cost_fields(m.costs.get(rep.method)),
    }
    grouped = m.cv.get(("cv_grouped", rep.method, rep.variant))
    if grouped:
        entry["cv_grouped"] = cv_summary(grouped, ratio)
    entry.update(_clustering_fields(m.clusters.get((rep.method, rep.variant))))
    if rep.method == "model2vec_logreg":
        entry["distill_seconds"] = rep.meta["distillation"]["distill_seconds"]
    return entry


def _clustering_fields(cl: dict | None) -> dict:
    if not cl:
        return {"ari_mean": None, "ari_ci95": None, "nmi_mean": None, "nmi_ci95": None}
    ari_mean, ari_ci = mean_ci(cl["ari"])
    nmi_mean, nmi_ci = mean_ci(cl["nmi"])
    out = {"ari_mean": ari_mean, "ari_ci95": ari_ci, "nmi_mean": nmi_mean, "nmi_ci95": nmi_ci, "clustering": cl}
    if "tsne_kmeans" in cl:
        out["tsne_kmeans_ari_mean"] = round(float(np.mean(cl["tsne_kmeans"]["ari"])), 4)
    return out


def zero_shot_entry(method: str, zs: dict, costs: dict, primary: str) -> dict:
    """The results.json entry of a zero-shot method (no labels: no CV, scored on the curve's test sets)."""
    scores = zs["all_docs"]
    f1_all = float(np.mean([v["f1"] for v in scores["per_class"].values()]))
    return {
        "method": method,
        **METHODS[method],
        "variant": primary,
        "task": "zero-shot classification",
        "macro_f1_mean": None,
        "macro_f1_ci95": None,
        "accuracy_mean": None,
        "ari_mean": None,
        "zero_shot_macro_f1_all_docs": round(f1_all, 4),
        "learning_curve": curve_summary(zs["curve"]),
        "scenario": {},
        "class_errors": scores,
        "prompts": zs["prompts"],
        "p_values": {},
        **cost_fields(costs.get("e5_logreg" if method == "zeroshot_e5" else "minilm_logreg")),
        "train_seconds": 0.0,
    }
