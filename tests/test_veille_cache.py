"""Cache keys: stable, order-independent for parameters, sensitive to model, parameters and texts."""

import numpy as np

from veille.cache import Cache, cache_key, texts_digest


def test_key_is_stable_and_ignores_parameter_order():
    a = cache_key("minilm", {"model": "m@1", "batch": 32}, ["x", "y"])
    b = cache_key("minilm", {"batch": 32, "model": "m@1"}, ["x", "y"])
    assert a == b
    assert a.startswith("minilm-")


def test_key_changes_with_model_parameters_and_texts():
    base = cache_key("minilm", {"model": "m@1", "batch": 32}, ["x", "y"])
    assert cache_key("minilm", {"model": "m@2", "batch": 32}, ["x", "y"]) != base
    assert cache_key("minilm", {"model": "m@1", "batch": 16}, ["x", "y"]) != base
    assert cache_key("minilm", {"model": "m@1", "batch": 32}, ["x", "z"]) != base
    assert cache_key("minilm", {"model": "m@1", "batch": 32}, ["y", "x"]) != base  # order matters
    assert cache_key("m2v", {"model": "m@1", "batch": 32}, ["x", "y"]) != base


def test_text_digest_is_unambiguous_about_boundaries():
    assert texts_digest(["ab", "c"]) != texts_digest(["a", "bc"])
    assert texts_digest([""]) != texts_digest([])


def test_json_cache_computes_once(tmp_path):
    cache = Cache(tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return {"value": 3}

    first, hit1 = cache.json("cv-abc", compute)
    second, hit2 = cache.json("cv-abc", compute)
    assert (first, hit1) == ({"value": 3}, False)
    assert (second, hit2) == ({"value": 3}, True)
    assert len(calls) == 1


def test_array_cache_round_trip_keeps_metadata(tmp_path):
    cache = Cache(tmp_path)
    vectors = np.arange(6, dtype=np.float32).reshape(2, 3)
    out, meta, hit = cache.array("minilm-k1", lambda: (vectors, {"encode_seconds": 1.5}))
    assert not hit
    again, meta2, hit2 = cache.array("minilm-k1", lambda: (np.zeros(1), {}))
    assert hit2
    np.testing.assert_array_equal(again, vectors)
    assert meta2 == {"encode_seconds": 1.5}
    assert not list(tmp_path.rglob(".tmp-*"))  # atomic writes leave no temporary files


def _allocate(mb: int) -> int:
    block = bytearray(mb * 2**20)
    block[:: 4096] = b"x" * len(block[:: 4096])  # touch every page so it is resident
    return len(block)


def test_isolated_step_reports_its_own_peak_memory_not_the_parents():
    import sys
    from pathlib import Path

    from veille.isolation import run_isolated

    sys.path.insert(0, str(Path(__file__).resolve().parent))  # so the child can import this module
    parent_ballast = bytearray(300 * 2**20)
    parent_ballast[:: 4096] = b"x" * len(parent_ballast[:: 4096])
    size, cost = run_isolated(_allocate, 120)
    assert size == 120 * 2**20
    # the child holds ~120 MB on top of a bare interpreter, never the parent's 300 MB ballast
    assert 120 < cost["process_peak_rss_mb"] < 250
    del parent_ballast
