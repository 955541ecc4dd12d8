"""Client switch as the advisor feels it: headless Chromium, an id typed in the search field, Enter.

    python -m benchmarks.browser_switch --switches 50 --out benchmarks/results/browser_switch_356255.json

Gunicorn as the Procfile runs it (2 workers) on the full-scale synthetic portfolio (356,255 clients,
built once by benchmarks.common.build_artifacts and reused). For each switch the id is typed into
``#client-input`` and the page left to settle (the suggestion list), then Enter is pressed. Measured in
the page, from the Enter key event to the first animation frame where:
- no Dash component is loading and the status line names the new client;
- every graph that a switch redraws has been redrawn since Enter (its Plotly.react call resolved and its
  DOM changed) and no redraw that started is still running. Which graphs a switch redraws is learnt in
  the unmeasured warm-up switches (today the two Plotly graphs of the comparison; the other charts are HTML);
  ``--static-graphs`` leaves more out.
Beside it, from Chromium's network log, the callback requests of each switch: ``callbacks_span_ms`` from
the first request sent to the last answer received, and per request ``callback_wait_ms`` (request sent ->
answer headers: the server's time plus loopback), i.e. the server-side figure.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from benchmarks.cold_start import git_commit
from benchmarks.common import ROOT, build_artifacts, free_port, percentile, save, start_gunicorn, stop
from tests.browser_timing import (
    cpu_metrics,
    network_requests,
    severe_console_messages,
    start_cpu_metrics,
    wait_ready,
)
from tests.restarts import GUNICORN, server_env, wait_first_200

CALLBACKS = "/_dash-update-component"

# Installed once: counts Plotly.react calls started and resolved per graph div (dcc.Graph calls the
# global Plotly.react), DOM mutations per graph, and the time of the last Enter in the search field.
INSTRUMENT = """
if (!window.__switchProbe) {
  window.__switchProbe = true;
  const react = Plotly.react;
  Plotly.react = function (gd) {
    const el = typeof gd === 'string' ? document.getElementById(gd) : gd;
    el.__started = (el.__started || 0) + 1;
    return react.apply(this, arguments).then(r => { el.__drawn = (el.__drawn || 0) + 1; return r; });
  };
  const observer = new MutationObserver(records => {
    for (const r of records) {
      const graph = (r.target.nodeType === 1 ? r.target : r.target.parentElement).closest('.dash-graph');
      if (graph) graph.__mutations = (graph.__mutations || 0) + 1;
    }
  });
  observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  document.addEventListener('keydown', e => {
    if (e.key === 'Enter' && e.target.id === 'client-input') window.__enterAt = e.timeStamp;
  }, true);
}
"""

SNAPSHOT = """
window.__before = Array.from(document.querySelectorAll('.dash-graph')).map(el => {
  const gd = el.classList.contains('js-plotly-plot') ? el : el.querySelector('.js-plotly-plot');
  return {id: el.id, drawn: gd.__drawn || 0, mutations: el.__mutations || 0};
});
window.__enterAt = null;
"""

# Resolves when the switch is complete (see the module docstring), or after the timeout.
WAIT_SWITCH = """
const [client, requiredIds, timeoutMs, done] = [String(arguments[0]), arguments[1], arguments[2],
                                               arguments[arguments.length - 1]];
function state() {
  return window.__before.map(b => {
    const el = document.getElementById(b.id);
    const gd = el.classList.contains('js-plotly-plot') ? el : el.querySelector('.js-plotly-plot');
    return {id: b.id, redrawn: (gd.__drawn || 0) > b.drawn && (el.__mutations || 0) > b.mutations,
            reacts: (gd.__drawn || 0) - b.drawn, mutations: (el.__mutations || 0) - b.mutations,
            busy: (gd.__started || 0) > (gd.__drawn || 0)};
  });
}
function complete() {
  if (window.__enterAt === null || requiredIds === null) return false;
  if (document.querySelector('[data-dash-is-loading="true"], .dash-graph--pending')) return false;
  const status = document.getElementById('status');
  if (!status || !status.textContent.includes(client)) return false;
  return state().every(g => !g.busy && (g.redrawn || !requiredIds.includes(g.id)));
}
const start = performance.now();
let quiet = 0;
function warmedUp() {
  // Warm-up (no list yet): the page names the client and nothing loads or draws for 10 frames in a row.
  const busy = document.querySelector('[data-dash-is-loading="true"], .dash-graph--pending')
    || !(document.getElementById('status') || {textContent: ''}).textContent.includes(client)
    || state().some(g => g.busy);
  quiet = busy ? 0 : quiet + 1;
  return window.__enterAt !== null && quiet >= 10;
}
(function check() {
  if (requiredIds === null ? warmedUp() : complete()) {
    const at = performance.now();
    requestAnimationFrame(() => done({ok: true, enter: window.__enterAt, complete: at, frame: performance.now(),
                                      redrawn: state().filter(g => g.redrawn).map(g => g.id)}));
  } else if (performance.now() - start > timeoutMs) {
    done({ok: false, enter: window.__enterAt, graphs: state(),
          status: (document.getElementById('status') || {}).textContent});
  } else {
    requestAnimationFrame(check);
  }
})();
"""


def settle(driver, timeout_s: float = 30) -> None:
    """Until no Dash component is loading and no graph is drawing (e.g. after typing)."""
    driver.execute_async_script(
        """const [timeoutMs, done] = [arguments[0], arguments[arguments.length - 1]]; const start = performance.now();
           let quiet = 0;
           (function check() {
             const busy = document.querySelector('[data-dash-is-loading="true"], .dash-graph--pending');
             quiet = busy ? 0 : quiet + 1;
             if (quiet >= 3 || performance.now() - start > timeoutMs) done(quiet >= 3); else requestAnimationFrame(check);
           })();""",
        timeout_s * 1000,
    )


def switch(driver, client: int, required: list[str] | None, timeout_s: float, before_enter=None, after_switch=None) -> dict:
    """One switch; ``required``: ids of the graphs that must be redrawn (None: warm-up, learn them).

    ``before_enter(driver)`` and ``after_switch(driver)``, when given, run right before Enter and right after the
    switch is complete (benchmarks.browser_profile starts and stops the profiler there)."""
    box = driver.find_element(By.ID, "client-input")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(client))
    settle(driver)
    driver.execute_script(SNAPSHOT)
    driver.get_log("performance")  # only this switch's requests from here
    if before_enter is not None:
        before_enter(driver)
    cpu_before = cpu_metrics(driver)
    box.send_keys(Keys.ENTER)
    outcome = driver.execute_async_script(WAIT_SWITCH, str(client), required, timeout_s * 1000)
    cpu = {key: value - cpu_before[key] for key, value in cpu_metrics(driver).items()}
    if after_switch is not None:
        after_switch(driver)
    if not outcome["ok"]:
        raise SystemExit(f"switch to {client} not complete after {timeout_s} s: {outcome}")
    posts = [r for r in network_requests(driver.get_log("performance")) if r["path"].startswith(CALLBACKS)]
    finished = [r for r in posts if "end" in r]
    return {
        "ms": outcome["frame"] - outcome["enter"],
        "complete_ms": outcome["complete"] - outcome["enter"],
        "redrawn": outcome["redrawn"],
        "posts": len(posts),
        "span_ms": (max(r["end"] for r in finished) - min(r["start"] for r in finished)) * 1000 if finished else 0.0,
        "waits_ms": [r["wait_ms"] for r in posts if "wait_ms" in r],
        "cpu_ms": {key: value * 1000 for key, value in cpu.items()},
    }


def stats(values: list[float]) -> dict:
    return {"p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1)}


def main() -> None:
    from tests.browser import chrome

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=356_255, help="synthetic portfolio size (built once, reused)")
    parser.add_argument("--artifacts", type=Path, help="an existing artifact folder instead of --clients")
    parser.add_argument("--switches", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured switches first (they find the graphs to wait for)")
    parser.add_argument("--static-graphs", default="", help="comma-separated ids of graphs not to wait for")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout whose Procfile and code to start")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "browser_switch_356255.json")
    args = parser.parse_args()
    static_graphs = [g for g in args.static_graphs.split(",") if g]

    artifacts = args.artifacts or build_artifacts(args.clients)
    ids = np.load(artifacts / "portfolio" / "ids.npy", mmap_mode="r")
    rng = random.Random(args.seed)
    clients = [int(ids[rng.randrange(len(ids))]) for _ in range(1 + args.warmup + args.switches)]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    measured = []
    with tempfile.TemporaryDirectory() as logs:
        log_path = Path(logs) / "server.log"
        process = start_gunicorn(args.source, server_env(artifacts), port, gunicorn=GUNICORN, log_path=log_path)
        driver = None
        try:
            if wait_first_200(f"{base}/healthz", process, limit=180) is None:
                raise SystemExit("the server did not start")
            driver = chrome(performance_log=True)
            start_cpu_metrics(driver)
            driver.get(f"{base}/?client={clients[0]}")
            if not wait_ready(driver, clients[0], 60)["ready"]:
                raise SystemExit("the first page never drew its charts")
            driver.execute_script(INSTRUMENT)
            redrawn_in_warmup: set[str] = set()
            for client in clients[1 : 1 + args.warmup]:
                redrawn_in_warmup |= set(switch(driver, client, None, args.timeout)["redrawn"])
            all_graphs = driver.execute_script("return Array.from(document.querySelectorAll('.dash-graph')).map(e => e.id)")
            required = [g for g in all_graphs if g in redrawn_in_warmup and g not in static_graphs]
            print(f"waiting for {required}; not redrawn on a switch: {sorted(set(all_graphs) - set(required))}",
                  file=sys.stderr, flush=True)
            for client in clients[1 + args.warmup :]:
                result = switch(driver, client, required, args.timeout)
                measured.append(result)
                print(f"switch {len(measured):2d}: {result['ms']:6.0f} ms in the browser, callbacks "
                      f"{result['span_ms']:5.0f} ms ({result['posts']} requests)", file=sys.stderr, flush=True)
            console = severe_console_messages(driver)
        finally:
            if driver is not None:
                driver.quit()
            stop(process)

    totals = [m["ms"] for m in measured]
    spans = [m["span_ms"] for m in measured]
    waits = [w for m in measured for w in m["waits_ms"]]
    result = {
        "clients": int(len(ids)),
        "workers": 2,
        "switches": len(measured),
        "code": git_commit(args.source),
        "switch_ms": stats(totals),
        "server_side": {
            "callbacks_span_ms": stats(spans),
            "callback_wait_ms": stats(waits),
            "callback_requests_per_switch": statistics.median(m["posts"] for m in measured),
        },
        "browser_cpu_ms_p50": {key.replace("_s", ""): round(statistics.median(m["cpu_ms"][key] for m in measured), 1)
                               for key in measured[0]["cpu_ms"]},
        "browser_share_p50": round(1 - statistics.median(spans) / statistics.median(totals), 2),
        "graphs_waited_for": required,
        "graphs_not_redrawn": sorted(set(all_graphs) - set(required)),
        "console_errors": len(console),
        "note": "switch_ms: Enter keydown in #client-input -> first animation frame where no component is loading, "
        "the status names the client and every graph a switch redraws (learnt in the warm-up switches, see "
        "graphs_waited_for) has been redrawn since Enter with no redraw running; callbacks_span_ms: first "
        "callback request sent -> last answer received; callback_wait_ms: "
        "per callback request, sent -> answer headers (server time + loopback); the id is typed and the page "
        "settles before Enter; browser_cpu_ms_p50: the page's main-thread CPU per switch (Chromium Performance "
        "metrics, thread ticks), less noisy than wall time on a shared machine",
    }
    save(result, args.out)


if __name__ == "__main__":
    main()
