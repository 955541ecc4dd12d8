"""On-disk cache keyed by content: embeddings (.npy), JSON results and model directories.

Keys are SHA-256 digests of a canonical JSON of (kind, parameters, text digest), so a change of
model, parameter or any input text gives a new entry and nothing stale is reused. The parameters of
a computed result include `code_digest` of the modules that computed it, so a change of code does too.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np


def texts_digest(texts: Sequence[str]) -> str:
    """Digest of an ordered list of texts; length-prefixed so that ["ab", "c"] != ["a", "bc"]."""
    h = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def cache_key(kind: str, params: dict[str, Any], texts: Sequence[str] | None = None) -> str:
    """Stable key: independent of dict order, sensitive to every parameter and every text."""
    payload = {"kind": kind, "params": params, "texts": texts_digest(texts) if texts is not None else None}
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return f"{kind}-{hashlib.sha256(canonical.encode()).hexdigest()[:24]}"


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    # Write then rename, so an interrupted run never leaves a truncated entry that a rerun would trust.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@dataclass(frozen=True)
class Cache:
    root: Path

    def _path(self, key: str, suffix: str) -> Path:
        return self.root / key.split("-", 1)[0] / f"{key}{suffix}"

    def load_json(self, key: str) -> Any | None:
        path = self._path(key, ".json")
        return json.loads(path.read_text()) if path.is_file() else None

    def save_json(self, key: str, value: Any) -> None:
        _atomic_write(self._path(key, ".json"), lambda p: p.write_text(json.dumps(value, indent=1)))

    def json(self, key: str, compute: Callable[[], Any]) -> tuple[Any, bool]:
        """Return (value, hit): the cached value, or compute, store and return it."""
        cached = self.load_json(key)
        if cached is not None:
            return cached, True
        value = compute()
        self.save_json(key, value)
        return value, False

    def array(self, key: str, compute: Callable[[], tuple[np.ndarray, dict]]) -> tuple[np.ndarray, dict, bool]:
        """Cached array plus its metadata (e.g. the cold encoding time, reported again on a warm run)."""
        npy, meta_path = self._path(key, ".npy"), self._path(key, ".meta.json")
        if npy.is_file() and meta_path.is_file():
            return np.load(npy), json.loads(meta_path.read_text()), True
        array, meta = compute()
        _atomic_write(npy, lambda p: np.save(p, array))
        _atomic_write(meta_path, lambda p: p.write_text(json.dumps(meta, indent=1)))
        return array, meta, False

    def model_dir(self, key: str) -> Path:
        return self.root / key.split("-", 1)[0] / key


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    # A docstring is an expression statement like any other in the tree: drop it so that editing
    # documentation keeps the cache (comments never reach the tree).
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                node.body = node.body[1:] or [ast.Pass()]
    return tree


def _submodule_or_module(module: str, name: str) -> str:
    # Only a package has submodules: asking a plain module for one would import it.
    is_package = importlib.util.find_spec(module).submodule_search_locations is not None
    return f"{module}.{name}" if is_package and importlib.util.find_spec(f"{module}.{name}") else module


def _imported(tree: ast.AST, package: str) -> set[str]:
    """Modules of `package` that the tree imports, at module level or inside a function."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.split(".")[0] == package)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == package:
            # `from veille import costs` names a submodule; `from veille.tuning import fit` a module's name.
            names.update(_submodule_or_module(node.module, alias.name) for alias in node.names)
    return names


def _source(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ValueError(f"no source for module {name}")
    return Path(spec.origin)


def module_code(module: ModuleType | str) -> dict[str, str]:
    """Syntax tree (docstrings, comments and line numbers left out) of a module and of every module of
    its own package it imports, transitively: {module name: tree dump}."""
    name = module if isinstance(module, str) else module.__name__
    root = _source(name) if isinstance(module, str) else Path(module.__file__)
    package = name.split(".")[0]
    todo, trees = [(name, root)], {}
    while todo:
        current, path = todo.pop()
        if current in trees:
            continue
        tree = _strip_docstrings(ast.parse(path.read_text(encoding="utf-8")))
        trees[current] = ast.dump(tree, include_attributes=False)
        todo.extend((imported, _source(imported)) for imported in _imported(tree, package) if imported not in trees)
    return trees


def code_digest(*modules: ModuleType | str) -> str:
    """Digest of the code the given modules run (their own package's imports followed): a cache entry is
    keyed on the code that computed it, so editing that code, and only its code, invalidates the entry
    with no hand-bumped version number; editing a comment or a docstring keeps it."""
    trees: dict[str, str] = {}
    for module in modules:
        trees.update(module_code(module))
    h = hashlib.sha256()
    for name in sorted(trees):
        h.update(name.encode())
        h.update(b"\x00")
        h.update(trees[name].encode())
        h.update(b"\x00")
    return h.hexdigest()[:16]
