"""First load over HTTP: compressed responses, fingerprinted files cached for a year, pages never stored,
and only the partial plotly.js bundle the page needs (committed in assets/, the npm package pinned in
package.json). Sizes and times are measured by benchmarks/first_load.py, not asserted here.
"""

from __future__ import annotations

import gzip
import json
import re

import brotli
import numpy as np
import plotly
import pytest
import requests

from app.config import ROOT
from app.delivery import YEAR_S
from tests.browser_timing import network_requests, wait_ready
from tests.callback_requests import payload

from .browser import chrome, live_server

PLOTLY_ASSET = ROOT / "assets" / "plotly-cartesian.min.js"
PLOTLY_NPM = ROOT / "node_modules" / "plotly.js-cartesian-dist-min"
PAGE_PATHS = {"/", "/_dash-layout", "/_dash-dependencies"}
CALLBACKS = "/_dash-update-component"


@pytest.fixture(scope="module")
def served(dash_app, synthetic_artifacts):
    """(base URL, three client ids) of the dashboard on a loopback port."""
    ids = np.load(synthetic_artifacts / "portfolio" / "ids.npy")
    with live_server(dash_app.server) as url:
        yield url, [int(i) for i in ids[:3]]


def raw_get(url: str, encoding: str) -> requests.Response:
    """GET without letting requests decode the body: ``.content`` holds the bytes as sent."""
    response = requests.get(url, headers={"Accept-Encoding": encoding}, stream=True, timeout=30)
    response.raw_bytes = response.raw.read(decode_content=False)
    return response


def decoded(response: requests.Response) -> bytes:
    encoding = response.headers.get("Content-Encoding", "")
    return {"br": brotli.decompress, "gzip": gzip.decompress, "": lambda b: b}[encoding](response.raw_bytes)


def page_files(url: str) -> list[str]:
    page = requests.get(f"{url}/", timeout=30).text
    return [u for u in re.findall(r'(?:src|href)="([^"]+)"', page) if u.startswith("/")]


def max_age(response: requests.Response) -> int:
    found = re.search(r"max-age=(\d+)", response.headers.get("Cache-Control", ""))
    return int(found.group(1)) if found else 0


def test_every_file_of_the_page_is_compressed_and_cached_for_a_year(served):
    url, _ = served
    files = page_files(url)
    assert any("_dash-component-suites/dash/" in f for f in files) and any(f.startswith("/assets/plotly") for f in files)
    for path in files:
        plain = raw_get(f"{url}{path}", "identity")
        assert plain.status_code == 200 and not plain.headers.get("Content-Encoding"), path
        assert max_age(plain) == YEAR_S, (path, plain.headers.get("Cache-Control"))  # its URL changes with its content
        for accepted, expected in (("br, gzip", "br"), ("gzip", "gzip")):
            packed = raw_get(f"{url}{path}", accepted)
            assert packed.headers.get("Content-Encoding") == expected, (path, accepted)
            assert "Accept-Encoding" in packed.headers.get("Vary", ""), path
            assert decoded(packed) == plain.raw_bytes, (path, accepted)  # the same file, byte for byte
            assert len(packed.raw_bytes) < 0.6 * len(plain.raw_bytes), path


def test_pages_and_callback_answers_are_compressed_and_never_stored(served):
    url, ids = served
    for path in (f"/?client={ids[0]}", "/_dash-layout", "/_dash-dependencies", "/accessibilite"):
        response = raw_get(f"{url}{path}", "br, gzip")
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", path
        assert response.headers.get("Content-Encoding") == "br", path
    dependencies = requests.get(f"{url}/_dash-dependencies", timeout=30).json()
    answers = 0
    # every server callback, with every input empty (answers 200 or 204); clientside ones run in the browser only
    for dependency in (d for d in dependencies if not d.get("clientside_function")):
        response = requests.post(f"{url}{CALLBACKS}", json=payload(dependency, {}), timeout=30)
        assert response.status_code in (200, 204), (dependency["output"], response.status_code, response.text[:200])
        assert response.headers.get("Cache-Control") == "no-store", dependency["output"]
        answers += 1
    assert answers >= 5


def test_unfingerprinted_or_stale_urls_are_not_cached_for_a_year(served):
    url, _ = served
    bootstrap = next(f for f in page_files(url) if f.startswith("/vendor/bootstrap.min.css?v="))
    for path in ("/vendor/bootstrap.min.css", "/vendor/bootstrap.min.css?v=000000000000", "/assets/style.css"):
        response = requests.get(f"{url}{path}", timeout=30)
        assert response.status_code == 200 and max_age(response) < YEAR_S, path
    assert max_age(requests.get(f"{url}{bootstrap}", timeout=30)) == YEAR_S


def test_committed_plotly_bundle_is_the_pinned_npm_package():
    if not PLOTLY_NPM.is_dir():
        pytest.fail("node_modules/plotly.js-cartesian-dist-min missing: run `npm install` (make test does it)")
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    pinned = package["devDependencies"]["plotly.js-cartesian-dist-min"]
    installed = json.loads((PLOTLY_NPM / "package.json").read_text(encoding="utf-8"))["version"]
    assert installed == pinned
    assert PLOTLY_ASSET.read_bytes() == (PLOTLY_NPM / "plotly-cartesian.min.js").read_bytes(), "run `make plotly-bundle`"
    assert (ROOT / "assets" / "plotly-cartesian.LICENSE.txt").read_text(encoding="utf-8").startswith("MIT License")
    header = PLOTLY_ASSET.read_text(encoding="utf-8")[:200]
    version = re.search(r"plotly\.js \(cartesian - minified\) v(\d+)\.(\d+)\.(\d+)", header)
    assert version and ".".join(version.groups()) == pinned
    # dcc.Graph is written against the plotly.js that the Python plotly package ships: same major version.
    assert version.group(1) == plotly.offline.get_plotlyjs_version().split(".")[0]


@pytest.mark.browser
def test_browser_draws_with_the_partial_bundle_and_a_second_visit_fetches_only_page_and_callbacks(served):
    url, ids = served
    driver = chrome(performance_log=True)
    try:
        driver.get(f"{url}/?client={ids[0]}")
        assert wait_ready(driver, ids[0], 30)["ready"]
        first = network_requests(driver.get_log("performance"))
        paths = [r["path"].split("?")[0] for r in first]
        assert not any(p.startswith("/_dash-component-suites/plotly/") for p in paths), "full plotly.js fetched"
        assert not any("async-" in p and "/dcc/" in p and ".v" not in p for p in paths), paths  # unfingerprinted chunk
        for request in first:
            if request["path"].startswith(CALLBACKS):
                assert request["cache_control"] == "no-store", request
            if request["bytes"] > 2000 and request["status"] == 200:
                assert request["encoding"] in ("br", "gzip"), request
        # Every trace drawn by a module of the bundle on the page (an unknown type would draw nothing).
        traces = driver.execute_script(
            """return Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(
                 gd => gd._fullData.map(t => ({type: t.type, drawn: !!t._module && t.visible !== false})));"""
        )
        assert traces and all(t["drawn"] for t in traces), traces
        assert {t["type"] for t in traces} <= {"bar", "scatter", "heatmap"}

        driver.get("about:blank")
        driver.get(f"{url}/?client={ids[1]}")
        assert wait_ready(driver, ids[1], 30)["ready"]
        second = [r for r in network_requests(driver.get_log("performance")) if not r["cached"]]
        fetched = {r["path"].split("?")[0] for r in second}
        assert fetched - PAGE_PATHS - {CALLBACKS} == set(), fetched
        assert CALLBACKS in fetched and "/" in fetched
    finally:
        driver.quit()
