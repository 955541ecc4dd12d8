"""The benchmark run: representations, evaluations (all cached), comparisons, results dictionary."""

from __future__ import annotations

import math
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from veille import evaluation, interpret, stats
from veille.cache import Cache, cache_key, texts_digest
from veille.config import RunConfig, full_config, quick_config
from veille.data import LabelledTexts, load_labelled_texts, subsample_per_class
from veille.isolation import run_isolated
from veille.methods import linear, minilm, setfit_fewshot, static_model2vec, tfidf
from veille.resources import dir_size_mb

# Bump when an evaluation's code changes, so cached results computed by older code are not reused.
EVAL_VERSION = 1
SETFIT_VERSION = 1  # separate: bumping the cheap evaluations must not retrain SetFit

METHODS = {
    "tfidf_logreg": {"label": "TF-IDF + LogReg", "family": "bag-of-words", "year": None},
    "minilm_logreg": {"label": "MiniLM frozen + LogReg", "family": "sentence-transformer", "year": 2021},
    "model2vec_logreg": {"label": "Model2Vec + LogReg", "family": "static distilled", "year": 2024},
    "setfit_minilm": {"label": "SetFit (MiniLM)", "family": "contrastive fine-tuning", "year": 2022},
}
EMBEDDING_BATCH = 32


@dataclass
class Representation:
    method: str
    variant: str
    x: object  # classifier input: raw texts (TF-IDF pipeline) or an embedding matrix
    unsupervised: object  # clustering input
    make_estimator: Callable[[float], object]
    key: str
    cost: dict = field(default_factory=dict)


@dataclass
class RunLog:
    """Per-run bookkeeping (lives inside one call of `run`, never at module level)."""

    echo: Callable[[str], None]
    hits: int = 0
    misses: int = 0
    steps: dict = field(default_factory=dict)

    def count(self, hit: bool) -> None:
        if hit:
            self.hits += 1
        else:
            self.misses += 1


def _versions() -> dict:
    names = ["numpy", "scikit-learn", "torch", "sentence-transformers", "setfit", "model2vec", "transformers"]
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _summary(values: list[float], ratio: float | None = None) -> tuple[float, float]:
    mean, half = stats.mean_ci95(values, ratio)
    # A single draw has no interval: None (JSON null), never NaN (not valid JSON).
    return round(mean, 4), (None if math.isnan(half) else round(half, 4))


def build_representations(data: LabelledTexts, cfg: RunConfig, cache: Cache, log: RunLog) -> list[Representation]:
    reps: list[Representation] = []
    for variant, texts in data.variants.items():
        reps.append(
            Representation(
                method="tfidf_logreg",
                variant=variant,
                x=tfidf.as_input(texts),
                unsupervised=tfidf.unsupervised_features(texts),
                make_estimator=tfidf.make_classifier,
                key=cache_key("tfidf", {"params": tfidf.TFIDF_PARAMS}, texts),
            )
        )

    # Each neural encoding runs in a fresh process (veille.isolation): its own time and peak memory.
    source = minilm.model_path()
    for variant, texts in data.variants.items():
        key = cache_key("minilm", {"model": minilm.model_id(), "batch": EMBEDDING_BATCH}, texts)

        def compute(texts=texts, variant=variant):
            log.echo(f"encoding {len(texts)} texts with MiniLM ({variant}) in a fresh process")
            (vectors, meta), process = run_isolated(minilm.encode_job, list(texts), EMBEDDING_BATCH)
            return vectors, {**meta, **process}

        vectors, meta, hit = cache.array(key, compute)
        log.count(hit)
        reps.append(Representation("minilm_logreg", variant, vectors, vectors, linear.make_classifier, key, meta))

    # Model2Vec: distil once from the local MiniLM folder, keep the static model in the cache.
    distil_key = cache_key(
        "m2vmodel",
        {"source": minilm.model_id(), "pca": cfg.model2vec_pca_dims, "v": static_model2vec.version()},
    )
    model_dir = cache.model_dir(distil_key)

    def distil():
        log.echo("distilling Model2Vec from MiniLM in a fresh process (one-off)")
        model_dir.parent.mkdir(parents=True, exist_ok=True)
        meta, process = run_isolated(static_model2vec.distill_job, source, model_dir, cfg.model2vec_pca_dims)
        return {**meta, **process}

    distil_meta, hit = cache.json(distil_key, distil)
    log.count(hit)
    for variant, texts in data.variants.items():
        key = cache_key("m2v", {"model": distil_key}, texts)

        def compute(texts=texts):
            (vectors, meta), process = run_isolated(static_model2vec.encode_job, model_dir, list(texts))
            return vectors, {**meta, **process}

        vectors, meta, hit = cache.array(key, compute)
        log.count(hit)
        meta = {**meta, "distillation": distil_meta, "model_dir": str(model_dir)}
        reps.append(Representation("model2vec_logreg", variant, vectors, vectors, linear.make_classifier, key, meta))
    return reps


def run_setfit(
    data: LabelledTexts,
    draws: list[evaluation.CurveDraw],
    cfg: RunConfig,
    cache: Cache,
    log: RunLog,
) -> dict:
    """SetFit on the primary variant, at the configured shots, on the first draws of the learning curve."""
    from tqdm.auto import tqdm

    texts, y = data.variants[data.primary], data.labels
    settings = cfg.setfit
    # Draw by draw, so an interrupted run already has complete draws for every size (all cached).
    jobs = [(k, d) for d in range(min(settings.draws, len(draws))) for k in settings.shots if k in draws[d].train]
    results: dict[str, dict] = {}
    size_mb = None
    for k, d in tqdm(jobs, desc="SetFit runs", leave=False):
        train, test = draws[d].train[k], draws[d].test
        train_texts = [texts[i] for i in train]
        test_texts = [texts[i] for i in test]
        params = {
            "model": minilm.model_id(),
            "setfit": setfit_fewshot.version(),
            # Training hyper-parameters only: changing the number of shots or draws keeps finished runs.
            "settings": {k: v for k, v in settings.__dict__.items() if k not in ("shots", "draws")},
            "labels": texts_digest([str(v) for v in y[train]]),
            "seed": cfg.seed + d,
            "v": SETFIT_VERSION,
        }
        key = cache_key("setfit", params, train_texts + ["\x00test\x00"] + test_texts)
        save_to = cache.model_dir(key + "-model") if size_mb is None else None

        def compute(train_texts=train_texts, test_texts=test_texts, train=train, k=k, d=d, save_to=save_to):
            log.echo(f"SetFit training: {k} per class, draw {d} ({len(train_texts)} examples)")
            out, process = run_isolated(
                setfit_fewshot.train_and_predict,
                minilm.model_path(),
                train_texts,
                [str(v) for v in y[train]],
                test_texts,
                settings,
                seed=cfg.seed + d,
                save_to=save_to,
            )
            return {**out, **process}

        out, hit = cache.json(key, compute)
        log.count(hit)
        size_mb = size_mb or out.get("model_size_mb")
        pred = np.asarray(out["predictions"])
        from sklearn.metrics import accuracy_score, f1_score

        entry = results.setdefault(
            str(k),
            {
                "macro_f1": [],
                "accuracy": [],
                "train_seconds": [],
                "predict_seconds_per_1000": [],
                "peak_rss_mb": [],
                "draws": [],
            },
        )
        entry["macro_f1"].append(float(f1_score(y[test], pred, average="macro")))
        entry["accuracy"].append(float(accuracy_score(y[test], pred)))
        entry["train_seconds"].append(out["train_seconds"])
        entry["predict_seconds_per_1000"].append(1000 * out["predict_seconds"] / max(1, out["n_test"]))
        entry["peak_rss_mb"].append(out["process_peak_rss_mb"])
        entry["draws"].append(d)
    return {"curve": results, "model_size_mb": size_mb}


def _curve_summary(curve: dict) -> dict:
    out = {}
    for k, v in sorted(curve.items(), key=lambda kv: int(kv[0])):
        f1_mean, f1_ci = _summary(v["macro_f1"])
        acc_mean, acc_ci = _summary(v["accuracy"])
        out[k] = {
            "macro_f1_mean": f1_mean,
            "macro_f1_ci95": f1_ci,
            "accuracy_mean": acc_mean,
            "accuracy_ci95": acc_ci,
            "n_draws": len(v["macro_f1"]),
            "macro_f1": v["macro_f1"],
        }
        if "draws" in v:
            out[k]["draws"] = v["draws"]
    return out


def run(
    data_path: str | Path,
    out_dir: str | Path,
    cache_dir: str | Path,
    text_col: str,
    label_col: str,
    name_col: str | None,
    require_name: bool,
    quick: bool,
    echo: Callable[[str], None],
) -> tuple[dict, dict]:
    """Run the benchmark. Returns (results for results.json, extra arrays for the report)."""
    start = time.perf_counter()
    cfg = quick_config() if quick else full_config()
    log = RunLog(echo=echo)
    data = load_labelled_texts(data_path, text_col, label_col, name_col, cfg.cv_folds, require_name)
    data = subsample_per_class(data, cfg.per_class_limit, cfg.seed)
    cache = Cache(Path(cache_dir))
    y, classes = data.labels, data.classes
    y_key = texts_digest(y.tolist())
    n = len(y)
    echo(f"{n} documents, {len(classes)} classes, variants: {', '.join(data.variants)}")

    step = time.perf_counter()
    reps = build_representations(data, cfg, cache, log)
    log.steps["representations"] = round(time.perf_counter() - step, 2)

    # --- supervised: repeated stratified k-fold with nested choice of C
    step = time.perf_counter()
    splits = evaluation.cv_splits(y, cfg.cv_folds, cfg.cv_repeats, cfg.seed)
    ratio = 1.0 / (cfg.cv_folds - 1)  # n_test / n_train
    cv_results: dict[tuple[str, str], dict] = {}
    for rep in reps:
        key = cache_key(
            "cv",
            {
                "rep": rep.key,
                "y": y_key,
                "folds": cfg.cv_folds,
                "repeats": cfg.cv_repeats,
                "seed": cfg.seed,
                "grid": cfg.c_grid,
                "inner": cfg.inner_folds,
                "v": EVAL_VERSION,
            },
        )
        res, hit = cache.json(
            key,
            lambda rep=rep: evaluation.cross_validate(
                rep.x,
                y,
                rep.make_estimator,
                splits,
                cfg.c_grid,
                cfg.inner_folds,
                cfg.seed,
                cfg.cv_folds,
                classes,
                desc=f"CV {rep.method} [{rep.variant}]",
            ),
        )
        log.count(hit)
        cv_results[(rep.method, rep.variant)] = res
    log.steps["cross_validation"] = round(time.perf_counter() - step, 2)

    # --- learning curve (fixed C = 1, SetFit's own head default), nested draws shared by all methods
    step = time.perf_counter()
    draws = evaluation.curve_draws(y, cfg.curve_shots, cfg.curve_draws, cfg.curve_test_fraction, cfg.seed)
    curve_results: dict[tuple[str, str], dict] = {}
    for rep in reps:
        key = cache_key(
            "curve",
            {
                "rep": rep.key,
                "y": y_key,
                "shots": cfg.curve_shots,
                "draws": cfg.curve_draws,
                "test": cfg.curve_test_fraction,
                "seed": cfg.seed,
                "v": EVAL_VERSION,
            },
        )
        res, hit = cache.json(key, lambda rep=rep: evaluation.learning_curve(rep.x, y, rep.make_estimator, draws, 1.0))
        log.count(hit)
        curve_results[(rep.method, rep.variant)] = res
    log.steps["learning_curve"] = round(time.perf_counter() - step, 2)

    step = time.perf_counter()
    setfit = run_setfit(data, draws, cfg, cache, log)
    log.steps["setfit"] = round(time.perf_counter() - step, 2)

    # --- unsupervised: KMeans in each space; t-SNE then KMeans as a secondary, inflated figure
    step = time.perf_counter()
    cluster_results, projections = {}, {}
    for rep in reps:
        key = cache_key(
            "cluster",
            {"rep": rep.key, "y": y_key, "seeds": cfg.kmeans_seeds, "seed": cfg.seed, "v": EVAL_VERSION},
        )
        res, hit = cache.json(key, lambda rep=rep: evaluation.clustering(rep.unsupervised, y, cfg.kmeans_seeds, cfg.seed))
        log.count(hit)
        if cfg.tsne and rep.variant == data.primary:
            tkey = cache_key("tsne", {"rep": rep.key, "seed": cfg.seed, "v": EVAL_VERSION})
            coords, _, hit = cache.array(tkey, lambda rep=rep: (evaluation.tsne_2d(rep.unsupervised, cfg.seed), {}))
            log.count(hit)
            projections[rep.method] = coords
            res = {**res, "tsne_kmeans": evaluation.clustering(coords, y, cfg.kmeans_seeds, cfg.seed)}
        cluster_results[(rep.method, rep.variant)] = res
    log.steps["clustering"] = round(time.perf_counter() - step, 2)

    # --- costs
    primary_texts = data.variants[data.primary]
    chosen_c = Counter(cv_results[("tfidf_logreg", data.primary)]["chosen_c"]).most_common(1)[0][0]
    for rep in reps:
        if rep.method == "tfidf_logreg":
            key = cache_key("tfidfcost", {"rep": rep.key, "y": y_key, "c": chosen_c, "v": EVAL_VERSION})

            def compute(rep=rep):
                out, process = run_isolated(tfidf.cost_job, data.variants[rep.variant], y.tolist(), chosen_c)
                return {**out, **process}

            rep.cost, hit = cache.json(key, compute)
            log.count(hit)

    # --- assemble entries
    entries = []
    for rep in reps:
        cv = cv_results[(rep.method, rep.variant)]
        cl = cluster_results[(rep.method, rep.variant)]
        f1_mean, f1_ci = _summary(cv["macro_f1"], ratio)
        acc_mean, acc_ci = _summary(cv["accuracy"], ratio)
        ari_mean, ari_ci = _summary(cl["ari"])
        nmi_mean, nmi_ci = _summary(cl["nmi"])
        cost = rep.cost
        if rep.method == "minilm_logreg":
            size = round(dir_size_mb(minilm.model_path()), 1)
            train_seconds = None
        elif rep.method == "model2vec_logreg":
            size = cost["distillation"]["model_size_mb"]
            train_seconds = cost["distillation"]["distill_seconds"]  # one-off distillation
        else:
            size = cost["model_size_mb"]
            train_seconds = cost["train_seconds"]
        entry = {
            "method": rep.method,
            **METHODS[rep.method],
            "variant": rep.variant,
            "task": "classification+clustering",
            "macro_f1_mean": f1_mean,
            "macro_f1_ci95": f1_ci,
            "accuracy_mean": acc_mean,
            "accuracy_ci95": acc_ci,
            "ari_mean": ari_mean,
            "ari_ci95": ari_ci,
            "nmi_mean": nmi_mean,
            "nmi_ci95": nmi_ci,
            "seconds_per_1000_docs": round(1000 * cost["encode_seconds"] / cost["n_docs"], 3),
            "load_seconds": cost["load_seconds"],
            "train_seconds": train_seconds,
            "peak_rss_mb": cost["process_peak_rss_mb"],
            "model_size_mb": size,
            "cv": {"macro_f1": cv["macro_f1"], "accuracy": cv["accuracy"], "chosen_c": cv["chosen_c"]},
            "confusion_matrix": cv["confusion_matrix"],
            "learning_curve": _curve_summary(curve_results[(rep.method, rep.variant)]),
            "clustering": cl,
            "p_values": {},
        }
        if "tsne_kmeans" in cl:
            entry["tsne_kmeans_ari_mean"] = round(float(np.mean(cl["tsne_kmeans"]["ari"])), 4)
        entries.append(entry)

    if setfit["curve"]:
        sf_curve = _curve_summary(setfit["curve"])
        train_s = [s for v in setfit["curve"].values() for s in v["train_seconds"]]
        pred_s = [s for v in setfit["curve"].values() for s in v["predict_seconds_per_1000"]]
        entries.append(
            {
                "method": "setfit_minilm",
                **METHODS["setfit_minilm"],
                "variant": data.primary,
                "task": "few-shot classification",
                "macro_f1_mean": None,
                "macro_f1_ci95": None,
                "accuracy_mean": None,
                "ari_mean": None,
                "not_measured": "full-data CV and clustering (SetFit trained at few shots only: CPU budget)",
                "seconds_per_1000_docs": round(float(np.mean(pred_s)), 3),
                "train_seconds": {k: round(float(np.mean(v["train_seconds"])), 1) for k, v in setfit["curve"].items()},
                "peak_rss_mb": max(m for v in setfit["curve"].values() for m in v["peak_rss_mb"]),
                "model_size_mb": setfit["model_size_mb"],
                "learning_curve": sf_curve,
                "mean_train_seconds": round(float(np.mean(train_s)), 1),
                "settings": cfg.setfit.__dict__,
                "p_values": {},
            }
        )

    comparisons = _comparisons(entries, data, ratio)
    _attach_p_values(entries, comparisons)

    # --- interpretability and data facts
    by = {(e["method"], e["variant"]): e for e in entries}
    minilm_vectors = next(r.x for r in reps if r.method == "minilm_logreg" and r.variant == data.primary)
    lengths = interpret.token_lengths(primary_texts, minilm.model_path())
    limits = sorted({minilm.max_seq_length(minilm.model_path()), cfg.setfit.max_seq_length})
    results = {
        "meta": {
            "benchmark": "veille: sentence-transformer techniques vs bag-of-words",
            "dataset": Path(data.source).name,
            "text_col": data.text_col,
            "label_col": data.label_col,
            "variants": list(data.variants),
            "primary_variant": data.primary,
            "n_docs": n,
            "classes": {c: int((y == c).sum()) for c in classes},
            "quick": cfg.quick,
            "config": cfg.as_dict(),
            "versions": _versions(),
            "platform": {"machine": platform.machine(), "cpus": _cpus(), "python": sys.version.split()[0]},
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "run_seconds": None,  # filled below
            "step_seconds": log.steps,
            "cache": {"dir": str(cache_dir), "hits": log.hits, "misses": log.misses},
            "tfidf_chosen_c": chosen_c,
        },
        "data": {
            "truncation": interpret.truncation_stats(lengths, limits),
            "boilerplate_flipkart_share": round(float(np.mean(["Flipkart.com" in t for t in primary_texts])), 4),
        },
        "methods": entries,
        "comparisons": comparisons,
        "interpretability": {
            "tfidf_top_terms": interpret.top_terms_per_class(primary_texts, y, chosen_c),
            "model2vec_top_tokens": _model2vec_tokens(reps, data.primary, primary_texts, y, chosen_c),
            "neighbours": interpret.neighbour_explanations(
                minilm_vectors,
                y,
                primary_texts,
                cv_results[("tfidf_logreg", data.primary)]["first_repeat_predictions"],
                cv_results[("minilm_logreg", data.primary)]["first_repeat_predictions"],
            ),
        },
    }
    results["meta"]["run_seconds"] = round(time.perf_counter() - start, 1)
    extras = {"projections": projections, "labels": y.tolist(), "classes": classes, "by": by}
    return results, extras


def _model2vec_tokens(reps: list[Representation], primary: str, texts: list[str], y: np.ndarray, c: float):
    rep = next(r for r in reps if r.method == "model2vec_logreg" and r.variant == primary)
    model = static_model2vec.load(Path(rep.cost["model_dir"]))
    return interpret.static_token_weights(model, rep.x, texts, y, c)


def _attach_p_values(entries: list[dict], comparisons: list[dict]) -> None:
    """Each entry lists the p-values of the tests it takes part in, keyed by task and opponent."""
    for comp in comparisons:
        suffix = "" if comp["task"] == "cv" else f"@{comp['shots']}"
        sides = [
            (comp["a"], comp["variant_a"], comp["b"], comp["variant_b"]),
            (comp["b"], comp["variant_b"], comp["a"], comp["variant_a"]),
        ]
        for method, variant, other, other_variant in sides:
            for e in entries:
                if e["method"] == method and e["variant"] == variant:
                    name = other if other_variant == variant else f"{other}[{other_variant}]"
                    e["p_values"][f"{comp['task']}{suffix} vs {name}"] = comp["p_value"]


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _comparisons(entries: list[dict], data: LabelledTexts, ratio: float) -> list[dict]:
    """Paired tests: corrected resampled t-test on CV splits; paired t-test on learning-curve draws."""
    by = {(e["method"], e["variant"]): e for e in entries}
    out = []
    cv_pairs = [
        ("minilm_logreg", "tfidf_logreg"),
        ("model2vec_logreg", "tfidf_logreg"),
        ("minilm_logreg", "model2vec_logreg"),
    ]
    variants = list(data.variants)
    for variant in variants:
        for a, b in cv_pairs:
            out.append(_cv_test(by[(a, variant)], by[(b, variant)], ratio))
    if len(variants) > 1:  # does adding the product name help, method by method?
        for method in ("tfidf_logreg", "minilm_logreg", "model2vec_logreg"):
            out.append(_cv_test(by[(method, variants[1])], by[(method, variants[0])], ratio))

    primary = data.primary
    curve_pairs = [
        ("minilm_logreg", "tfidf_logreg"),
        ("model2vec_logreg", "tfidf_logreg"),
        ("setfit_minilm", "minilm_logreg"),
        ("setfit_minilm", "tfidf_logreg"),
    ]
    for a, b in curve_pairs:
        if (a, primary) not in by:
            continue
        ca, cb = by[(a, primary)]["learning_curve"], by[(b, primary)]["learning_curve"]
        for k, va in ca.items():
            if k not in cb:
                continue
            draws = va.get("draws", list(range(len(va["macro_f1"]))))
            sa = va["macro_f1"]
            sb = [cb[k]["macro_f1"][d] for d in draws]
            if len(sa) < 2:
                continue
            t, p = stats.paired_ttest(sa, sb)
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
                    "mean_difference": round(float(np.mean(sa) - np.mean(sb)), 4),
                    "n": len(sa),
                    "t": round(t, 3),
                    "p_value": round(p, 5),
                }
            )
    return out


def _cv_test(ea: dict, eb: dict, ratio: float) -> dict:
    sa, sb = ea["cv"]["macro_f1"], eb["cv"]["macro_f1"]
    t, p = stats.corrected_resampled_ttest(sa, sb, ratio)
    return {
        "task": "cv",
        "a": ea["method"],
        "b": eb["method"],
        "variant_a": ea["variant"],
        "variant_b": eb["variant"],
        "metric": "macro_f1",
        "test": "corrected resampled t-test (Nadeau & Bengio 2003)",
        "mean_difference": round(float(np.mean(sa) - np.mean(sb)), 4),
        "n": len(sa),
        "t": round(t, 3),
        "p_value": round(p, 5),
    }
