"""Letter PDFs under Gunicorn as the Procfile runs it: made by the warm renderer the master owns.

One renderer tree for the whole server, a child of the master, started before the workers; no worker maps
WeasyPrint's libraries; a killed renderer costs no PDF (the worker makes it in a child process, or says
clearly that it cannot), and the master starts a new renderer before it forks the next worker.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import requests

from tests.restarts import server_env
from tests.servers import children, command, free_port, start_gunicorn, stop, tree, wait_until_up

from .conftest import ROOT


def renderers(master: int) -> list[int]:
    """The warm renderers' parents (``pdf_render.py --serve``) anywhere under the master."""
    return [pid for pid in tree(master) if "pdf_render.py --serve" in command(pid)]


def workers(master: int) -> list[int]:
    return [pid for pid in children(master) if "pdf_render.py" not in command(pid)]


def maps_pango(pid: int) -> bool:
    try:
        return "libpango" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def running(pid: int) -> bool:
    """Alive and not a zombie (a zombie waits for a parent, maybe a container's PID 1, to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(condition, limit: float = 30):
    deadline = time.monotonic() + limit
    while not (found := condition()):
        if time.monotonic() > deadline:
            return found
        time.sleep(0.1)
    return found


def test_pdfs_come_from_the_masters_warm_renderer(synthetic_artifacts, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **server_env(synthetic_artifacts),
        "APP_ENV": "development",
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "reviews.db"),
    }
    log_path = tmp_path / "gunicorn.log"
    process = start_gunicorn(ROOT, env, port, gunicorn=str(Path(sys.executable).with_name("gunicorn")), log_path=log_path)
    client_id = int(np.load(synthetic_artifacts / "portfolio" / "ids.npy")[3])
    url = f"{base}/lettre.pdf?client={client_id}"
    try:
        assert wait_until_up(base, process, limit=90) is not None, log_path.read_text()[-2000:]
        assert wait_for(lambda: len(workers(process.pid)) == 2)
        owners = renderers(process.pid)
        assert len(owners) == 1 and owners[0] in children(process.pid), owners  # one renderer, the master's

        def warm_path_used() -> bool:
            requests.get(url, timeout=30)
            return "pdf-renderer[" in log_path.read_text()

        # Its rendering processes start once WeasyPrint is imported: the first PDFs may come the old way.
        assert wait_for(warm_path_used, 60), log_path.read_text()[-2000:]
        first_tree = tree(owners[0])
        for _ in range(4):
            response = requests.get(url, timeout=30)
            assert response.status_code == 200 and response.content.startswith(b"%PDF"), response.text[:300]
        log = log_path.read_text()
        assert log.count("pdf-renderer[") >= 4 and "Traceback" not in log, log[-2000:]
        assert not any(maps_pango(pid) for pid in workers(process.pid))  # WeasyPrint never in a worker

        # The renderer killed: the next PDF is still made (a child process) or refused with a clear page.
        for pid in first_tree:
            os.kill(pid, signal.SIGKILL)
        assert wait_for(lambda: not any(map(running, first_tree)))
        response = requests.get(url, timeout=30)
        assert (response.status_code == 200 and response.content.startswith(b"%PDF")) or (
            response.status_code == 503 and "Le PDF n'a pas pu être créé" in response.text
        ), (response.status_code, response.text[:300])
        assert "PDF renderer unavailable" in log_path.read_text()

        # The master starts a new renderer before it forks the next worker.
        os.kill(workers(process.pid)[0], signal.SIGKILL)
        assert wait_for(lambda: len(renderers(process.pid)) == 1), log_path.read_text()[-2000:]
        second_tree = tree(renderers(process.pid)[0])
        before = log_path.read_text().count("pdf-renderer[")
        assert wait_for(
            lambda: requests.get(url, timeout=30).status_code == 200 and log_path.read_text().count("pdf-renderer[") > before
        ), log_path.read_text()[-2000:]
    finally:
        stop(process)
    # Nothing outlives the server: the renderers end with the master (or notice within a second that it is gone).
    assert wait_for(lambda: not any(map(running, first_tree + second_tree)), 10)


@pytest.fixture(autouse=True)
def _needs_gunicorn():
    if not Path(sys.executable).with_name("gunicorn").is_file():
        pytest.skip("gunicorn is not installed in this environment")
