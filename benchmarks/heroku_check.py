"""Simulate a Heroku dyno here: slug size, boot time and memory at full Kaggle scale.

1. A fresh virtual environment gets what Heroku's Python buildpack installs (`pip install -r requirements.txt`);
   the resolved set must hold no torch, no CUDA/nvidia wheel and xgboost-cpu rather than xgboost.
2. The slug is assembled as Heroku would (the repository minus .slugignore, plus the artifacts that
   bin/post_compile builds, plus the environment) and compressed as tar.gz: limit 500 MB.
3. The Procfile's web command starts with PORT set, APP_ENV=production, WEB_CONCURRENCY=2, on the
   full-scale artifacts (356,255 clients): it must answer within 60 s.
4. After an advisor logs in and views clients, the PSS of the master and workers (from
   /proc/PID/smaps_rollup) is summed: limit 512 MB (Standard-1X).

    python benchmarks/heroku_check.py [--artifacts artifacts/default] [--build]

Figures are printed and saved as JSON (benchmarks/results/heroku_check.json).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import platform
import random
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import numpy as np  # noqa: E402

from benchmarks.common import ROOT, free_port, start_gunicorn, stop, wait_until_up  # noqa: E402
from benchmarks.dashclient import callbacks, login, new_session, production_env  # noqa: E402
from benchmarks.procmem import tree_memory  # noqa: E402
from benchmarks.serve import CLIENT_CALLBACKS, COMPARE_DEFAULTS  # noqa: E402
from tests.callback_requests import payload  # noqa: E402

SLUG_LIMIT_MB = 500
MEMORY_LIMIT_MB = 512
BOOT_LIMIT_S = 60
FORBIDDEN = ("torch", "nvidia-", "xgboost", "shap", "numba", "llvmlite")  # xgboost-cpu is checked apart


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def du_mb(path: Path) -> float:
    return int(run(["du", "-sb", str(path)]).stdout.split()[0]) / 1e6


def make_venv(venv: Path, reuse: bool) -> dict:
    started = time.monotonic()
    if not (reuse and (venv / "bin" / "gunicorn").exists()):
        shutil.rmtree(venv, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "-r",
             str(ROOT / "requirements.txt")])
    frozen = run([str(venv / "bin" / "pip"), "freeze", "--disable-pip-version-check"]).stdout.split()
    names = sorted(line.split("==")[0].lower() for line in frozen)
    forbidden = [n for n in names if n != "xgboost-cpu" and n.startswith(FORBIDDEN)]
    return {"seconds": round(time.monotonic() - started, 1), "packages": len(names), "installed_mb": round(du_mb(venv), 1),
            "forbidden_found": forbidden, "xgboost_cpu": "xgboost-cpu" in names}


def slug_files() -> list[str]:
    tracked = run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT).stdout.splitlines()
    ignore = [line.strip() for line in (ROOT / ".slugignore").read_text().splitlines()
              if line.strip() and not line.startswith("#")]

    def ignored(path: str) -> bool:
        for pattern in ignore:
            if pattern.endswith("/") and (path.startswith(pattern) or f"/{pattern}" in f"/{path}"):
                return True
            if fnmatch.fnmatch(path, pattern):
                return True
        return False

    return [p for p in tracked if not ignored(p) and (ROOT / p).is_file()]


def assemble_slug(slug: Path, artifacts: Path, venv: Path) -> dict:
    shutil.rmtree(slug, ignore_errors=True)
    for rel in slug_files():
        target = slug / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    shutil.copytree(artifacts, slug / "artifacts" / "default")
    # Heroku puts the interpreter and packages under the app (.heroku/python); a symlink keeps the venv's paths.
    (slug / ".heroku").mkdir()
    (slug / ".heroku" / "python").symlink_to(venv)
    # The buildpack also ships the CPython runtime in the slug: count this interpreter's (without its site-packages).
    runtime = Path(sys.base_prefix)
    own_packages = [f"--exclude={runtime.name}/{p.relative_to(runtime)}" for p in runtime.glob("lib/python3*/site-packages")]
    parts = {  # each part compressed on its own (gzip -6, as tar -z), the slug is their sum
        "python_runtime": [*own_packages, "-C", str(runtime.parent), runtime.name],
        "packages": ["--exclude=./python/lib64", "-C", str(slug / ".heroku"), "./python"],  # lib64 -> lib in a venv
        "artifacts": ["-C", str(slug), "./artifacts"],
        "app": ["--exclude=./.heroku", "--exclude=./artifacts", "-C", str(slug), "."],
    }
    started = time.monotonic()
    compressed = {}
    for name, selection in parts.items():
        archive = slug.parent / f"slug_{name}.tar.gz"
        run(["tar", "-czhf", str(archive), *selection])  # -h: follow the venv symlink
        compressed[name] = round(archive.stat().st_size / 1e6, 1)
        archive.unlink()
    return {
        "installed_mb": {
            "python_runtime": round(du_mb(runtime) - sum(du_mb(p) for p in runtime.glob("lib/python3*/site-packages")), 1),
            "packages": round(du_mb(venv), 1),
            "artifacts": round(du_mb(slug / "artifacts"), 1),
            "app": round(du_mb(slug) - du_mb(slug / "artifacts"), 1),
        },
        "compressed_parts_mb": compressed,
        "compressed_mb": round(sum(compressed.values()), 1),
        "compress_seconds": round(time.monotonic() - started, 1),
    }


def exercise(base: str, ids: np.ndarray, views: int) -> dict:
    """An advisor logs in and opens `views` clients (all views) plus comparisons, so workers touch their pages."""
    session = new_session()
    login(session, base)
    session.get(f"{base}/", timeout=30).raise_for_status()
    session.get(f"{base}/_dash-layout", timeout=30).raise_for_status()
    specs = callbacks(session, base)
    rng = random.Random(1)
    statuses: dict[str, int] = {}
    started = time.monotonic()
    for _ in range(views):
        client = int(ids[rng.randrange(len(ids))])
        calls = [("client-id.data", {"url.search": f"?client={client}", "lang.data": "fr"})]
        values = {"client-id.data": client, "lang.data": "fr", **COMPARE_DEFAULTS}
        calls += [(name, values) for name in CLIENT_CALLBACKS]
        for name, values in calls:
            response = session.post(f"{base}/_dash-update-component", json=payload(specs[name], values), timeout=30)
            statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
    return {"views": views, "statuses": statuses, "seconds": round(time.monotonic() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts" / "default")
    parser.add_argument("--build", action="store_true", help="build full-scale synthetic artifacts when absent")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/heroku_check"))
    parser.add_argument("--reuse-venv", action="store_true", help="keep an existing venv in --workdir")
    parser.add_argument("--views", type=int, default=60, help="client views before measuring memory")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "heroku_check.json")
    args = parser.parse_args(argv)

    if not (args.artifacts / "manifest.json").is_file():
        if not args.build:
            parser.error(f"{args.artifacts} has no artifacts: pass --build (about 3-4 minutes) or --artifacts DIR")
        run([sys.executable, "-m", "scoring", "train", "--synthetic", "307511", "--out", str(args.artifacts)], cwd=ROOT)
    ids = np.load(args.artifacts / "portfolio" / "ids.npy", mmap_mode="r")
    args.workdir.mkdir(parents=True, exist_ok=True)
    venv, slug = args.workdir / "venv", args.workdir / "slug"

    print("1/4 installing requirements.txt into a fresh venv ...", flush=True)
    install = make_venv(venv, args.reuse_venv)
    print(f"    {install}", flush=True)
    print("2/4 assembling and compressing the slug ...", flush=True)
    size = assemble_slug(slug, args.artifacts, venv)
    print(f"    {size}", flush=True)

    print("3/4 starting the Procfile web command (production, WEB_CONCURRENCY=2) ...", flush=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = args.workdir / "web.log"
    env = production_env(PATH=f"{venv / 'bin'}:/usr/bin:/bin", ARTIFACTS_DIR="artifacts/default")
    process = start_gunicorn(slug, env, port, log_path=log_path)
    try:
        boot_s = wait_until_up(base, process, limit=BOOT_LIMIT_S + 30)
        memory_idle = tree_memory(process.pid) if boot_s else None
        print(f"    first 200 after {boot_s} s; idle PSS {memory_idle and memory_idle['pss_mb']} MB", flush=True)
        print(f"4/4 exercising {args.views} client views, then measuring memory ...", flush=True)
        usage = exercise(base, ids, args.views) if boot_s else None
        memory = tree_memory(process.pid) if boot_s else None
    finally:
        stop(process)
    log_tail = log_path.read_text(errors="replace").splitlines()[-5:]

    n_clients = int(len(ids))
    result = {
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "clients": n_clients,
        "install": install,
        "slug": {**size, "limit_mb": SLUG_LIMIT_MB, "ok": size["compressed_mb"] < SLUG_LIMIT_MB},
        "boot": {"seconds_to_first_200": boot_s and round(boot_s, 2), "limit_s": BOOT_LIMIT_S,
                 "ok": boot_s is not None and boot_s < BOOT_LIMIT_S},
        "memory_idle": memory_idle,
        "usage": usage,
        "memory_after_use": memory,
        "memory_ok": bool(memory) and memory["pss_mb"] < MEMORY_LIMIT_MB,
        "memory_limit_mb": MEMORY_LIMIT_MB,
        "web_log_tail": log_tail,
    }
    result["ok"] = (result["slug"]["ok"] and result["boot"]["ok"] and result["memory_ok"] and not install["forbidden_found"]
                    and install["xgboost_cpu"] and bool(usage) and set(usage["statuses"]) <= {"200", "204"})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("clients", "slug", "boot", "usage", "ok")}, indent=2))
    if memory:
        print(f"PSS after use: {memory['pss_mb']} MB (anon {memory['pss_anon_mb']}, file-backed {memory['pss_file_mb']}) "
              f"over {len(memory['processes'])} processes; limit {MEMORY_LIMIT_MB} MB")
    print(f"saved {args.out}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
