"""Dash callback requests as the browser builds them from ``/_dash-dependencies``.

The one request builder of the project: the tests, the benchmarks and the load test all send callbacks
through it, against a live server (urllib) or a Flask test client alike.
"""

from __future__ import annotations

import functools
import json

from app.queries import APPLICATION_COLUMNS
from layouts import application, whatif
from layouts.dom import companion_id, dom_id


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


def key(component_id, prop: str) -> str:
    """'id.prop' as requests and responses spell it (a pattern-matching id as the DOM holds it)."""
    return f"{dom_id(component_id)}.{prop}"


@functools.cache
def form_components() -> tuple[dict, ...]:
    """The pattern-matching ids of the page with both forms open: every field, its help and its error."""
    fields = [whatif.ids.field(n) for n in whatif.FORM_FIELDS] + [application.ids.field(n) for n in APPLICATION_COLUMNS]
    return tuple(i for f in fields for i in (f, companion_id(f, "help"), companion_id(f, "error")))


def matches(pattern: dict, component_id: dict) -> bool:
    """Whether a pattern-matching dependency ({"field": ["ALL"], ...} as Dash lists it) names ``component_id``."""
    return pattern.keys() == component_id.keys() and all(v == ["ALL"] or v == component_id[k] for k, v in pattern.items())


def payload(dep: dict, values: dict, changed: list[str] | None = None, components=None) -> dict:
    """Request body as the Dash renderer sends it; ``values`` maps 'id.prop' to a value (absent: None), a
    pattern-matching id spelt as the DOM holds it (``layouts.dom.dom_id``).

    ``changed`` defaults to the callback's first input, as when that input fires it. ``components``: the
    pattern-matching ids on the page (dicts; by default ``form_components``); a dependency on a pattern is sent as
    the list of those it matches.
    """
    components = form_components() if components is None else components

    def expand(entry, with_value: bool):
        def one(component_id):
            item = {"id": component_id, "property": entry["property"]}
            if with_value:
                item["value"] = values.get(f"{dom_id(component_id)}.{entry['property']}")
            return item

        if not entry["id"].startswith("{"):
            return one(entry["id"])
        pattern = json.loads(entry["id"])
        return [one(c) for c in components if isinstance(c, dict) and matches(pattern, c)]

    outputs = [expand(o, False) for o in outputs_of(dep["output"])]
    return {
        "output": dep["output"],
        # '..a.b..' (a list of outputs, even of one) is sent as a list; a bare 'a.b' as one object.
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": [expand(e, True) for e in dep["inputs"]],
        "state": [expand(e, True) for e in dep["state"]],
        "changedPropIds": changed if changed is not None else [f"{e['id']}.{e['property']}" for e in dep["inputs"][:1]],
    }
