"""Dash callback requests as the browser builds them from ``/_dash-dependencies``.

The one request builder of the project: the tests, the benchmarks and the load test all send callbacks
through it, against a live server (urllib) or a Flask test client alike.
"""

from __future__ import annotations


def outputs_of(key: str) -> list[dict]:
    """'..a.b...c.d..' (several outputs) or 'a.b' (one) -> [{'id': 'a', 'property': 'b'}, ...]."""
    parts = key.strip(".").split("...") if key.startswith("..") else [key]
    return [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True)) for part in parts]


def index_dependencies(dependencies: list[dict]) -> dict[str, dict]:
    """{'first-output-id.prop': dependency} for every callback."""
    out = {}
    for dep in dependencies:
        first = outputs_of(dep["output"])[0]
        out[f"{first['id']}.{first['property']}"] = dep
    return out


def payload(dep: dict, values: dict, changed: list[str] | None = None) -> dict:
    """Request body as the Dash renderer sends it; ``values`` maps 'id.prop' to a value (absent: None).

    ``changed`` defaults to the callback's first input, as when that input fires it.
    """

    def items(entries):
        return [
            {"id": e["id"], "property": e["property"], "value": values.get(f"{e['id']}.{e['property']}")} for e in entries
        ]

    outputs = outputs_of(dep["output"])
    return {
        "output": dep["output"],
        # '..a.b..' (a list of outputs, even of one) is sent as a list; a bare 'a.b' as one object.
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": items(dep["inputs"]),
        "state": items(dep["state"]),
        "changedPropIds": changed if changed is not None else [f"{e['id']}.{e['property']}" for e in dep["inputs"][:1]],
    }
