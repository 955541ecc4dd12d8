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


def procfile_command(port: int) -> list[str]:
    """The Procfile's web command with $PORT substituted, run from this interpreter's environment."""
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    words = line.split(":", 1)[1].replace("$PORT", str(port)).split()
    gunicorn = Path(sys.executable).with_name(words[0])
    return [str(gunicorn), *words[1:]]


def start_web(
    artifacts: Path, port: int, workers: int = 2, extra_env: dict | None = None, log: Path | None = None
) -> subprocess.Popen:
    env = {
        **os.environ,
        "ARTIFACTS_DIR": str(artifacts),
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "BUILD_DEFAULT_ARTIFACTS": "0",
        **(extra_env or {}),
    }
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        procfile_command(port), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_http_ok(url: str, timeout: float, process: subprocess.Popen | None = None) -> float:
    """Seconds until ``url`` answers 200; raises if the process dies or time runs out."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 200 within {timeout} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def process_tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(x) for x in children.read_text().split()] if children.exists() else []
    return [pid] + [p for kid in kids for p in process_tree(kid)]


def memory_mb(pids: list[int]) -> dict[str, float]:
    """Sum of PSS (shared pages split fairly between processes) and of RSS, in MB."""
    totals = {"pss": 0.0, "rss": 0.0}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                field = line.split(":")[0]
                if field in ("Pss", "Rss"):
                    totals[field.lower()] += int(line.split()[1]) / 1024
        except (FileNotFoundError, ProcessLookupError):
            continue
    return {k: round(v, 1) for k, v in totals.items()}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


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
