"""Call Dash callbacks over HTTP exactly as the browser does (POST /_dash-update-component).

Requests are built by ``tests.callback_requests`` (shared with the benchmarks) from the app's callback
map, so tests need no login to read ``/_dash-dependencies``.
"""

from __future__ import annotations

from tests.callback_requests import index_dependencies, payload


def dependencies(app) -> dict[str, dict]:
    """{first output 'id.prop': dependency} for every callback of ``app``."""
    return index_dependencies(
        [{"output": key, "inputs": spec["inputs"], "state": spec["state"]} for key, spec in app.callback_map.items()]
    )


def pairs(dependency: dict) -> list[tuple[str, str]]:
    """(id, prop) of every input, then every state."""
    return [(e["id"], e["property"]) for e in dependency["inputs"] + dependency["state"]]


def post(client, app, first_output: str, values: dict, changed: list[str] | None = None, **kwargs):
    return client.post("/_dash-update-component", json=payload(dependencies(app)[first_output], values, changed), **kwargs)


def call(client, app, first_output: str, values: dict, changed: list[str]):
    """(status code, {'id.prop': value}) for one callback request."""
    response = post(client, app, first_output, values, changed)
    if response.status_code != 200:
        return response.status_code, {}
    body = response.get_json()["response"]
    return 200, {f"{cid}.{prop}": value for cid, props in body.items() for prop, value in props.items()}
