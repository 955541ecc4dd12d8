"""The what-if under Gunicorn as the Procfile runs it (preload_app, 2 workers): every worker simulates.

XGBoost predictions hang in workers forked after OpenMP started in the master (dmlc/xgboost#8040): the
master must never predict, and each worker loads its own Booster. Requests are sent in parallel until both
workers have answered simulations; each must answer in time.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import requests

from layouts.whatif import ids as whatif_ids
from tests.callback_requests import index_dependencies, key, payload
from tests.restarts import server_env
from tests.servers import children, command, free_port, start_gunicorn, stop, wait_until_up

from .conftest import ROOT

WHATIF = "whatif-status.children"
AMOUNT = key(whatif_ids.field("AMT_CREDIT"), "value")


def workers(master: int) -> list[int]:
    """The master's children but its warm PDF renderer (app/pdf_renderer.py)."""
    return [pid for pid in children(master) if "pdf_render.py" not in command(pid)]


def test_every_worker_simulates_after_the_fork(synthetic_artifacts, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **server_env(synthetic_artifacts),
        "APP_ENV": "development",
        # The worker's pid in each access line: which worker answered (Gunicorn reads GUNICORN_CMD_ARGS).
        "GUNICORN_CMD_ARGS": "--access-logformat 'pid=%(p)s %(m)s %(U)s %(s)s'",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = start_gunicorn(ROOT, env, port, gunicorn=gunicorn, log_path=tmp_path / "gunicorn.log")
    try:
        assert wait_until_up(base, process, limit=90) is not None, (tmp_path / "gunicorn.log").read_text()[-2000:]
        # The first 200 can come from the first worker while the master is still forking the second.
        deadline = time.monotonic() + 30
        while len(running := workers(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(running) == 2
        deps = index_dependencies(requests.get(f"{base}/_dash-dependencies", timeout=10).json())
        ids = np.load(synthetic_artifacts / "portfolio" / "ids.npy")

        def simulate(client_id: int) -> tuple[int, str]:
            values = {"client-id.data": int(client_id), "lang.data": "en"}
            fill = requests.post(
                f"{base}/_dash-update-component", json=payload(deps[WHATIF], values, ["client-id.data"]), timeout=20
            ).json()["response"]
            form = {f"{c}.{p}": v for c, props in fill.items() for p, v in props.items() if p == "value"}
            amount = float(str(form[AMOUNT]).replace(",", ""))  # the form's English text
            form[AMOUNT] = str(max(int(amount * 0.7), 70_000))  # within the product's bounds
            body = payload(deps[WHATIF], {**values, **form, "whatif-submit.n_clicks": 1}, ["whatif-submit.n_clicks"])
            answer = requests.post(f"{base}/_dash-update-component", json=body, timeout=20)
            return answer.status_code, answer.json()["response"]["whatif-status"]["children"]

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(simulate, ids[:40:2]))
        assert all(code == 200 for code, _ in results)
        assert all(text.startswith("The probability of default goes from") for _, text in results), results[:3]
        log = (tmp_path / "gunicorn.log").read_text()
        assert "WORKER TIMEOUT" not in log and "Traceback" not in log
        answering = {line.split("pid=<")[1].split(">")[0] for line in log.splitlines() if "pid=<" in line and "POST" in line}
        assert len(answering) == 2, "both workers must have simulated"
        assert workers(process.pid) == running  # no worker died or was replaced
    finally:
        stop(process)


@pytest.fixture(autouse=True)
def _needs_gunicorn():
    if not Path(sys.executable).with_name("gunicorn").is_file():
        pytest.skip("gunicorn is not installed in this environment")
