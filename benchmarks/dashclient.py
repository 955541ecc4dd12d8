"""A small HTTP client of the dashboard for benchmarks: advisor login, then callbacks as the browser sends them."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parents[1]
ADVISOR, PASSWORD = "bench", "benchmark password, not a secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(**extra: str) -> dict[str, str]:
    """Environment of a production dyno with one advisor account made for the benchmark."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CACHE_TYPE", "AUDIT_LOG_PATH")}
    env.update(
        APP_ENV="production",
        SECRET_KEY="benchmark-" + "x" * 40,
        ADVISOR_CREDENTIALS=f"{ADVISOR}:{generate_password_hash(PASSWORD)}",
        BUILD_DEFAULT_ARTIFACTS="0",
        WEB_CONCURRENCY="2",
        # As app.json sets it: glibc's per-thread malloc arenas cost ~165 MB more PSS under load (measured).
        MALLOC_ARENA_MAX="2",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def new_session() -> requests.Session:
    """A session that sends the app's cookies back over plain HTTP.

    Production cookies are Secure and the benchmark talks plain HTTP on loopback (as Heroku's router does
    behind TLS); requests' jar would never send them, so they travel in a Cookie header kept here.
    """
    session = requests.Session()
    cookies: dict[str, str] = {}

    def remember(response, *args, **kwargs):
        for cookie in response.cookies:
            cookies[cookie.name] = cookie.value
        if cookies:
            session.headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())

    session.hooks["response"].append(remember)
    return session


def login(session: requests.Session, base: str, timeout: float = 30) -> None:
    page = session.get(f"{base}/login", timeout=timeout)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{base}/login", data={"csrf": token, "username": ADVISOR, "password": PASSWORD, "next": "/"},
                          allow_redirects=False, timeout=timeout)
    if answer.status_code != 302:
        raise RuntimeError(f"login failed: HTTP {answer.status_code}")


def callbacks(session: requests.Session, base: str, timeout: float = 30) -> dict[str, dict]:
    """{first output "id.prop": spec} from /_dash-dependencies, as the renderer reads them."""
    found = {}
    for spec in session.get(f"{base}/_dash-dependencies", timeout=timeout).json():
        key = spec["output"]
        outputs = [part for part in key.strip(".").split("...")] if key.startswith("..") else [key]
        spec = {**spec, "outputs": [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True)) for o in outputs]}
        found[outputs[0]] = spec
    return found


def payload(spec: dict, values: dict, changed: list[str] | None = None) -> dict:
    def items(entries):
        return [{"id": e["id"], "property": e["property"], "value": values.get(f"{e['id']}.{e['property']}")}
                for e in entries]

    outputs = spec["outputs"]
    return {
        "output": spec["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": items(spec["inputs"]),
        "state": items(spec["state"]),
        "changedPropIds": changed if changed is not None else [f"{e['id']}.{e['property']}" for e in spec["inputs"][:1]],
    }


def start_gunicorn(cwd: Path, env: dict, port: int, gunicorn: str = "gunicorn", log_path: Path | None = None):
    """Start the Procfile's web command (PORT substituted by the shell, as Heroku does)."""
    procfile = (cwd / "Procfile").read_text(encoding="utf-8")
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))[4:].strip()
    if gunicorn != "gunicorn":
        web = web.replace("gunicorn ", f"{gunicorn} ", 1)
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed by the caller's process end
    return subprocess.Popen(["bash", "-c", f"exec {web}"], cwd=cwd, env={**env, "PORT": str(port)},
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


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
