"""Component ids as the browser's DOM spells them, for the attributes and scripts that refer to an element by id.

A string id is the element's id. A pattern-matching id (a dict such as ``{"type": "whatif-field", "field":
"AMT_CREDIT"}``) is written by Dash's renderer as JSON with sorted keys and no spaces (``dash._utils.stringify_id``),
so a label's ``html_for``, an ``aria-describedby`` list and ``document.getElementById`` in ``assets/a11y.js`` must use
that string (a CSS selector would need ``CSS.escape``). It holds no space, so it is one token of an id list.
"""

from __future__ import annotations

import json
from collections.abc import Mapping


def dom_id(component_id: str | Mapping[str, object]) -> str:
    """The id attribute of the element Dash renders for ``component_id``."""
    if isinstance(component_id, Mapping):
        return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(component_id[k])}" for k in sorted(component_id)) + "}"
    return component_id


def companion_id(component_id: str | Mapping[str, object], part: str) -> str | dict:
    """The id of an element that belongs to a control (its "help", its "error"): ``amount`` -> ``amount-error``, and
    for a pattern-matching id the same keys with the type suffixed, so that one ``MATCH``/``ALL`` pattern on the
    type reaches every form's errors ({"type": "whatif-field-error", "field": "AMT_CREDIT"})."""
    if isinstance(component_id, Mapping):
        return {**component_id, "type": f"{component_id['type']}-{part}"}
    return f"{component_id}-{part}"
