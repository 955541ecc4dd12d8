"""Shared benchmark plumbing: artifacts of a given size, Gunicorn as the Procfile runs it, PSS."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
KAGGLE_TRAIN, KAGGLE_TOTAL = 307_511, 356_255


def build_artifacts(n_clients: int, folder: Path | None = None) -> Path:
    """Synthetic portfolio of ``n_clients`` (train:test as in Kaggle), built once and reused."""
    folder = folder or ROOT / "artifacts" / f"bench-{n_clients}"
    if (folder / "manifest.json").is_file():
        return folder
    n_train = round(n_clients * KAGGLE_TRAIN / KAGGLE_TOTAL)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scoring",
            "train",
            "--synthetic",
            str(n_train),
            "--synthetic-test",
            str(n_clients - n_train),
            "--out",
            str(folder),
        ],
        cwd=ROOT,
        check=True,
    )
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def post_json(url: str, body: dict, timeout: float = 30) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}


def save(result: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def start_gunicorn(cwd: Path, env: dict, port: int, gunicorn: str = "gunicorn", log_path: Path | None = None):
    """Start the Procfile's web command (PORT substituted by the shell, as Heroku does)."""
    procfile = (cwd / "Procfile").read_text(encoding="utf-8")
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))[4:].strip()
    if gunicorn != "gunicorn":
        web = web.replace("gunicorn ", f"{gunicorn} ", 1)
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed by the caller's process end
    return subprocess.Popen(
        ["bash", "-c", f"exec {web}"],
        cwd=cwd,
        env={**env, "PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_up(base: str, process: subprocess.Popen, limit: float) -> float | None:
    """Seconds until /healthz answers 200 (None if the process died or the limit passed)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if process.poll() is not None:
            return None
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return None


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
