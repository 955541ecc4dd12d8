"""Where the browser's time goes in a client switch: the V8 sampling profiler over a few switches.

    python -m benchmarks.browser_profile --switches 10 [--out benchmarks/results/browser_profile.json]

Same server and page as ``benchmarks.browser_switch`` (Gunicorn, 2 workers, 356,255 synthetic clients);
the switches run under Chrome DevTools' ``Profiler`` and the samples are summed per function (self time)
and per script, then divided by the number of switches. The page's main-thread CPU per switch is printed
beside it (Performance metrics), to check that the profile covers the switch.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.browser_switch import INSTRUMENT, switch
from benchmarks.cold_start import git_commit
from benchmarks.common import ROOT, build_artifacts, free_port, save, start_gunicorn, stop
from tests.browser_timing import start_cpu_metrics, wait_ready
from tests.restarts import GUNICORN, server_env, wait_first_200


def aggregate(profile: dict) -> tuple[dict, dict]:
    """Self time (ms) per (function, script:line) and per script, from a CDP Profiler.Profile."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    deltas = profile["timeDeltas"]
    per_node: collections.Counter = collections.Counter()
    for sample, delta in zip(profile["samples"], deltas[1:] + [0], strict=True):
        per_node[sample] += delta / 1000
    by_function: collections.Counter = collections.Counter()
    by_script: collections.Counter = collections.Counter()
    for node_id, ms in per_node.items():
        frame = nodes[node_id]["callFrame"]
        script = frame["url"].split("?")[0].rsplit("/", 2)
        script = "/".join(script[-2:]) if frame["url"] else "(native)"
        name = frame["functionName"] or "(anonymous)"
        by_function[f"{name} @ {script}:{frame['lineNumber'] + 1}:{frame['columnNumber'] + 1}"] += ms
        by_script[script] += ms
    return dict(by_function), dict(by_script)


def inclusive(profile: dict, predicate) -> float:
    """Total time (ms) of samples with a frame matching ``predicate(callFrame)`` anywhere on their stack."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    parent = {child: node["id"] for node in profile["nodes"] for child in node.get("children", [])}
    matching: dict[int, bool] = {}

    def matches(node_id):
        if node_id not in matching:
            own = predicate(nodes[node_id]["callFrame"])
            matching[node_id] = own or (node_id in parent and matches(parent[node_id]))
        return matching[node_id]

    total = 0.0
    for sample, delta in zip(profile["samples"], profile["timeDeltas"][1:] + [0], strict=True):
        if matches(sample):
            total += delta / 1000
    return total


def main() -> None:
    from tests.browser import chrome

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=356_255)
    parser.add_argument("--artifacts", type=Path)
    parser.add_argument("--switches", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--source", type=Path, default=ROOT)
    parser.add_argument("--out", type=Path, help="save the summary as JSON here")
    parser.add_argument("--raw", type=Path, help="save the raw .cpuprofile here (opens in Chrome DevTools)")
    args = parser.parse_args()

    artifacts = args.artifacts or build_artifacts(args.clients)
    ids = np.load(artifacts / "portfolio" / "ids.npy", mmap_mode="r")
    rng = random.Random(args.seed)
    clients = [int(ids[rng.randrange(len(ids))]) for _ in range(1 + args.warmup + args.switches)]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as logs:
        process = start_gunicorn(
            args.source, server_env(artifacts), port, gunicorn=GUNICORN, log_path=Path(logs) / "server.log"
        )
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
            redrawn: set[str] = set()
            for client in clients[1 : 1 + args.warmup]:
                redrawn |= set(switch(driver, client, None, 30)["redrawn"])
            required = sorted(redrawn)
            driver.execute_cdp_cmd("Profiler.enable", {})
            driver.execute_cdp_cmd("Profiler.setSamplingInterval", {"interval": 200})
            measured = []
            # Only the time from Enter to the switch's end is profiled (typing and its suggestions are not).
            for client in clients[1 + args.warmup :]:
                result = switch_profiled(driver, client, required)
                measured.append(result)
                print(
                    f"switch: {result['ms']:.0f} ms, script CPU {result['cpu_ms']['script_s']:.0f} ms",
                    file=sys.stderr,
                    flush=True,
                )
        finally:
            if driver is not None:
                driver.quit()
            stop(process)

    n = len(measured)
    by_function: collections.Counter = collections.Counter()
    by_script: collections.Counter = collections.Counter()
    plotly = 0.0
    for m in measured:
        f, s = aggregate(m["profile"])
        by_function.update(f)
        by_script.update(s)
        plotly += inclusive(m["profile"], lambda frame: "plotly" in frame["url"])
    if args.raw:
        args.raw.write_text(json.dumps(measured[-1]["profile"]))
    summary = {
        "code": git_commit(args.source),
        "switches": n,
        "switch_ms_median": round(float(np.median([m["ms"] for m in measured])), 1),
        "script_cpu_ms_median": round(float(np.median([m["cpu_ms"]["script_s"] for m in measured])), 1),
        "profiled_ms_per_switch": round(sum(by_script.values()) / n, 1),
        "plotly_inclusive_ms_per_switch": round(plotly / n, 1),
        "by_script_ms_per_switch": {k: round(v / n, 1) for k, v in by_script.most_common()},
        "top_self_ms_per_switch": {k: round(v / n, 1) for k, v in by_function.most_common(args.top)},
    }
    if args.out:
        save(summary, args.out)
    else:
        print(json.dumps(summary, indent=2))


def switch_profiled(driver, client: int, required: list[str]) -> dict:
    """``browser_switch.switch`` with the sampling profiler running from just before Enter to the switch's end."""
    profiles = []
    result = switch(
        driver,
        client,
        required,
        30,
        before_enter=lambda drv: drv.execute_cdp_cmd("Profiler.start", {}),
        after_switch=lambda drv: profiles.append(drv.execute_cdp_cmd("Profiler.stop", {})["profile"]),
    )
    return {**result, "profile": profiles[0]}


if __name__ == "__main__":
    main()
