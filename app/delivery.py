"""How the page's files reach the browser: bundles registered before the fork, compression, cache headers.

- Dash registers the bundle paths it may serve in a once-per-process set-up that runs on the process's
  first request, and marks it done before doing it: while one thread of a fresh worker sets up, the
  worker's other thread skips it and answers bundle requests with 500 ("dash is not a registered
  library"), and the page stays blank. With Gunicorn's ``preload_app`` the master never serves, so every
  worker of every restart started that way (2 blank pages in 30 cold starts, benchmarks/cold_start.py).
  ``register_dash_resources`` runs the set-up when the app is created, before the fork: every worker
  inherits the full table.
- Responses are compressed (brotli, else gzip) by Flask-Compress: no Heroku router does it for us.
- Fingerprinted files (the URL changes when the file does) are cached by the browser for a year; pages
  and callback answers carry client data and stay ``no-store`` (set in app/security.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import dash
import flask
from flask_compress import Compress

YEAR_S = 365 * 86400
LONG_CACHE = f"public, max-age={YEAR_S}, immutable"
# Text types, and Dash's favicon (an uncompressed 15 kB .ico); images and fonts here are compressed or tiny.
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/x-icon",
]


# dcc asks for its graph code (async-graph.js) when the first graph renders, by a URL without fingerprint
# (Dash 4.4's chunk loader fingerprints through a webpack 4 hook that webpack 5 never calls): the first
# visit waits for it after the page has rendered, and every later visit revalidates it. Listed as a page
# script it gets a fingerprinted URL (cached for a year) and loads with the other bundles; webpack then
# finds the chunk already installed and asks for nothing.
GRAPH_CHUNK = {"relative_package_path": "dcc/async-graph.js", "namespace": "dash"}


def preload_graph_chunk(app: dash.Dash) -> None:
    """Call before ``register_dash_resources``."""
    app.scripts.append_script(dict(GRAPH_CHUNK))


def register_dash_resources(app: dash.Dash) -> None:
    """Run Dash's once-per-process set-up now (it registers every component bundle path).

    Call it after the layout and every callback are registered (the set-up also collects callbacks).
    """
    with app.server.test_request_context("/"):
        app._setup_server()  # noqa: SLF001 - Dash's own first-request hook; run early, once, before the fork
    if not app.registered_paths.get("dash"):
        raise RuntimeError("Dash registered no component bundle at start-up: its set-up hook changed")


def install_compression(server: flask.Flask) -> None:
    server.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"],
        # Files sent from disk (assets, Bootstrap) are streamed responses: same choice (the library's
        # default streaming list leaves gzip out; tests/test_first_load.py checks its gzip stream decodes).
        COMPRESS_ALGORITHM_STREAMING=["br", "gzip"],
        COMPRESS_BR_LEVEL=5,  # plotly bundle: 454 kB vs 501 kB at the default 4, same ~45 ms (measured)
        COMPRESS_MIMETYPES=COMPRESSED_TYPES,
        COMPRESS_MIN_SIZE=500,
    )
    Compress(server)


def file_fingerprint(path: Path) -> str:
    """A short content hash for a file's URL (?v=...): a new file gets a new URL."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def install_cache_headers(server: flask.Flask, fingerprinted: dict[str, str]) -> None:
    """One-year caching for URLs that change with their content.

    ``fingerprinted`` maps a path to the value of its ``v`` query argument that names the current file.
    Dash's own fingerprinted bundles (``/_dash-component-suites/...``) already get a one-year max-age
    from Dash. The header is set outright, so the order of this hook and app.security's (which makes
    every other non-static response ``no-store``) does not matter.
    """

    @server.after_request
    def cache_fingerprinted(response: flask.Response) -> flask.Response:
        request = flask.request
        if request.method != "GET" or response.status_code != 200:
            return response
        path = request.path
        if (
            (path.startswith("/assets/") and request.args.get("m"))  # Dash adds ?m=<modification time>
            or (path == "/_favicon.ico" and request.args.get("v"))  # Dash adds ?v=<dash version>
            or (path in fingerprinted and request.args.get("v") == fingerprinted[path])
        ):
            response.headers["Cache-Control"] = LONG_CACHE
        return response
