"""SetFit (Tunstall et al., 2022): contrastive fine-tuning of MiniLM on pairs, then a logistic head."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from veille.config import SetFitSettings
from veille.errors import VeilleError
from veille.resources import dir_size_mb, measure


def version() -> str:
    try:
        return metadata.version("setfit")
    except metadata.PackageNotFoundError:
        return "missing"


def _macro_f1(y_pred, y_true) -> dict:
    # A function metric: the default string metric makes `evaluate` call the Hub (FACTS.md).
    from sklearn.metrics import f1_score

    return {"macro_f1": f1_score(list(y_true), list(y_pred), average="macro")}


def train_and_predict(
    source: Path,
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    settings: SetFitSettings,
    seed: int,
    save_to: Path | None = None,
    head_rule: dict | None = None,
) -> dict:
    """Fine-tune a fresh copy of the model on the few labelled examples and predict the test texts.

    Returns predictions and costs (train seconds, predict seconds, peak RSS); `save_to` also saves the
    trained model to measure its size on disk. With `head_rule` (veille.tuning.fit_tuned's settings), the
    logistic head is also refitted on the fine-tuned body's embeddings with C chosen by the rule every
    other method follows; both heads' predictions are returned.
    """
    try:
        import torch
        from datasets import Dataset  # noqa: F401  (checked here; loaded before the seed and the clock)
        from setfit import SetFitModel  # noqa: F401
    except ImportError as exc:
        raise VeilleError(f"setfit unavailable ({exc}); install the veille extra") from None

    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(seed)
    with measure() as cost_train:
        model = _fine_tune(source, train_texts, train_labels, settings, seed)
    with measure() as cost_predict:
        predictions = [str(p) for p in model.predict(list(test_texts), batch_size=64, show_progress_bar=False)]
    tuned = {} if head_rule is None else _tuned_head(model, train_texts, train_labels, test_texts, seed, head_rule)
    size_mb = None
    if save_to is not None:
        model.save_pretrained(str(save_to))
        size_mb = round(dir_size_mb(save_to), 1)
    return {
        "predictions": predictions,
        "train_seconds": round(cost_train.seconds, 2),
        "predict_seconds": round(cost_predict.seconds, 3),
        "n_train": len(train_texts),
        "n_test": len(test_texts),
        "peak_rss_mb": round(max(cost_train.peak_rss_mb, cost_predict.peak_rss_mb), 1),
        "model_size_mb": size_mb,
        **tuned,
    }


def _fine_tune(source: Path, train_texts: Sequence[str], train_labels: Sequence[str], settings: SetFitSettings, seed: int):
    """A fresh copy of the model, fine-tuned contrastively on the labelled pairs (SetFit's first phase)
    and its default logistic head fitted."""
    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments

    model = SetFitModel.from_pretrained(str(source), device="cpu")
    # Shortens the contrastive phase too (TrainingArguments.max_length does not): 2x less memory.
    model.model_body.max_seq_length = settings.max_seq_length
    with tempfile.TemporaryDirectory(prefix="setfit-") as tmp:
        args = TrainingArguments(
            output_dir=tmp,
            batch_size=settings.batch_size,
            num_epochs=settings.epochs,
            num_iterations=settings.num_iterations,
            max_steps=settings.max_steps,
            max_length=settings.max_seq_length,
            seed=seed,
            report_to="none",
            save_strategy="no",
            show_progress_bar=True,
        )
        trainer = Trainer(
            model=model,
            args=args,
            metric=_macro_f1,
            train_dataset=Dataset.from_dict({"text": list(train_texts), "label": list(train_labels)}),
        )
        trainer.train()
    return model


def _tuned_head(
    model, train_texts: Sequence[str], train_labels: Sequence[str], test_texts: Sequence[str], seed: int, head_rule: dict
) -> dict:
    """The logistic head refitted on the fine-tuned body's embeddings, C chosen by the shared rule."""
    import numpy as np

    from veille.methods import linear
    from veille.tuning import fit_tuned

    with measure() as cost_head:
        body = model.model_body
        x_train = np.asarray(body.encode(list(train_texts), batch_size=64, show_progress_bar=False))
        x_test = np.asarray(body.encode(list(test_texts), batch_size=64, show_progress_bar=False))
        fitted = fit_tuned(
            x_train, np.asarray([str(v) for v in train_labels]), linear.make_classifier, seed=seed, **head_rule
        )
    return {
        "tuned_predictions": [str(p) for p in fitted.model.predict(x_test)],
        "head_c": fitted.c,
        "head_tuned": fitted.tuned,
        "head_seconds": round(cost_head.seconds, 2),
    }
