"""Callback requests built from ``app.callback_map``, as the Dash renderer sends them (security/Redis/fuzz tests)."""

from __future__ import annotations


def callback_specs(app) -> dict[str, dict]:
    """{output key: {"outputs": [...], "inputs": [(id, prop)], "state": [(id, prop)]}} for every callback."""
    specs = {}
    for key, spec in app.callback_map.items():
        outputs = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
        specs[key] = {
            "outputs": [{"id": o.component_id, "property": o.component_property} for o in outputs],
            "inputs": [(e["id"], e["property"]) for e in spec["inputs"]],
            "state": [(e["id"], e["property"]) for e in spec["state"]],
        }
    return specs


def payload(app, key: str, values: dict, changed: list[str] | None = None) -> dict:
    """Request body for callback ``key``; ``values`` maps "id.prop" to a value (absent -> None)."""
    spec = callback_specs(app)[key]

    def items(pairs):
        return [{"id": i, "property": p, "value": values.get(f"{i}.{p}")} for i, p in pairs]

    outputs = spec["outputs"]
    return {
        "output": key,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": items(spec["inputs"]),
        "state": items(spec["state"]),
        "changedPropIds": changed if changed is not None else [f"{i}.{p}" for i, p in spec["inputs"][:1]],
    }


def key_of(app, first_output: str) -> str:
    """The callback_map key whose first output is "id.prop"."""
    for key in app.callback_map:
        if key.strip(".").startswith(first_output):
            return key
    raise KeyError(first_output)


def post(client, app, first_output: str, values: dict, changed: list[str] | None = None, **kwargs):
    return client.post("/_dash-update-component", json=payload(app, key_of(app, first_output), values, changed), **kwargs)
