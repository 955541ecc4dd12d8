"""Each method's input: TF-IDF pipelines on raw texts, or embeddings cached and computed in fresh processes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from veille.cache import cache_key
from veille.context import Representation, RunContext
from veille.isolation import run_isolated
from veille.methods import e5, linear, minilm, static_model2vec, tfidf

EMBEDDING_BATCH = 32


def build_representations(ctx: RunContext) -> tuple[Representation, ...]:
    return (*_tfidf(ctx), *_char_svm(ctx), *_minilm(ctx), *_e5(ctx), *_model2vec(ctx))


def _tfidf(ctx: RunContext) -> list[Representation]:
    reps = []
    for variant in ctx.wanted["tfidf_logreg"]:
        texts = ctx.texts_by_variant[variant]
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
    return reps


def _char_svm(ctx: RunContext) -> list[Representation]:
    reps = []
    for variant in ctx.wanted["tfidf_char_svm"]:
        texts = ctx.texts_by_variant[variant]
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
                c_grid=ctx.cfg.svm_c_grid,
            )
        )
    return reps


def _encoded(
    ctx: RunContext, method: str, kind: str, params: dict, encode: Callable[[list[str]], tuple], what: str
) -> list[Representation]:
    """One cached embedding matrix per variant; a miss encodes in a fresh process (veille.isolation), so
    that its time and peak memory are its own."""
    reps = []
    for variant in ctx.wanted[method]:
        texts = ctx.texts_by_variant[variant]
        key = cache_key(kind, params, texts)

        def compute(texts=texts, variant=variant):
            if what:
                ctx.log.echo(f"encoding {len(texts)} texts with {what} ({variant}) in a fresh process")
            (vectors, meta), process = encode(list(texts))
            return vectors, {**meta, **process}

        vectors, meta, hit = ctx.cache.array(key, compute)
        ctx.log.count(hit)
        reps.append(Representation(method, variant, vectors, vectors, linear.make_classifier, key, meta))
    return reps


def _minilm(ctx: RunContext) -> list[Representation]:
    params = {"model": minilm.model_id(), "batch": EMBEDDING_BATCH, "code": ctx.code.minilm}
    return _encoded(
        ctx,
        "minilm_logreg",
        "minilm",
        params,
        lambda texts: run_isolated(minilm.encode_job, texts, EMBEDDING_BATCH),
        "MiniLM",
    )


def _e5(ctx: RunContext) -> list[Representation]:
    params = {"model": e5.model_id(), "code": ctx.code.e5}
    return _encoded(
        ctx, "e5_logreg", "e5", params, lambda texts: run_isolated(e5.encode_job, texts), "multilingual-e5-small"
    )


def _model2vec(ctx: RunContext) -> list[Representation]:
    """Model2Vec: distil once from the local MiniLM folder, keep the static model in the cache."""
    if not ctx.wanted["model2vec_logreg"]:
        return []
    cfg = ctx.cfg
    distil_key = cache_key(
        "m2vmodel",
        {
            "source": minilm.model_id(),
            "pca": cfg.model2vec_pca_dims,
            "v": static_model2vec.version(),
            "code": ctx.code.model2vec,
        },
    )
    model_dir = ctx.cache.model_dir(distil_key)

    def distil():
        ctx.log.echo("distilling Model2Vec from MiniLM in a fresh process (one-off)")
        model_dir.parent.mkdir(parents=True, exist_ok=True)
        meta, process = run_isolated(static_model2vec.distill_job, minilm.model_path(), model_dir, cfg.model2vec_pca_dims)
        return {**meta, **process}

    distil_meta, hit = ctx.cache.json(distil_key, distil)
    ctx.log.count(hit)
    encoded = _encoded(
        ctx,
        "model2vec_logreg",
        "m2v",
        {"model": distil_key},
        lambda texts: run_isolated(static_model2vec.encode_job, model_dir, texts),
        "",
    )
    extra = {"distillation": distil_meta, "model_dir": str(model_dir)}
    return [replace(r, meta={**r.meta, **extra}) for r in encoded]
