"""Render every view's layout and every server page in both languages, to compare before/after a refactor.

    python tests/render_snapshot.py ARTIFACTS_DIR OUT.json    # once in a checkout of each commit, then
    python tests/render_snapshot.py --compare BEFORE.json AFTER.json

The layout is the Dash component tree as JSON (full and first-paint forms); server pages are their HTML
with the per-request CSRF token and asset fingerprints left as they are (both runs use the same files).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import plotly.io  # noqa: F401 - Dash's JSON encoder

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plotly.utils import PlotlyJSONEncoder  # noqa: E402 - after the checkout is put first on sys.path

from app.config import Config  # noqa: E402
from callbacks import curve, summary  # noqa: E402
from wsgi import create_app, serve_layout  # noqa: E402

PAGES = ["/accessibilite", "/accessibility", "/modele", "/model", "/nowhere", "/lettre?client=1", "/login"]
CSRF = re.compile(r'name="csrf(?:_token)?" value="[^"]*"')  # a new token per request


def snapshot(artifacts: Path, db: str) -> dict:
    app = create_app(Config(artifacts_dir=artifacts, build_default=False, database_url=db))
    services = app.server.config["services"]
    ids = sorted({int(i) for i in services.portfolio.ids[:3]} | {i for _, i in services.examples()})
    out = {}
    for lang in ("fr", "en"):
        for full in (False, True):
            layout = serve_layout(services, lang, full=full)
            out[f"layout:{lang}:{full}"] = json.loads(json.dumps(layout, cls=PlotlyJSONEncoder))
        client = app.server.test_client()
        client.get(f"/lang/{lang}")
        for path in [*PAGES, *(f"/lettre?client={i}" for i in ids)]:
            response = client.get(path)
            body = CSRF.sub("csrf", response.get_data(as_text=True))
            body = re.sub(r"\d{1,2} \w+ \d{4}|\w+ \d{1,2}, \d{4}", "DATE", body)
            out[f"page:{lang}:{path}"] = [response.status_code, body]
        with app.server.test_request_context("/"):  # callbacks as functions: refused, granted and grey-zone clients
            for i in ids:
                outputs = {
                    "summary": summary.show_summary(services, client_id=i, lang=lang, table_clicks=1),
                    "curve": curve.show_curves(services, client_id=i, clicks=1, lang=lang, shown=None),
                }
                out[f"callbacks:{lang}:{i}"] = json.loads(json.dumps(outputs, cls=PlotlyJSONEncoder))
    return out


def differences(before: dict, after: dict) -> list[str]:
    """The renderings that differ (or exist on one side only), the CSRF tokens set aside."""
    def clean(value):
        return [value[0], CSRF.sub("csrf", value[1])] if isinstance(value, list) else value

    return sorted(k for k in before.keys() | after.keys() if clean(before.get(k)) != clean(after.get(k)))


if __name__ == "__main__":
    if sys.argv[1] == "--compare":  # python tests/render_snapshot.py --compare BEFORE.json AFTER.json
        before, after = (json.loads(Path(f).read_text()) for f in sys.argv[2:4])
        diff = differences(before, after)
        print(f"{len(before)} renderings before, {len(after)} after, {len(diff)} differ", *diff, sep="\n")
        sys.exit(1 if diff else 0)
    result = snapshot(Path(sys.argv[1]), f"sqlite:///{Path(sys.argv[2]).with_suffix('.sqlite3')}")
    Path(sys.argv[2]).write_text(json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False))
    print(len(result), "renderings written to", sys.argv[2])
