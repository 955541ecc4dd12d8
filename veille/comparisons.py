"""Paired tests between methods: CV splits, learning-curve draws and the one-new-category scenario."""

from __future__ import annotations

import math

import numpy as np

from veille import decision, stats
from veille.selection import FROZEN
from veille.summaries import mean_ci

CV_PAIRS = [
    ("tfidf_char_svm", "tfidf_logreg"),
    ("e5_logreg", "tfidf_char_svm"),
    ("minilm_logreg", "tfidf_logreg"),
    ("model2vec_logreg", "tfidf_logreg"),
    ("e5_logreg", "tfidf_logreg"),
    ("e5_logreg", "minilm_logreg"),
    ("minilm_logreg", "model2vec_logreg"),
]


CURVE_PAIRS = [
    ("tfidf_char_svm", "tfidf_logreg"),
    ("e5_logreg", "tfidf_char_svm"),
    ("minilm_logreg", "tfidf_logreg"),
    ("model2vec_logreg", "tfidf_logreg"),
    ("e5_logreg", "tfidf_logreg"),
    ("e5_logreg", "minilm_logreg"),
    ("setfit_minilm", "minilm_logreg"),
    ("setfit_minilm", "tfidf_logreg"),
    ("setfit_minilm", "e5_logreg"),
]


def paired_tests(entries: list[dict], primary: str, variants: list[str], stripped: str, ratio: float) -> list[dict]:
    """Paired tests: corrected resampled t-test on CV splits; paired t-test on learning-curve draws.

    Every test also gives the 95% interval of the mean difference, so that a gap is read with its
    uncertainty and not through a p-value alone.
    """
    by = {(e["method"], e["variant"]): e for e in entries}
    out = []
    for variant in [*variants, stripped]:
        for a, b in CV_PAIRS:
            if (a, variant) in by and (b, variant) in by:
                out.append(
                    _cv_test(
                        "cv",
                        by[(a, variant)],
                        by[(b, variant)],
                        by[(a, variant)]["cv"]["macro_f1"],
                        by[(b, variant)]["cv"]["macro_f1"],
                        ratio,
                    )
                )
    for a, b in CV_PAIRS:  # near-duplicates grouped (primary variant)
        ea, eb = by.get((a, primary)), by.get((b, primary))
        if ea and eb and "cv_grouped" in ea and "cv_grouped" in eb:
            out.append(_cv_test("cv_grouped", ea, eb, ea["cv_grouped"]["macro_f1"], eb["cv_grouped"]["macro_f1"], ratio))
    # the same method on another input (same splits): does the name help, what do formulas give?
    for method in FROZEN:
        for other in [*variants[1:], stripped]:
            if (method, other) in by:
                ea, eb = by[(method, other)], by[(method, primary)]
                out.append(_cv_test("cv", ea, eb, ea["cv"]["macro_f1"], eb["cv"]["macro_f1"], ratio))

    for a, b in CURVE_PAIRS:
        if (a, primary) not in by or (b, primary) not in by:
            continue
        ca, cb = by[(a, primary)]["learning_curve"], by[(b, primary)]["learning_curve"]
        for k, va in ca.items():
            if k not in cb:
                continue
            # Matched draws: a method run on fewer draws (SetFit) is compared on exactly those draws.
            index_b = {d: i for i, d in enumerate(cb[k]["draws"])}
            pairs = [
                (s, cb[k]["macro_f1"][index_b[d]]) for s, d in zip(va["macro_f1"], va["draws"], strict=True) if d in index_b
            ]
            if not pairs:
                continue
            sa, sb = [p[0] for p in pairs], [p[1] for p in pairs]
            # A single draw (quick run) still gives the matched means, but no test.
            t, p = stats.paired_ttest(sa, sb) if len(pairs) > 1 else (math.nan, None)
            diff_mean, diff_ci = mean_ci([u - v for u, v in pairs])
            out.append(
                {
                    "task": "curve",
                    "shots": int(k),
                    "a": a,
                    "b": b,
                    "variant_a": primary,
                    "variant_b": primary,
                    "metric": "macro_f1",
                    "test": "paired t-test over draws (uncorrected)",
                    "mean_a": round(float(np.mean(sa)), 4),
                    "mean_b": round(float(np.mean(sb)), 4),
                    "mean_difference": diff_mean,
                    "diff_ci95": diff_ci,
                    "n": len(sa),
                    "draws": [d for d in va["draws"] if d in index_b],
                    "t": None if math.isnan(t) else round(t, 3),
                    "p_value": None if p is None else round(p, 5),
                }
            )
    return out


def _cv_test(task: str, ea: dict, eb: dict, sa: list[float], sb: list[float], ratio: float) -> dict:
    t, p = stats.corrected_resampled_ttest(sa, sb, ratio)
    diff_mean, diff_ci = mean_ci([u - v for u, v in zip(sa, sb, strict=True)], ratio)
    return {
        "task": task,
        "shots": None,
        "a": ea["method"],
        "b": eb["method"],
        "variant_a": ea["variant"],
        "variant_b": eb["variant"],
        "metric": "macro_f1",
        "test": "corrected resampled t-test (Nadeau & Bengio 2003)",
        "mean_a": round(float(np.mean(sa)), 4),
        "mean_b": round(float(np.mean(sb)), 4),
        "mean_difference": diff_mean,
        "diff_ci95": diff_ci,
        "n": len(sa),
        "t": round(t, 3),
        "p_value": round(p, 5),
    }


def attach_p_values(entries: list[dict], comparisons: list[dict]) -> None:
    """Each entry lists the p-values of the tests it takes part in, keyed by task and opponent."""
    for comp in comparisons:
        suffix = "" if comp.get("shots") is None else f"@{comp['shots']}"
        sides = [
            (comp["a"], comp["variant_a"], comp["b"], comp["variant_b"]),
            (comp["b"], comp["variant_b"], comp["a"], comp["variant_a"]),
        ]
        for method, variant, other, other_variant in sides:
            for e in entries:
                if e["method"] == method and e["variant"] == variant:
                    name = other if other_variant == variant else f"{other}[{other_variant}]"
                    e["p_values"][f"{comp['task']}{suffix} vs {name}"] = comp["p_value"]


def scenario_comparisons(scenarios: dict, recommendation: dict | None, classic: str, a: decision.Assumptions) -> dict:
    """Recommended method vs the best classic one in the scenario, per k: paired t-test over draws (with
    Holm's adjustment over the k tested) and TOST equivalence at the stated margin."""
    if not recommendation or recommendation["method"] == classic or classic not in scenarios:
        return {"pairs": [], "family_size": 0, "margin": a.equivalence_margin}
    mine, theirs = scenarios[recommendation["method"]], scenarios[classic]
    rows = []
    for k in sorted(mine, key=int):
        if k not in theirs:
            continue
        for metric in ("new_class_f1", "macro_f1"):
            d = [u - v for u, v in zip(mine[k][metric], theirs[k][metric], strict=True)]
            mean, half = mean_ci(d)
            t, p = stats.paired_ttest(mine[k][metric], theirs[k][metric]) if len(d) > 1 else (math.nan, None)
            eq = stats.tost(d, a.equivalence_margin) if len(d) > 1 else {"p_value": None, "ci90": None, "equivalent": None}
            rows.append(
                {
                    "k": int(k),
                    "metric": metric,
                    "a": recommendation["method"],
                    "b": classic,
                    "mean_difference": mean,
                    "diff_ci95": half,
                    "n": len(d),
                    "p_value": None if p is None else round(p, 5),
                    "tost_p_value": None if eq["p_value"] is None else round(eq["p_value"], 5),
                    "tost_ci90": None if eq["ci90"] is None else [round(v, 4) for v in eq["ci90"]],
                    "equivalent": eq["equivalent"],
                }
            )
    adjusted = stats.holm([r["p_value"] for r in rows])
    for r, adj in zip(rows, adjusted, strict=True):
        r["p_holm"] = None if adj is None else round(adj, 5)
    return {"pairs": rows, "family_size": sum(r["p_value"] is not None for r in rows), "margin": a.equivalence_margin}
