"""Heroku deployment files, and a boot that stops with one line on missing or corrupt artifacts."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from app.config import ROOT, Config
from wsgi import create_app

GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def requirement_lines(text: str) -> list[str]:
    return [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]


def test_heroku_requirements_are_the_web_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = requirement_lines((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    assert sorted(requirements) == sorted(pyproject["project"]["dependencies"]), "keep requirements.txt in step"
    names = {re.split(r"[<>=!~\[ ]", line)[0].lower() for line in requirements}
    assert "xgboost-cpu" in names
    assert not names & {"xgboost", "torch", "shap", "sentence-transformers", "setfit", "nvidia-nccl-cu12"}


def test_procfile_python_version_and_app_json():
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    assert "gunicorn" in web and "$PORT" in web and "app/gunicorn_conf.py" in web and "wsgi:server" in web
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    version = (ROOT / ".python-version").read_text(encoding="utf-8").strip()
    assert version == "3.11" and ">=3.11" in requires
    manifest = json.loads((ROOT / "app.json").read_text(encoding="utf-8"))
    env = manifest["env"]
    assert env["APP_ENV"]["value"] == "production" and env["SECRET_KEY"]["generator"] == "secret"
    assert env["ADVISOR_CREDENTIALS"]["required"] is True and "value" not in env["ADVISOR_CREDENTIALS"]
    assert env["BUILD_DEFAULT_ARTIFACTS"]["value"] == "0"


def test_post_compile_hook_is_executable_bash():
    hook = ROOT / "bin" / "post_compile"
    assert os.access(hook, os.X_OK)
    subprocess.run(["bash", "-n", str(hook)], check=True)
    assert "python -m scoring train --synthetic" in hook.read_text(encoding="utf-8")


def boot(artifacts: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "APP_ENV": "production", "ARTIFACTS_DIR": str(artifacts), "BUILD_DEFAULT_ARTIFACTS": "0",
           "WEB_CONCURRENCY": "1", "SECRET_KEY": "k" * 40,
           "ADVISOR_CREDENTIALS": "alice:" + generate_password_hash("a long password here")}
    return subprocess.run([GUNICORN, "--config", "app/gunicorn_conf.py", "--bind", "127.0.0.1:0", "wsgi:server"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("missing-folder", "artifact folder not found"),
        ("missing-file", "missing artifact file"),
        ("corrupt-file", "corrupt artifact file (checksum differs"),
        ("truncated-file", "corrupt artifact file (size differs"),
        ("corrupt-manifest", "corrupt manifest"),
    ],
)
def test_boot_stops_with_one_line_on_bad_artifacts(synthetic_artifacts, tmp_path, damage, reason):
    folder = tmp_path / "artifacts"
    if damage != "missing-folder":
        shutil.copytree(synthetic_artifacts, folder)
    target = folder / "portfolio" / "proba.npy"
    if damage == "missing-file":
        target.unlink()
    elif damage == "corrupt-file":
        data = bytearray(target.read_bytes())
        data[-1] ^= 0xFF
        target.write_bytes(bytes(data))
    elif damage == "truncated-file":
        target.write_bytes(target.read_bytes()[:-8])
    elif damage == "corrupt-manifest":
        (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    if damage == "corrupt-file":  # one real Gunicorn boot (a few seconds); the others in-process
        done = boot(folder)
        assert done.returncode != 0
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("cannot start: ") and reason in lines[0], done.stderr
        return
    with pytest.raises(SystemExit) as stop:
        create_app(Config(artifacts_dir=folder, build_default=False))
    message = str(stop.value.code)
    assert message.startswith("cannot start: ") and reason in message and "\n" not in message


def test_gunicorn_master_sets_malloc_before_the_fork():
    # Run in a fresh interpreter: mallopt changes the process it runs in.
    script = (
        "import json, runpy; conf = runpy.run_path('app/gunicorn_conf.py'); "
        "print(json.dumps([conf['tune_malloc']({}), conf['tune_malloc']({'MALLOC_ARENA_MAX': '4'}), conf['preload_app']]))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    default, with_env, preload = json.loads(done.stdout)
    assert default == {"MALLOC_MMAP_THRESHOLD_": 128 * 1024, "MALLOC_ARENA_MAX": 2}  # glibc here (Debian, Heroku)
    assert with_env == {"MALLOC_MMAP_THRESHOLD_": 128 * 1024}  # the environment's own value wins
    assert preload is True  # set in the master, inherited by every worker
