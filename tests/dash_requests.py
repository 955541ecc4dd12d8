"""Call Dash callbacks over HTTP exactly as the browser does (POST /_dash-update-component)."""

from __future__ import annotations

import json


def callback_payload(app, output_key: str, values: dict, changed: list[str]) -> dict:
    """Payload for the callback whose output key is ``output_key``; ``values`` maps 'id.prop' -> value."""
    spec = app.callback_map[output_key]
    outputs = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]

    def items(entries):
        return [
            {"id": e["id"], "property": e["property"], "value": values.get(f"{e['id']}.{e['property']}")} for e in entries
        ]

    out = [{"id": o.component_id, "property": o.component_property} for o in outputs]
    return {
        "output": output_key,
        "outputs": out if len(out) > 1 else out[0],
        "inputs": items(spec["inputs"]),
        "state": items(spec["state"]),
        "changedPropIds": changed,
    }


def find_output_key(app, first_output: str) -> str:
    """The callback_map key of the callback whose first output is 'id.prop'."""
    for key in app.callback_map:
        if key.strip(".").startswith(first_output):
            return key
    raise KeyError(first_output)


def call(client, app, first_output: str, values: dict, changed: list[str]):
    """(status code, {'id.prop': value}) for one callback request."""
    key = find_output_key(app, first_output)
    response = client.post(
        "/_dash-update-component",
        data=json.dumps(callback_payload(app, key, values, changed)),
        content_type="application/json",
    )
    if response.status_code != 200:
        return response.status_code, {}
    body = response.get_json()["response"]
    return 200, {f"{cid}.{prop}": value for cid, props in body.items() for prop, value in props.items()}
