"""Real servers started by the tests on loopback ports (Redis, the Procfile's Gunicorn); each test stops what it
starts. The benchmarks start theirs with the same functions."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--protected-mode", "yes", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import redis

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port, socket_timeout=0.5).ping():
                return process
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


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


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def command(pid: int) -> str:
    """A process's command line ("?" once it has gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += children(current)
    return pids
