"""What headless Chromium sees of the dashboard: when its charts are drawn, what crossed the network.

Shared by the browser benchmarks (cold_start, first_load, browser_switch) and the tests (test_cold_start, test_first_load).
Times are taken in the page (``performance.now()``, milliseconds since the navigation started), so the
WebDriver round trips do not count; network figures come from Chromium's DevTools performance log.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

# True when the page names ``client`` in its status line, no Dash component is loading, no graph is
# being drawn (dcc.Graph marks it "dash-graph--pending" until Plotly.react resolves) and every graph has
# drawn a figure with data (plotly keeps the drawn traces in the graph div's _fullData).
_READY = """
function pageReady(client) {
  if (document.querySelector('[data-dash-is-loading="true"], .dash-graph--pending')) return false;
  const status = document.getElementById('status');
  if (!status || !status.textContent.includes(client)) return false;
  const graphs = Array.from(document.querySelectorAll('.dash-graph'));
  return graphs.length > 0 && graphs.every(el => {
    const gd = el.classList.contains('js-plotly-plot') ? el : el.querySelector('.js-plotly-plot');
    return gd && gd._fullData && gd._fullData.length > 0 && gd.querySelector('.main-svg');
  });
}
"""

# execute_async_script(WAIT_READY, client, timeout_ms): checks at every animation frame; answers the
# time of the first frame where the page was ready, or ready=false with what the page shows instead.
WAIT_READY = (
    _READY
    + """
const [client, timeoutMs, done] = [String(arguments[0]), arguments[1], arguments[arguments.length - 1]];
const start = performance.now();
(function check() {
  if (pageReady(client)) {
    done({ready: true, ms: performance.now(), graphs: document.querySelectorAll('.dash-graph').length});
  } else if (performance.now() - start > timeoutMs) {
    done({ready: false, ms: performance.now(), graphs: document.querySelectorAll('.dash-graph').length,
          shown: (document.body ? document.body.innerText : '').trim().slice(0, 160)});
  } else {
    requestAnimationFrame(check);
  }
})();
"""
)


def wait_ready(driver, client: int, timeout_s: float) -> dict:
    """{"ready", "ms" (since navigation start), "graphs", "shown" when not ready}."""
    driver.set_script_timeout(timeout_s + 10)
    return driver.execute_async_script(WAIT_READY, str(client), timeout_s * 1000)


def severe_console_messages(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


CPU_METRICS = {"script_s": "ScriptDuration", "layout_s": "LayoutDuration", "style_s": "RecalcStyleDuration",
               "tasks_s": "TaskDuration"}


def start_cpu_metrics(driver) -> None:
    driver.execute_cdp_cmd("Performance.enable", {"timeDomain": "threadTicks"})


def cpu_metrics(driver) -> dict:
    """Main-thread CPU seconds of the page so far (Chromium's Performance domain; less noisy than wall time
    on a shared machine): script, layout, style recalculation, all tasks."""
    metrics = {m["name"]: m["value"] for m in driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}
    return {key: round(metrics.get(name, 0.0), 3) for key, name in CPU_METRICS.items()}


def clear_cache(driver) -> None:
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})


def network_requests(performance_log: list[dict]) -> list[dict]:
    """Requests seen in Chromium's performance log (``driver.get_log("performance")``).

    Each: path (with query), method, status, bytes (encodedDataLength: headers + body as transferred),
    encoding (Content-Encoding), cache_control, cached (served from the browser cache, not the network),
    wait_ms (request sent -> response headers: the server's time plus loopback) and start/end (seconds,
    Chromium's monotonic clock).
    """
    found: dict[str, dict] = {}
    for entry in performance_log:
        message = json.loads(entry["message"])["message"]
        method, params = message["method"], message.get("params", {})
        request_id = params.get("requestId")
        if not method.startswith("Network.") or request_id is None:
            continue
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith("http"):
                continue
            parsed = urlparse(url)
            found[request_id] = {
                "path": parsed.path + (f"?{parsed.query}" if parsed.query else ""),
                "method": params["request"]["method"],
                "start": params["timestamp"],
                "cached": False,
                "status": None,
                "bytes": 0,
            }
            continue
        request = found.get(request_id)
        if request is None:
            continue
        if method == "Network.requestServedFromCache":
            request["cached"] = True
        elif method == "Network.responseReceived":
            response = params["response"]
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            request["status"] = response.get("status")
            request["encoding"] = headers.get("content-encoding", "")
            request["cache_control"] = headers.get("cache-control", "")
            if response.get("fromDiskCache") or response.get("fromPrefetchCache") or response.get("fromServiceWorker"):
                request["cached"] = True
            timing = response.get("timing")
            if timing:
                request["wait_ms"] = round(timing["receiveHeadersEnd"] - timing["sendEnd"], 2)
        elif method == "Network.loadingFinished":
            request["bytes"] = int(params.get("encodedDataLength", 0))
            request["end"] = params["timestamp"]
        elif method == "Network.loadingFailed":
            request["failed"] = params.get("errorText", "failed")
            request["end"] = params["timestamp"]
    return list(found.values())


def network_summary(requests: list[dict]) -> dict:
    fetched = [r for r in requests if not r["cached"]]
    return {
        "requests": len(fetched),
        "transferred_mb": round(sum(r["bytes"] for r in fetched) / 1e6, 3),
        "from_cache": sum(r["cached"] for r in requests),
    }
