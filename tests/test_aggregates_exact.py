"""The build's aggregates against the exact arrays of the same trained portfolio, and the view served from them.

Stated tolerance (scoring/aggregates.py): group sizes and value counts exact; the median and a client's
share below within one fine bin; each chart bin within the clients of the fine bins its edges cut; whole-number
characteristics exact. The cross view: same counts, medians within one fine bin.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.config import Config
from callbacks import comparison as view
from layouts.i18n import language
from scoring import aggregates as ag
from scoring.artifacts import Artifacts
from scoring.comparison import (
    PROBABILITY,
    ExactStats,
    GroupSpec,
    RowStats,
    comparable,
    concrete_mask,
    facts_of,
    place_client,
    resolve,
    value_at,
    values_of,
)
from scoring.errors import ArtifactError
from scoring.portfolio import Portfolio
from wsgi import create_app


@pytest.fixture(scope="module")
def portfolio(synthetic_artifacts):
    return Portfolio(Artifacts(synthetic_artifacts))


@pytest.fixture(scope="module")
def aggregates(synthetic_artifacts):
    return ag.load(synthetic_artifacts)


def groups(portfolio, count: int, seed: int = 11):
    """Random clients with random group controls (every filter kind, explicit levels and bands included)."""
    rng = np.random.default_rng(seed)
    choices = {
        "base": ["all", "decision"],
        "gender": ["any", "same", "F", "M"],
        "age": ["any", "same", "1", "3"],
        "income": ["any", "same", "2"],
        "contract": ["any", "same", "Revolving loans"],
    }
    for _ in range(count):
        yield int(rng.integers(len(portfolio))), GroupSpec(**{k: str(rng.choice(v)) for k, v in choices.items()})


def fine_counts(aggregates, name, values):
    """Counts of exact values on the aggregates' fine bins."""
    bins = ag.fine_bin(aggregates.spec, name, values)
    return np.bincount(bins, minlength=len(aggregates.spec.edges[aggregates.spec.names.index(name)]) + 1)


def median_in_place(spec, name, values, median) -> bool:
    """The median's fine bin is that of a middle client, or next to it (of either, for an even count)."""
    ordered = np.sort(values)
    middle = ordered[[(len(ordered) - 1) // 2, len(ordered) // 2]]
    low, high, found = ag.fine_bin(spec, name, np.asarray([*middle, median]))
    return low - 1 <= found <= high + 1


def test_the_manifest_lists_and_checks_the_aggregates(synthetic_artifacts, aggregates):
    files = Artifacts(synthetic_artifacts).manifest["files"]
    assert {ag.NPZ, ag.JSON} <= set(files)
    portfolio = Portfolio(Artifacts(synthetic_artifacts))
    assert aggregates.n_clients == len(portfolio)
    # The build's importance is a float32 mean; the aggregates sum |SHAP| in float64.
    np.testing.assert_allclose(aggregates.importance, np.asarray(portfolio.importance), rtol=1e-4)
    assert aggregates.spec.names == comparable(portfolio)


def test_group_summaries_match_the_arrays_within_one_fine_bin(portfolio, aggregates):
    exact, approx = ExactStats(portfolio), ag.AggregateStats(aggregates)
    spec = aggregates.spec
    checked = 0
    for index, group_spec in groups(portfolio, 40):
        facts = facts_of(portfolio, index)
        exact_group = resolve(facts, group_spec, exact.levels(), index)
        approx_group = resolve(facts, group_spec, approx.levels(), index)
        mask = concrete_mask(portfolio, exact_group)
        for name in spec.names:
            e, a = (
                exact.group_aggregates(exact_group, name, PROBABILITY),
                approx.group_aggregates(approx_group, name, PROBABILITY),
            )
            assert (e is None) == (a is None) == (not mask.any())
            if e is None:
                continue
            (se, ce), (sa, ca) = e, a
            assert (sa.n, sa.n_values) == (se.n, se.n_values)
            assert (ca.n, ca.group_size) == (ce.n, ce.group_size)
            if not se.n_values:
                continue
            values = values_of(portfolio, name)[mask]
            values = values[~np.isnan(values)]
            counts = fine_counts(aggregates, name, values)
            i = spec.names.index(name)
            assert median_in_place(spec, name, values, sa.median), (name, se.median, sa.median)
            # The client's rank: off by at most the clients of its own fine bin, plus the 0.1 % step of the
            # quantiles and, in a small group, one client (the arrays' quantiles interpolate between clients).
            client = value_at(portfolio, name, index)
            if not np.isnan(client):
                he, ha = place_client(se, client), place_client(sa, client)
                own = counts[ag.fine_bin(spec, name, np.asarray([client]))[0]] / se.n_values
                slack = own + 0.002 + 1 / max(se.n_values - 1, 1)
                assert abs(he.share_below - ha.share_below) <= slack, (name, he.share_below, ha.share_below)
            # Chart bins on the aggregates' edges: within the clients of the fine bins cut by each edge.
            edges = np.asarray(sa.edges)
            drawn = np.asarray(sa.granted) + np.asarray(sa.refused)
            assert drawn.sum() == se.n_values
            truth, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
            cut = counts[ag.fine_bin(spec, name, edges)]
            slack = cut[:-1] + cut[1:] + 1
            assert (np.abs(truth - drawn) <= slack).all(), (name, truth, drawn)
            if spec.whole[i]:  # whole numbers: the same chart, median and ranks as the arrays
                assert (sa.edges, sa.granted, sa.refused, sa.median) == (se.edges, se.granted, se.refused, se.median)
                np.testing.assert_allclose(sa.quantiles, se.quantiles)
            if ce.n and ca is not None:
                x, score = values_of(portfolio, name)[mask], values_of(portfolio, PROBABILITY)[mask]
                both = ~np.isnan(x) & ~np.isnan(score)
                assert median_in_place(spec, name, x[both], ca.medians[0]), (name, ce.medians, ca.medians)
                assert median_in_place(spec, PROBABILITY, score[both], ca.medians[1]), (name, ce.medians, ca.medians)
            checked += 1
    assert checked > 300


def test_trend_agrees_on_large_groups(portfolio, aggregates):
    """Spearman's rho of the arrays vs the aggregates' rank correlation, on groups of 2,000 clients or more."""
    exact, approx = ExactStats(portfolio), ag.AggregateStats(aggregates)
    gaps = []
    for index, group_spec in groups(portfolio, 12, seed=3):
        facts = facts_of(portfolio, index)
        exact_group = resolve(facts, group_spec, exact.levels(), index)
        for name in ("EXT_SOURCE_MEAN", "AMT_CREDIT", "PAYMENT_RATE", "YEARS_EMPLOYED"):
            if name not in aggregates.spec.names:
                continue
            e = exact.group_aggregates(exact_group, name, PROBABILITY)
            if e is None or e[1].n < 2_000 or e[1].correlation is None:
                continue
            a = approx.group_aggregates(resolve(facts, group_spec, approx.levels(), index), name, PROBABILITY)
            gaps.append(abs(e[1].correlation - a[1].correlation))
    assert gaps and max(gaps) < 0.05, gaps


def test_the_cross_view_of_either_order_is_the_same_density(aggregates):
    everyone = ag.AggregateStats(aggregates)
    from scoring.comparison import ConcreteGroup

    _, forward = everyone.group_aggregates(ConcreteGroup(), "EXT_SOURCE_MEAN", PROBABILITY)
    _, backward = everyone.group_aggregates(ConcreteGroup(), PROBABILITY, "EXT_SOURCE_MEAN")
    xs, ys, counts = forward.density
    assert backward.density == (ys, xs, np.asarray(counts).T.tolist())
    assert backward.medians == forward.medians[::-1] and backward.correlation == forward.correlation
    assert everyone.group_aggregates(ConcreteGroup(), "EXT_SOURCE_MEAN", "AMT_CREDIT")[1] is None  # no grid kept


# --- the view --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def services(synthetic_artifacts, tmp_path_factory):
    db = tmp_path_factory.mktemp("reviews") / "reviews.sqlite3"
    app = create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False, database_url=f"sqlite:///{db}"))
    return app.server.config["services"]


CONTROLS = {"k": 50, "gender": "same", "age": "any", "income": "any", "contract": "any"}


def compare(services, client_id, base="all", x_name="EXT_SOURCE_MEAN", y_name=PROBABILITY, **controls):
    return view.compare(
        services, client_id=client_id, x_name=x_name, y_name=y_name, base=base, lang="en", **{**CONTROLS, **controls}
    )


@pytest.fixture
def from_aggregates(services, synthetic_artifacts):
    """The same services, with the comparison served from the aggregates file (as a store without arrays does)."""
    services.group_stats = ag.AggregateStats(synthetic_artifacts)
    yield services
    del services.group_stats


def test_the_view_from_aggregates_counts_the_same_groups(services, from_aggregates):
    client = int(services.portfolio.ids[7])
    for base in ("all", "decision"):
        with_aggregates = compare(from_aggregates, client, base)
        del from_aggregates.group_stats
        with_arrays = compare(services, client, base)
        from_aggregates.group_stats = ag.AggregateStats(services.artifacts.folder)
        assert with_aggregates["size"] == with_arrays["size"] and with_aggregates["message"] == ""
        assert with_aggregates["hist"]["data"] and with_aggregates["cross"]["data"][0]["type"] == "heatmap"


def test_the_nearest_group_comes_from_the_neighbours_rows(from_aggregates):
    portfolio = from_aggregates.portfolio
    client = int(portfolio.ids[3])
    asked = []

    def nearest_stats(group):
        asked.append(group)
        rows = portfolio.nearest(group.nearest_of, group.k)
        refused = np.asarray(portfolio.proba)[rows] >= portfolio.decision.threshold
        return RowStats({name: values_of(portfolio, name)[rows] for name in comparable(portfolio)}, refused)

    from_aggregates.nearest_stats = nearest_stats
    try:
        out = compare(from_aggregates, client, "nearest", gender="any")
    finally:
        del from_aggregates.nearest_stats
    assert asked and asked[0].k == 50
    assert out["size"] == "Compared group: 50 clients."


def test_a_pair_without_grid_is_explained(from_aggregates):
    out = compare(from_aggregates, int(from_aggregates.portfolio.ids[5]), y_name="AMT_CREDIT")
    note = out["cross_caption"]
    assert "probability of default" in note and "first or the second" in note
    assert out["cross"]["data"] == [] and out["cross"]["layout"]["annotations"][0]["text"] == note
    assert out["hist"]["data"] and out["message"] == ""  # the distribution is still drawn


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_missing_or_corrupt_file_is_said_on_the_page(services, synthetic_artifacts, tmp_path, damage):
    folder = tmp_path / "aggregates"
    folder.mkdir()
    for name in (ag.NPZ, ag.JSON):
        (folder / name).write_bytes((synthetic_artifacts / name).read_bytes())
    if damage == "missing":
        (folder / ag.NPZ).unlink()
    else:
        (folder / ag.NPZ).write_bytes(b"PK\x03\x04 not a zip at all")
    services.group_stats = ag.AggregateStats(folder)
    try:
        out = compare(services, int(services.portfolio.ids[0]))
    finally:
        del services.group_stats
    message = language("en")._("The comparison data of this portfolio cannot be read; the other views still work.")
    assert out["message"] == message
    with pytest.raises(ArtifactError):
        ag.load(folder)
