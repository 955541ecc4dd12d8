"""The benchmark scripts stay runnable: they import, and every callback they replay exists on today's page.

They are not run here (minutes, full scale); two of them had drifted from the page unnoticed once (a removed
catalogue function, renamed callbacks), which only showed when someone needed their figures.
"""

from __future__ import annotations

import importlib
import pkgutil

import benchmarks
from tests.callback_requests import index_dependencies


def test_every_benchmark_module_imports():
    names = [m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_")]
    assert {"serve", "load", "heroku_check", "whatif", "cold_start", "first_load", "browser_switch"} <= set(names)
    for name in names:
        importlib.import_module(f"benchmarks.{name}")


def test_replayed_callbacks_exist_with_the_inputs_the_scripts_send(dash_app):
    from benchmarks.serve import CLIENT_CALLBACKS, COMPARE_DEFAULTS
    from benchmarks.whatif import ADVICE, DASHBOARD, WHATIF

    deps = index_dependencies(dash_app.server.test_client().get("/_dash-dependencies").get_json())
    for name in ("client-id.data", *CLIENT_CALLBACKS, *DASHBOARD, WHATIF, ADVICE):
        assert name in deps, f"a benchmark replays {name}, which the page no longer has"
    inputs = {f"{i['id']}.{i['property']}" for i in deps["compare-size.children"]["inputs"]}
    assert set(COMPARE_DEFAULTS) <= inputs | {
        f"{s['id']}.{s['property']}" for s in deps["compare-size.children"].get("state", [])
    }
