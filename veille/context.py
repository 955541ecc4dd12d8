"""What a run is asked for (`RunSettings`) and what its phases share (`RunContext`), both frozen."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from veille import robustness
from veille.cache import Cache, code_digest, texts_digest
from veille.config import RunConfig, full_config, quick_config
from veille.data import (
    DEFAULT_LABEL_COL,
    DEFAULT_NAME_COL,
    DEFAULT_TEXT_COL,
    LabelledTexts,
    load_labelled_texts,
    subsample_per_class,
)
from veille.selection import ALL_METHODS, STRIPPED_SUFFIX, method_variants

T = TypeVar("T")


@dataclass(frozen=True)
class RunSettings:
    """The user's arguments (`python -m veille run ...`)."""

    data_path: Path
    cache_dir: Path
    text_col: str = DEFAULT_TEXT_COL
    label_col: str = DEFAULT_LABEL_COL
    name_col: str | None = DEFAULT_NAME_COL
    # The name column was asked for explicitly: its absence is an error, not a skipped variant.
    require_name: bool = False
    quick: bool = False
    methods: tuple[str, ...] = ALL_METHODS

    def config(self) -> RunConfig:
        return quick_config() if self.quick else full_config()


@dataclass(frozen=True)
class CodeDigests:
    """The code behind each kind of cached result (`veille.cache.code_digest`, imports followed): editing
    an evaluation reruns the evaluations, and only editing SetFit's code retrains SetFit."""

    evaluation: str
    setfit: str
    costs: str
    minilm: str
    e5: str
    model2vec: str

    @classmethod
    def of_source(cls) -> CodeDigests:
        return cls(
            evaluation=code_digest("veille.evaluation", "veille.scenario", "veille.methods.linear", "veille.methods.tfidf"),
            setfit=code_digest("veille.methods.setfit_fewshot", "veille.tuning", "veille.methods.linear"),
            costs=code_digest("veille.costs", "veille.deploy"),
            minilm=code_digest("veille.methods.minilm"),
            e5=code_digest("veille.methods.e5"),
            model2vec=code_digest("veille.methods.static_model2vec"),
        )


@dataclass(frozen=True)
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

    def timed(self, name: str, phase: Callable[[], T]) -> T:
        """Run one phase and record its wall time under `name`."""
        start = time.perf_counter()
        value = phase()
        self.steps[name] = round(time.perf_counter() - start, 2)
        return value


@dataclass(frozen=True)
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
    code: CodeDigests
    reps: tuple[Representation, ...] = ()

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


def open_run(settings: RunSettings, echo: Callable[[str], None]) -> RunContext:
    """Load and subsample the data, strip the boilerplate variant, group near-duplicates."""
    cfg = settings.config()
    data = load_labelled_texts(
        settings.data_path, settings.text_col, settings.label_col, settings.name_col, cfg.cv_folds, settings.require_name
    )
    data = subsample_per_class(data, cfg.per_class_limit, cfg.seed)
    primary_texts = data.variants[data.primary]
    return RunContext(
        data=data,
        cfg=cfg,
        cache=Cache(Path(settings.cache_dir)),
        log=RunLog(echo=echo),
        selected=settings.methods,
        texts_by_variant={
            **data.variants,
            data.primary + STRIPPED_SUFFIX: [robustness.strip_boilerplate(t) for t in primary_texts],
        },
        wanted=method_variants(data, settings.methods),
        groups=robustness.near_duplicate_groups(primary_texts, data.labels, cfg.near_duplicate_threshold),
        rule={
            "c_grid": cfg.c_grid,
            "inner_folds": cfg.inner_folds,
            "tune_min_per_class": cfg.tune_min_per_class,
            "fixed_c": cfg.fixed_c,
        },
        code=CodeDigests.of_source(),
    )


@dataclass(frozen=True)
class Measurements:
    """What the measuring phases return (raw, per split or draw), before any summary."""

    cv: dict  # (task, method, variant) -> cross-validation scores
    curve_draws: list  # evaluation.CurveDraw, shared by every method
    curve: dict
    zero_shot: dict
    scenario: dict
    scenario_draws: list  # scenario.ScenarioDraw
    setfit: dict
    setfit_cost: dict | None
    clusters: dict
    projections: dict
    costs: dict

    def chosen_c(self, method: str, primary: str) -> float:
        return most_chosen_c(self.cv[("cv", method, primary)])


def most_chosen_c(cv: dict) -> float:
    """The C most often chosen by a full-data CV (the probed, deployed and interpreted models use it)."""
    return float(Counter(cv["chosen_c"]).most_common(1)[0][0])
