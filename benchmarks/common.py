"""Shared benchmark plumbing: artifacts of a given size, Gunicorn as the Procfile runs it, PSS."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

# Re-exported: the benchmarks start Gunicorn with the tests' functions (tests/servers.py).
from tests.servers import free_port, start_gunicorn, stop, wait_until_up  # noqa: F401

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
