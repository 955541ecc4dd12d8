"""Portfolio aggregates: merge laws, chunking, files, and size independent of the number of clients.

Pure tests on generated scored chunks (no model); the comparison with the exact arrays of a trained
portfolio is in test_aggregates_exact.py.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import aggregates as ag
from scoring.comparison import AGE_BANDS, INCOME_BANDS, PROBABILITY, ConcreteGroup
from scoring.errors import ArtifactError

NAMES = (PROBABILITY, "EXT_SOURCE_MEAN", "CNT_CHILDREN", "AMT_INCOME_TOTAL")
FEATURES = ("EXT_SOURCE_MEAN", "CNT_CHILDREN", "AMT_INCOME_TOTAL")
THRESHOLD = 0.09


def scored_rows(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Raw filter columns, features, probabilities and contributions of ``n`` made-up scored clients."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "CODE_GENDER": rng.choice(["F", "M", "XNA", None], n, p=[0.6, 0.38, 0.01, 0.01]),
            "NAME_CONTRACT_TYPE": rng.choice(["Cash loans", "Revolving loans", "Other"], n, p=[0.85, 0.14, 0.01]),
            "DAYS_BIRTH": -rng.uniform(16, 75, n) * 365.25,
            "AMT_INCOME_TOTAL": np.where(
                rng.random(n) < 0.3, 135_000.0, rng.lognormal(12, 0.5, n)
            ),  # a frequent exact value
        }
    )
    frame.loc[rng.random(n) < 0.01, "AMT_INCOME_TOTAL"] = np.nan
    ext = rng.beta(4, 3, n)
    ext[rng.random(n) < 0.2] = np.nan
    features = np.column_stack([ext, rng.poisson(0.5, n).astype(float), frame["AMT_INCOME_TOTAL"].to_numpy()])
    proba = rng.beta(1, 9, n)
    contrib = rng.normal(0, 0.3, (n, len(FEATURES)))
    return frame, features, proba, contrib


def spec_for(n: int = 5_000, seed: int = 0) -> ag.AggregateSpec:
    frame, features, proba, _ = scored_rows(n, seed)
    sample = {PROBABILITY: proba, **{name: features[:, i] for i, name in enumerate(FEATURES)}}
    return ag.make_spec(sample, FEATURES, THRESHOLD)


SPEC = spec_for()


def partial_of(rows, spec=SPEC, part=slice(None)):
    frame, features, proba, contrib = rows
    return ag.partial(spec, ag.chunk_of(frame.iloc[part], features[part], FEATURES, proba[part], contrib[part], NAMES))


def assert_same(a: ag.Aggregates, b: ag.Aggregates) -> None:
    a, b = ag.dense(a), ag.dense(b)
    for name in ("count", "hist", "proba_missing", "grid"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_allclose(a.moments, b.moments, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(a.abs_contrib, b.abs_contrib, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    cuts=st.lists(st.integers(0, 1_500), min_size=1, max_size=6),
    order=st.randoms(use_true_random=False),
)
def test_merge_of_any_split_in_any_order_is_the_one_pass_summary(seed, cuts, order):
    rows = scored_rows(1_500, seed)
    bounds = [0, *sorted(cuts), 1_500]
    parts = [partial_of(rows, part=slice(a, b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    whole = partial_of(rows)
    order.shuffle(parts)
    assert_same(ag.merge(parts), whole)
    # Associative: any grouping of the merges gives the same summary.
    if len(parts) >= 3:
        assert_same(ag.merge([ag.merge(parts[:2]), ag.merge(parts[2:])]), ag.merge([parts[0], ag.merge(parts[1:])]))
    assert ag.merge(parts).n_clients == 1_500


def test_partial_counts_every_client_once_in_the_right_cell():
    frame, features, proba, contrib = rows = scored_rows(3_000, 1)
    found = partial_of(rows)
    assert found.n_clients == 3_000
    count = found.count.reshape(SPEC.cell_shape)
    refused = proba >= THRESHOLD
    assert count[1].sum() == refused.sum() and count[0].sum() == (~refused).sum()
    women = (frame["CODE_GENDER"] == "F").to_numpy()
    assert count[:, SPEC.gender_levels.index("F")].sum() == women.sum()
    other = ~frame["CODE_GENDER"].isin(SPEC.gender_levels).to_numpy()  # None goes to the extra cell
    assert count[:, len(SPEC.gender_levels)].sum() == other.sum() > 0
    age = -frame["DAYS_BIRTH"].to_numpy() / 365.25
    assert count[:, :, :, len(AGE_BANDS)].sum() == ((age < AGE_BANDS[0][0]) | (age >= AGE_BANDS[-1][1])).sum() > 0
    assert count[..., len(INCOME_BANDS)].sum() == frame["AMT_INCOME_TOTAL"].isna().sum() > 0
    # Values per characteristic: every non-missing value once; the score of clients missing one is kept.
    ext = SPEC.names.index("EXT_SOURCE_MEAN")
    assert found.hist[ext].sum() == np.isfinite(features[:, 0]).sum()
    assert found.proba_missing[SPEC.may_miss.index("EXT_SOURCE_MEAN")].sum() == np.isnan(features[:, 0]).sum()
    np.testing.assert_allclose(found.importance, np.abs(contrib).mean(axis=0))


def test_chunked_local_build_equals_one_pass():
    frame, features, proba, contrib = scored_rows(4_000, 2)
    one = ag.of_portfolio(frame, features, FEATURES, proba, contrib, THRESHOLD, NAMES, chunk_rows=10_000)
    chunked = ag.of_portfolio(frame, features, FEATURES, proba, contrib, THRESHOLD, NAMES, chunk_rows=333)
    assert one.spec == chunked.spec
    assert_same(one, chunked)


def test_merge_refuses_different_specs():
    rows = scored_rows(500, 3)
    with pytest.raises(ValueError, match="different specs"):
        ag.merge([partial_of(rows), partial_of(rows, spec=spec_for(seed=9))])


def test_save_load_round_trip_is_memory_mapped(tmp_path):
    found = partial_of(scored_rows(2_000, 4))
    ag.save(found, tmp_path)
    loaded = ag.load(tmp_path)
    assert loaded.spec == found.spec
    assert isinstance(loaded.hist, np.memmap)  # workers share the pages instead of each holding a copy
    assert loaded.cells is not None and len(loaded.cells) == (found.count > 0).sum() < SPEC.n_cells
    assert_same(loaded, found)
    everyone = ConcreteGroup()
    assert ag.summary(loaded, everyone, "EXT_SOURCE_MEAN") == ag.summary(found, everyone, "EXT_SOURCE_MEAN")


def file_bytes(n: int, folder) -> int:
    """Size of the saved aggregates of ``n`` clients spread over every cell (the most a file can hold)."""
    frame, features, proba, contrib = scored_rows(n, 5)
    spec = SPEC
    shape = spec.cell_shape
    cell = np.arange(n) % spec.n_cells  # every cell filled whatever n
    refused, gender, contract, age, income = np.unravel_index(cell, shape)
    genders = np.array([*spec.gender_levels, "other"], dtype=object)
    contracts = np.array([*spec.contract_levels, "other"], dtype=object)
    ages = np.array([(low + high) / 2 for low, high in AGE_BANDS] + [10.0])
    incomes = np.array([low + 1 for low, _ in INCOME_BANDS] + [np.nan])
    proba = np.where(refused == 1, THRESHOLD + proba * (1 - THRESHOLD), proba * THRESHOLD)
    chunk = ag.Chunk(
        values={PROBABILITY: proba, **{name: features[:, i] for i, name in enumerate(FEATURES)}},
        contrib=contrib,
        gender=genders[gender],
        contract=contracts[contract],
        age_years=ages[age],
        income=incomes[income],
    )
    found = ag.partial(spec, chunk)
    assert (found.count > 0).all()
    ag.save(found, folder)
    return (folder / ag.NPZ).stat().st_size + (folder / ag.JSON).stat().st_size


def test_file_size_does_not_depend_on_the_number_of_clients(tmp_path):
    (tmp_path / "small").mkdir()
    (tmp_path / "large").mkdir()
    small, large = file_bytes(2_016, tmp_path / "small"), file_bytes(60_480, tmp_path / "large")
    assert small == large  # 30 times the clients, not one byte more


@pytest.mark.parametrize("damage", ["missing npz", "missing json", "truncated", "garbage json", "compressed"])
def test_missing_or_corrupt_files_raise_one_clear_error(tmp_path, damage):
    found = partial_of(scored_rows(1_000, 6))
    ag.save(found, tmp_path)
    npz, meta = tmp_path / ag.NPZ, tmp_path / ag.JSON
    if damage == "missing npz":
        npz.unlink()
    elif damage == "missing json":
        meta.unlink()
    elif damage == "truncated":
        npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])
    elif damage == "garbage json":
        meta.write_text("{not json", encoding="utf-8")
    else:
        np.savez_compressed(npz, **{"cells": np.arange(3)})
    with pytest.raises(ArtifactError) as error:
        ag.load(tmp_path)
    message = str(error.value)
    assert "\n" not in message and "aggregates" in message
    assert (ag.NPZ in message) or (ag.JSON in message)


def test_an_npz_of_other_arrays_is_refused(tmp_path):
    found = partial_of(scored_rows(1_000, 7))
    ag.save(found, tmp_path)
    with zipfile.ZipFile(tmp_path / ag.NPZ) as archive:
        names = archive.namelist()
    arrays = {n[:-4]: np.load(tmp_path / ag.NPZ)[n[:-4]] for n in names}
    arrays["hist"] = arrays["hist"][:, :, :-1]  # one fine bin fewer than its description says
    np.savez(tmp_path / ag.NPZ, **arrays)
    with pytest.raises(ArtifactError, match="differ from its description"):
        ag.load(tmp_path)


def test_cells_of_a_group_are_its_union():
    found = partial_of(scored_rows(3_000, 8))
    count = found.count.reshape(SPEC.cell_shape)
    women = SPEC.gender_levels.index("F")
    group = ConcreteGroup(refused=True, gender=women, age_band=2)
    cells = ag.cell_selector(SPEC, group)
    assert found.count[cells].sum() == count[1, women, :, 2, :].sum()
    assert ag.cell_selector(SPEC, ConcreteGroup(income_band=-2)) is None  # NOBODY
    with pytest.raises(ValueError, match="k-nearest"):
        ag.cell_selector(SPEC, ConcreteGroup(nearest_of=3, k=10))
