"""The neighbour search works by blocks of rows: same neighbours as a whole-portfolio computation, and a
memory peak set by the block size, not by the number of clients (two workers searching at once made the
dashboard's memory peak under load)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from scoring import portfolio as portfolio_module
from scoring.artifacts import Artifacts
from scoring.portfolio import Portfolio


@pytest.fixture(scope="module")
def portfolio(synthetic_artifacts) -> Portfolio:
    return Portfolio(Artifacts(synthetic_artifacts))


def whole_portfolio_nearest(p: Portfolio, index: int, k: int, among=None) -> np.ndarray:
    """The reference: every candidate's distance at once."""
    top = np.argsort(-np.asarray(p.importance))[:10]
    target = np.asarray(p.features[index, top], dtype=float) / p.feature_scale[top]
    candidates = np.arange(len(p)) if among is None else np.flatnonzero(among)
    candidates = candidates[candidates != index]
    values = np.asarray(p.features[:, top][candidates], dtype=float) / p.feature_scale[top]
    diff = np.where(np.isnan(values) | np.isnan(target), 1.0, values - target)
    dist = np.einsum("ij,ij->i", diff, diff)
    best = np.argpartition(dist, k - 1)[:k]
    return candidates[best[np.argsort(dist[best], kind="stable")]]


def test_blocks_give_the_same_neighbours(portfolio, monkeypatch):
    monkeypatch.setattr(portfolio_module, "NEAREST_BLOCK", 1_000)  # several blocks, a partial last one
    rng = np.random.default_rng(3)
    for trial in range(8):
        index, k = int(rng.integers(len(portfolio))), int(rng.choice([1, 7, 50, 400]))
        among = None if trial % 2 else rng.random(len(portfolio)) < 0.4
        found = portfolio.nearest(index, k, among)
        assert len(found) == k and index not in found
        assert np.array_equal(found, whole_portfolio_nearest(portfolio, index, k, among))


def test_memory_of_a_search_is_set_by_the_block_not_the_portfolio(portfolio, monkeypatch):
    monkeypatch.setattr(portfolio_module, "NEAREST_BLOCK", 500)
    portfolio.nearest(0, 10)  # cached scale and importance out of the measure
    tracemalloc.start()
    portfolio.nearest(1, 10)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    tracemalloc.start()
    whole_portfolio_nearest(portfolio, 1, 10)
    whole = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # Per client kept: the distance and the candidate index (16 bytes); the blocks' temporaries are fixed.
    assert peak < 16 * len(portfolio) + 8 * 500 * 10 * 8, (peak, len(portfolio))
    assert peak < whole / 3, (peak, whole)
