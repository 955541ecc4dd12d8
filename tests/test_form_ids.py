"""Pattern-matching form ids: one pattern reaches each form's fields, helps and errors; callbacks see them by name."""

from __future__ import annotations

import json

import pytest
from dash import no_update
from dash._utils import stringify_id  # how Dash lists a pattern ({"field":["ALL"],...}) and writes an id in the DOM

from app.queries import APPLICATION_COLUMNS
from callbacks.common import by_field, in_page_order
from layouts import application, whatif
from layouts.dom import companion_id, dom_id
from layouts.whatif import field_of, field_pattern, text_box
from tests.callback_requests import matches

FORMS = [("whatif", whatif.ids, whatif.FORM_FIELDS), ("application", application.ids, APPLICATION_COLUMNS)]


def listed(pattern: dict) -> dict:
    return json.loads(stringify_id(pattern))


@pytest.mark.parametrize(("form", "ids", "names"), FORMS)
def test_one_pattern_reaches_every_field_of_its_form_and_no_other(form, ids, names):
    other = "application" if form == "whatif" else "whatif"
    for name in names:
        field = ids.field(name)
        assert field_of(field) == name and dom_id(field) == stringify_id(field)
        assert matches(listed(field_pattern(form)), field)
        assert not matches(listed(field_pattern(other)), field)
        assert matches(listed(field_pattern(form, numbers_only=True)), field) == text_box(name)  # Enter submits
        for part in ("help", "error"):
            assert matches(listed(field_pattern(form, part)), companion_id(field, part))
            assert not matches(listed(field_pattern(form, part)), field)


def test_buttons_and_other_ids_are_no_field():
    assert field_of(whatif.ids.submit) is None and field_of(None) is None
    assert field_of(companion_id(whatif.ids.field("AMT_CREDIT"), "error")) is None


def test_callbacks_take_and_give_fields_by_name_in_the_pages_order():
    """Dash passes a pattern's states as a list in page order; the callback sees {field: value} and answers so."""
    ids = [whatif.ids.field(n) for n in ("CNT_CHILDREN", "AMT_CREDIT", "NAME_CONTRACT_TYPE")]
    states = [{"id": i, "property": "value", "value": v} for i, v in zip(ids, ("2", "1 000", "Cash loans"), strict=True)]
    assert by_field(states) == {"CNT_CHILDREN": "2", "AMT_CREDIT": "1 000", "NAME_CONTRACT_TYPE": "Cash loans"}
    outputs = [{"id": companion_id(i, "error"), "property": "children"} for i in ids]
    answer = in_page_order({"AMT_CREDIT": "bad", "CNT_CHILDREN": ""}, outputs)
    assert answer == ["", "bad", no_update]  # a field the callback leaves out is not updated
