"""Call Dash callbacks over HTTP exactly as the browser does (POST /_dash-update-component).

Requests are built by ``tests.callback_requests`` (shared with the benchmarks) from the app's callback
map, so tests need no login to read ``/_dash-dependencies``.
"""

from __future__ import annotations

import functools
import json

from layouts.dom import dom_id
from tests.callback_requests import index_dependencies, key, matches, payload  # noqa: F401 - key for the tests
from wsgi import serve_layout


def dependencies(app) -> dict[str, dict]:
    """{first output 'id.prop': dependency} for every callback of ``app``."""
    return index_dependencies(
        [{"output": k, "inputs": spec["inputs"], "state": spec["state"]} for k, spec in app.callback_map.items()]
    )


def pairs(dependency: dict, page_ids=()) -> list[tuple[str, str]]:
    """(id, prop) of every input, then every state; a pattern-matching one as each of the ``page_ids`` it matches
    (their ids spelt as the DOM holds them)."""
    out = []
    for e in dependency["inputs"] + dependency["state"]:
        if e["id"].startswith("{"):
            pattern = json.loads(e["id"])
            out += [(dom_id(c), e["property"]) for c in page_ids if isinstance(c, dict) and matches(pattern, c)]
        else:
            out.append((e["id"], e["property"]))
    return out


@functools.lru_cache(maxsize=4)
def components(app) -> tuple[dict, ...]:
    """The pattern-matching ids of the page with every form open (what a wildcard dependency expands to)."""
    found = []

    def walk(component):
        if isinstance(getattr(component, "id", None), dict):
            found.append(component.id)
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if hasattr(child, "to_plotly_json"):
                walk(child)

    walk(serve_layout(app.server.config["services"], "fr", full=True))
    return tuple(found)


def post(client, app, first_output: str, values: dict, changed: list[str] | None = None, **kwargs):
    body = payload(dependencies(app)[first_output], values, changed, components(app))
    return client.post("/_dash-update-component", json=body, **kwargs)


def call(client, app, first_output: str, values: dict, changed: list[str]):
    """(status code, {'id.prop': value}) for one callback request."""
    response = post(client, app, first_output, values, changed)
    if response.status_code != 200:
        return response.status_code, {}
    body = response.get_json()["response"]
    return 200, {f"{cid}.{prop}": value for cid, props in body.items() for prop, value in props.items()}
