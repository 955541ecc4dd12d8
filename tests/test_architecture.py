"""One direction of imports: wsgi.py > callbacks > app > layouts > scoring (README, "Architecture").

The contracts live in pyproject.toml ([tool.importlinter]); these tests run them on this checkout, show
that they catch an upward import, and forbid the import hidden inside a function that would dodge them.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# lint-imports on the packages of ``root`` only: the venv's editable install of another checkout would add
# its own folders to ``layouts`` (a namespace package), so its finder is taken out first.
LINT = """
import sys
sys.meta_path = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
sys.path[:] = [sys.argv[1]] + [p for p in sys.path if "__editable__" not in p]
from importlinter.cli import lint_imports_command
sys.argv[1:] = ["--no-cache"]
lint_imports_command()
"""
LAYERS = ("callbacks", "app", "layouts", "scoring")
PROJECT = {"wsgi", *LAYERS}
# Cross-package imports deliberately made on first use, not to dodge a cycle: the training stack only when
# artifacts must be rebuilt, the XGBoost-backed simulator after the fork (worker memory, start time).
LAZY_ON_PURPOSE = {"app/services.py"}


def lint(root: Path) -> subprocess.CompletedProcess:
    # Without PYTHONPATH: a checkout named there would add its own folders to the namespace packages.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-c", LINT, str(root)], cwd=root, capture_output=True, text=True, timeout=300, env=env
    )


def test_import_contracts_hold():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    for name in LAYERS:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copy(ROOT / "wsgi.py", tmp_path)
    page = tmp_path / "layouts" / "page.py"
    page.write_text(page.read_text(encoding="utf-8") + "\nfrom app import rendering  # noqa\n", encoding="utf-8")
    status = tmp_path / "layouts" / "status.py"
    status.write_text(status.read_text(encoding="utf-8") + "\nimport wsgi  # noqa\n", encoding="utf-8")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "layouts.page -> app.rendering" in done.stdout
    assert "layouts.status -> wsgi" in done.stdout


def function_level_imports(path: Path) -> list[tuple[int, str]]:
    """Imports of another project package written inside a function of ``path``."""
    own = path.relative_to(ROOT).parts[0].removesuffix(".py")
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                names = []
                if isinstance(inner, ast.ImportFrom) and inner.level == 0 and inner.module:
                    names = [inner.module]
                elif isinstance(inner, ast.Import):
                    names = [alias.name for alias in inner.names]
                found += [(inner.lineno, n) for n in names if n.split(".")[0] in PROJECT - {own}]
    return found


def test_no_import_hidden_in_a_function():
    files = [ROOT / "wsgi.py", *(p for name in LAYERS for p in sorted((ROOT / name).rglob("*.py")))]
    hidden = {
        str(p.relative_to(ROOT)): lines
        for p in files
        if (lines := function_level_imports(p)) and str(p.relative_to(ROOT)) not in LAZY_ON_PURPOSE
    }
    assert hidden == {}
    assert function_level_imports(ROOT / "app" / "services.py"), "LAZY_ON_PURPOSE names a file with none: drop it"
