"""Run settings: the full protocol and the quick (CI) variant, as immutable dataclasses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class SetFitSettings:
    # 8 and 16 are where few-shot fine-tuning is expected to matter; 2 and 4 are cheap (few pairs).
    shots: tuple[int, ...] = (2, 4, 8, 16)
    draws: int = 5
    # Bounded pair sampling: num_iterations pairs per example and per side (FACTS: the default
    # sampling gives thousands of pairs, 0.5-2 h on 2 cores).
    num_iterations: int = 3
    batch_size: int = 16
    epochs: int = 1
    max_seq_length: int = 128
    max_steps: int = -1


@dataclass(frozen=True)
class RunConfig:
    quick: bool = False
    seed: int = 42
    # Subsample per class (None = all rows); the quick run uses a small subset.
    per_class_limit: int | None = None
    cv_folds: int = 5
    cv_repeats: int = 3
    c_grid: tuple[float, ...] = (0.1, 1.0, 10.0, 100.0)
    inner_folds: int = 3
    curve_shots: tuple[int, ...] = (2, 4, 8, 16, 32, 64)
    curve_draws: int = 10
    curve_test_fraction: float = 0.3
    kmeans_seeds: int = 10
    tsne: bool = True
    model2vec_pca_dims: int = 256
    setfit: SetFitSettings = field(default_factory=SetFitSettings)

    def as_dict(self) -> dict:
        return asdict(self)


def full_config(seed: int = 42) -> RunConfig:
    return RunConfig(seed=seed)


def quick_config(seed: int = 42) -> RunConfig:
    """Small subset and tiny SetFit run: exercises every code path in a few minutes on CI."""
    return RunConfig(
        quick=True,
        seed=seed,
        per_class_limit=30,
        cv_folds=3,
        cv_repeats=1,
        c_grid=(1.0, 10.0),
        inner_folds=2,
        curve_shots=(2, 8),
        curve_draws=2,
        kmeans_seeds=2,
        tsne=False,
        setfit=SetFitSettings(shots=(8,), draws=1, num_iterations=1, max_seq_length=64, max_steps=4),
    )
