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


def _package(root, name: str, files: dict[str, str]) -> None:
    pkg = root / name
    pkg.mkdir(exist_ok=True)
    (pkg / "__init__.py").write_text("")
    for module, source in files.items():
        (pkg / f"{module}.py").write_text(source)


PHASE = '''"""A phase."""

# why it is done this way
def run(x):
    """Run it."""
    from {pkg} import helper

    return helper.double(x) + 1
'''
HELPER = "def double(x):\n    return 2 * x\n"
UNRELATED = "def other():\n    return 0\n"


def test_code_digest_follows_the_package_imports_and_ignores_comments_and_docstrings(tmp_path, monkeypatch):
    from veille.cache import code_digest, module_code

    pkg = f"fakepkg_{tmp_path.name.replace('-', '_')}"
    monkeypatch.syspath_prepend(str(tmp_path))
    _package(tmp_path, pkg, {"phase": PHASE.format(pkg=pkg), "helper": HELPER, "unrelated": UNRELATED})
    module = f"{pkg}.phase"
    assert set(module_code(module)) == {module, f"{pkg}.helper"}  # the import inside the function is followed
    base = code_digest(module)

    # Documentation, comments and layout: the same code, the same digest.
    edited = PHASE.format(pkg=pkg).replace("Run it.", "Run it twice.").replace("# why", "# and why")
    _package(tmp_path, pkg, {"phase": "\n\n" + edited})
    assert code_digest(module) == base
    # A module the phase does not import: the same digest.
    _package(tmp_path, pkg, {"unrelated": UNRELATED.replace("0", "1")})
    assert code_digest(module) == base
    # Code, in the phase or in a module it imports: a new digest.
    _package(tmp_path, pkg, {"helper": HELPER.replace("2 *", "3 *")})
    changed_helper = code_digest(module)
    assert changed_helper != base
    _package(tmp_path, pkg, {"phase": PHASE.format(pkg=pkg).replace("+ 1", "+ 2")})
    assert code_digest(module) not in (base, changed_helper)


def test_evaluation_results_are_keyed_on_the_tuning_code_they_run():
    from veille.cache import module_code

    assert {"veille.evaluation", "veille.tuning"} <= set(module_code("veille.evaluation"))
    assert "veille.methods.minilm" in module_code("veille.costs")  # imported inside a function
    assert "veille.render" not in module_code("veille.evaluation")


def test_a_phase_reuses_its_results_until_the_code_it_runs_changes(tmp_path):
    """Wiring: the clustering phase's entries are keyed on the evaluation code's digest, not on a version."""
    from dataclasses import replace
    from pathlib import Path

    from veille import phases
    from veille.context import RunSettings, open_run
    from veille.representations import build_representations

    flipkart = Path(__file__).resolve().parents[1] / "data/flipkart/flipkart_com-ecommerce_sample_1050.csv"
    settings = RunSettings(data_path=flipkart, cache_dir=tmp_path, quick=True, methods=("tfidf_logreg",))
    ctx = open_run(settings, echo=lambda _: None)
    ctx = replace(ctx, reps=build_representations(ctx))
    measured = len([r for r in ctx.reps if r.variant != ctx.stripped])  # clustered spaces, each one entry

    first, _ = phases.clustering(ctx)
    again, _ = phases.clustering(ctx)
    assert (ctx.log.misses, ctx.log.hits) == (measured, measured)
    assert again == first

    edited = replace(ctx, code=replace(ctx.code, evaluation=ctx.code.evaluation + "-edited"))
    phases.clustering(edited)
    assert (ctx.log.misses, ctx.log.hits) == (2 * measured, measured)  # the same log: recomputed, not reused
