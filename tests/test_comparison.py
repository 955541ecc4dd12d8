"""Comparison groups and aggregates on a real (small) scored portfolio."""

import numpy as np
import pytest

from callbacks.comparison import group_spec
from callbacks.selection import resolve_client
from scoring.artifacts import Artifacts
from scoring.comparison import (
    AGE_BANDS,
    GroupSpec,
    band_of,
    clamp_k,
    concrete_mask,
    cross_view,
    place_client,
    resolve_group,
    summarise,
    values_of,
)
from scoring.portfolio import Portfolio


@pytest.fixture(scope="module")
def portfolio(synthetic_artifacts):
    return Portfolio(Artifacts(synthetic_artifacts))


def group_mask(portfolio, index: int, spec: GroupSpec) -> np.ndarray:
    """The comparison group of the client at ``index``, resolved as the comparison view resolves it."""
    return concrete_mask(portfolio, resolve_group(portfolio, index, spec))


def histogram(values, refused, mask, client_value):
    """The group's distribution with the client placed in it, as the comparison view builds it."""
    return place_client(summarise(values, refused, mask), client_value)


def test_all_clients_group(portfolio):
    assert group_mask(portfolio, 0, GroupSpec()).all()


def test_same_decision_group(portfolio):
    refused = np.asarray(portfolio.proba) >= portfolio.decision.threshold
    for index in (int(np.argmax(refused)), int(np.argmin(refused))):
        mask = group_mask(portfolio, index, GroupSpec(base="decision"))
        assert mask[index]
        assert (refused[mask] == refused[index]).all()
        assert mask.sum() == (refused == refused[index]).sum()


def test_filters_same_as_client(portfolio):
    index = 42
    spec = GroupSpec(gender="same", age="same", contract="same")
    mask = group_mask(portfolio, index, spec)
    gender = np.asarray(portfolio.raw("CODE_GENDER"))
    contract = np.asarray(portfolio.raw("NAME_CONTRACT_TYPE"))
    age = values_of(portfolio, "AGE_YEARS")
    assert mask[index] and 0 < mask.sum() < len(portfolio)
    assert (gender[mask] == gender[index]).all()
    assert (contract[mask] == contract[index]).all()
    band = AGE_BANDS[band_of(age[index], AGE_BANDS)]
    assert ((age[mask] >= band[0]) & (age[mask] < band[1])).all()


def test_explicit_levels_and_unknown_levels(portfolio):
    women = group_mask(portfolio, 0, GroupSpec(gender="F"))
    assert (np.asarray(portfolio.raw("CODE_GENDER"))[women] == portfolio.levels("CODE_GENDER").index("F")).all()
    assert not group_mask(portfolio, 0, GroupSpec(gender="Martian")).any()
    assert not group_mask(portfolio, 0, GroupSpec(age="99")).any()


def test_nearest_group_has_k_clients_within_filters(portfolio):
    mask = group_mask(portfolio, 5, GroupSpec(base="nearest", k=50, gender="same"))
    assert mask.sum() == 50
    gender = np.asarray(portfolio.raw("CODE_GENDER"))
    assert (gender[mask] == gender[5]).all()


def test_histogram_counts_add_up(portfolio):
    x = values_of(portfolio, "AMT_CREDIT")
    refused = np.asarray(portfolio.proba) >= portfolio.decision.threshold
    mask = group_mask(portfolio, 3, GroupSpec(base="decision"))
    hist = histogram(x, refused, mask, x[3])
    assert sum(hist.granted) + sum(hist.refused) == hist.n_values == int((mask & ~np.isnan(x)).sum())
    assert hist.share_below == pytest.approx(float((x[mask] < x[3]).mean()), abs=0.002)
    assert (sum(hist.granted) == 0) != (sum(hist.refused) == 0)  # same-decision group is one-sided


def test_histogram_of_discrete_values_has_one_bar_per_value(portfolio):
    x = values_of(portfolio, "CNT_CHILDREN")
    refused = np.zeros(len(x), dtype=bool)
    hist = histogram(x, refused, np.ones(len(x), dtype=bool), x[0])
    centres = [(a + b) / 2 for a, b in zip(hist.edges[:-1], hist.edges[1:], strict=True)]
    assert all(float(c).is_integer() for c in centres)


def test_cross_view_switches_to_density(portfolio):
    x = values_of(portfolio, "EXT_SOURCE_MEAN")
    y = values_of(portfolio, "AGE_YEARS")
    refused = np.asarray(portfolio.proba) >= portfolio.decision.threshold
    everyone = np.ones(len(x), dtype=bool)
    dense = cross_view(x, y, refused, everyone, max_points=1000)
    assert dense.points is None and sum(map(sum, dense.density[2])) == dense.n
    few = np.zeros(len(x), dtype=bool)
    few[:200] = True
    sparse = cross_view(x, y, refused, few, max_points=1000)
    assert sparse.density is None and len(sparse.points[0]) == sparse.n <= 200


def test_control_values_are_sanitised():
    assert clamp_k("abc") == (500, False)
    assert clamp_k(7) == (10, False)
    assert clamp_k(10**9) == (5000, False)
    assert clamp_k(250) == (250, True)
    spec, ok = group_spec("hack", "12.5", None, "'; drop", "x" * 500, "any")
    assert spec.base == "all" and ok
    assert len(spec.income) <= 10


def test_resolve_client(portfolio):
    known = int(portfolio.ids[10])
    assert resolve_client(portfolio.index_of, f" {known} ") == (known, None)
    spaced = f"{str(known)[:3]} {str(known)[3:]}"  # "100 002": people type long numbers in groups
    assert resolve_client(portfolio.index_of, spaced) == (known, None)
    assert resolve_client(portfolio.index_of, "1") == (None, "unknown")
    assert resolve_client(portfolio.index_of, "12a") == (None, "invalid")
    assert resolve_client(portfolio.index_of, "-5") == (None, "invalid")
    assert resolve_client(portfolio.index_of, "9" * 40) == (None, "too_long")
    assert resolve_client(portfolio.index_of, "") == (None, "empty")
    assert portfolio.closest_ids(known + 1, 2) == sorted(portfolio.closest_ids(known + 1, 2))
    assert known in portfolio.closest_ids(known + 1, 4)
