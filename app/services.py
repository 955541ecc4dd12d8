"""What callbacks need, built once per process: the client store, the artifact's portfolio and a fault-tolerant cache."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

import numpy as np

from app.config import ROOT, Config
from app.reviews import ReviewStore
from layouts.comparison import MAX_POINTS
from scoring.aggregates import AggregateStats
from scoring.artifacts import Artifacts
from scoring.comparison import AGE_BANDS, INCOME_BANDS, NOBODY, ConcreteGroup, RowStats, portfolio_levels
from scoring.errors import ArtifactError
from scoring.fields import N_
from scoring.portfolio import ClientExplanation, Portfolio
from scoring.stores import ClientRow, ClientStore, open_store
from scoring.stores.neighbours import Group

log = logging.getLogger("app")
# The client database (CLIENTS_DATABASE_URL) down or too slow, and a stored row no application can have.
STORE_DOWN = N_(
    "The client database is not answering; clients already viewed and the other pages still work. "
    "Please retry in a moment."
)
NEIGHBOURS_UNAVAILABLE = N_("Similar clients cannot be found in this client database yet; choose another group.")
INVALID_ROW = N_("This client's record holds values no application can have; it cannot be shown. Please report it.")
CODE_FOLDERS = ("app", "callbacks", "layouts", "scoring", "translations")


def code_version(root: Path = ROOT) -> str:
    """Short hash of the code and catalogues: a deploy that changes a sentence or a computation gets new cache keys."""
    digest = hashlib.sha256()
    for folder in CODE_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".po", ".json") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def outdated_synthetic(folder: Path) -> str | None:
    """Why a *synthetic* artifact folder cannot be served by this code (None when it can, or is not synthetic).

    Only the project's own synthetic portfolio is ever rebuilt: a folder trained on real data is the user's.
    """
    import json

    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("data_source") != "synthetic":
        return None
    try:
        artifacts = Artifacts(folder, check_hashes=False)
    except ArtifactError as exc:
        return str(exc)
    if artifacts.fairness is None or artifacts.performance is None:
        return "no fairness audit or model-page curves"
    return None


def ensure_artifacts(config: Config) -> Path:
    """Return the artifact folder, building the synthetic default first when allowed and absent or outdated."""
    folder = Path(config.artifacts_dir)
    if not config.build_default:
        return folder
    if (folder / "manifest.json").is_file():
        reason = outdated_synthetic(folder)
        if reason is None:
            return folder
        log.warning("The synthetic portfolio in %s was written by another version (%s): rebuilding it", folder, reason)
    else:
        log.warning("No artifacts in %s: building the synthetic default portfolio", folder)
    log.warning("Building %d clients (+15.85 %% unlabelled) takes a few minutes", config.default_clients)
    from scoring.loading import clean_anomalies
    from scoring.model import TrainConfig
    from scoring.pipeline import train_and_write
    from scoring.synthetic import KAGGLE_TEST_ROWS, KAGGLE_TRAIN_ROWS, generate_applications

    n_test = round(config.default_clients * KAGGLE_TEST_ROWS / KAGGLE_TRAIN_ROWS)
    train, test = generate_applications(config.default_clients, n_test)
    train_and_write(
        clean_anomalies(train)[0],
        clean_anomalies(test)[0],
        folder,
        TrainConfig(),
        data_source="synthetic",
        progress=log.info,
    )
    return folder


def neighbour_group(group: ConcreteGroup, levels: dict) -> Group | None:
    """The comparison's group as the store's neighbour filters: level names (the codes index ``levels``), band
    ranges [low, high), the decision; None when a filter matches nobody (an unknown level or band)."""
    if NOBODY in (group.gender, group.contract, group.age_band, group.income_band):
        return None

    def level(column: str, code: int | None) -> str | None:
        return None if code is None else levels[column][code]

    return Group(
        gender=level("CODE_GENDER", group.gender),
        contract=level("NAME_CONTRACT_TYPE", group.contract),
        refused=group.refused,
        age=None if group.age_band is None else AGE_BANDS[group.age_band],
        income=None if group.income_band is None else INCOME_BANDS[group.income_band],
    )


class Services:
    def __init__(self, config: Config, cache):
        self.config = config
        self.artifacts = Artifacts(ensure_artifacts(config))
        self.portfolio = Portfolio(self.artifacts)  # portfolio-wide views (comparison, examples, regions)
        # One client at a time: PostgreSQL when CLIENTS_DATABASE_URL is set (no connection before the fork:
        # its pool opens in each worker on first use), else the same memory-mapped portfolio.
        if config.clients_database_url:
            self.clients: ClientStore = open_store(self.artifacts, config.clients_database_url, lambda: self.simulator)
        else:
            from scoring.stores.memmap import MemmapStore

            self.clients = MemmapStore(self.artifacts, self.portfolio)
        # The comparison's data source when the clients are in PostgreSQL: the build's aggregates, not the arrays.
        self.group_stats = AggregateStats(self.artifacts.folder) if config.clients_database_url else None
        self.cache = cache
        # Cached values are keyed by what produced them: the artifacts and this code with its catalogues.
        self.version = f"{self.artifacts.version}-{code_version()}"
        self._cache_warned_at = 0.0  # rate-limits "cache down" warnings in this process
        # Human reviews (app/reviews.py): the table is created at start; a database that is down disables
        # the review form only. The start-up connection is closed: each worker opens its own after the fork.
        self.reviews = ReviewStore(config.database_url)
        self.reviews.prepare()
        self.reviews.dispose()

    @cached_property
    def simulator(self):
        """The model in-process for what-if, new applications and advice (its Booster loads per worker, on first use)."""
        from scoring.simulate import Simulator

        return Simulator(self.artifacts, self.config.max_effort_rate, self.config.product_bounds)

    def _cache_key(self, name: str, key: tuple) -> str:
        return f"pad:{self.version}:{name}:" + "|".join(map(str, key))

    def cached(self, name: str, key: tuple, compute: Callable[[], object]) -> object:
        """Memoise ``compute`` under (artifact version, name, key); any cache failure means 'compute'."""
        cache_key = self._cache_key(name, key)
        try:
            value = self.cache.get(cache_key)
        except Exception as exc:  # noqa: BLE001 - any backend failure degrades to no cache
            self._cache_failed(exc)
            return compute()
        if value is not None:
            return value
        value = compute()
        try:
            self.cache.set(cache_key, value)
        except Exception as exc:  # noqa: BLE001
            self._cache_failed(exc)
        return value

    def forget_searches(self, client_id: int) -> None:
        """A client just saved: drop the cached id searches that may now find it (each prefix of its id)."""
        digits = str(int(client_id))
        for end in range(1, len(digits) + 1):
            try:
                self.cache.delete(self._cache_key("search", (digits[:end],)))
            except Exception as exc:  # noqa: BLE001 - a cache down holds nothing stale either
                self._cache_failed(exc)
                return

    # --- one client (cached per client and model version: a client already viewed survives a database outage)
    def client_row(self, client_id: int) -> ClientRow:
        """The client's raw row; UnknownClientError, StoreUnavailable or InvalidClientRow otherwise."""
        store = self.clients
        return self.cached("client-row", (client_id, store.model_version), lambda: store.get(client_id))

    def explanation(self, client_id: int) -> ClientExplanation:
        """Probability, decision and reasons of a client (PostgreSQL: computed from the row by the what-if path)."""
        store = self.clients
        return self.cached(
            "explanation",
            (client_id, store.model_version),
            lambda: store.explanation(client_id, self.client_row(client_id)),
        )

    def nearest_stats(self, group: ConcreteGroup) -> RowStats:
        """The k-nearest group's data from the client store: the neighbours' model features (recomputed by the
        transform for PostgreSQL) and batch probabilities (NeighboursUnavailable when it cannot find them)."""
        levels = self.group_stats.levels() if self.group_stats is not None else portfolio_levels(self.portfolio)
        among = neighbour_group(group, levels)
        ids = [] if among is None else self.clients.neighbours(group.nearest_of, group.k, among)
        features, proba = self.clients.features_of(ids)
        names = self.portfolio.feature_names
        return RowStats.of_rows(features, names, proba, self.artifacts.decision.threshold, MAX_POINTS)

    def application(self, client_id: int):
        """The client as a what-if base."""
        return self.clients.application(client_id, self.client_row(client_id))

    def _cache_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._cache_warned_at > 60:
            self._cache_warned_at = now
            log.warning("cache unavailable (%s): serving without the shared cache", type(exc).__name__)

    def examples(self) -> list[tuple[str, int]]:
        """One refused, one granted and one grey-zone client, for the selection view: [(kind, id), ...]."""

        def compute():
            proba = np.asarray(self.portfolio.proba)
            refused, grey = self.artifacts.decision.refuses(proba), self.artifacts.decision.in_grey_zone(proba)
            found = []
            for kind, mask in (("refused", refused & ~grey), ("granted", ~refused & ~grey), ("grey", grey & ~refused)):
                index = np.flatnonzero(mask[:50_000])
                if len(index):
                    found.append((kind, int(self.portfolio.ids[index[len(index) // 2]])))
            return found

        return self.cached("examples", (), compute)
