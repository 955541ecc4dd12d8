"""The what-if and new-application selects can be changed with the arrow keys from their first state.

dbc.Select draws a hidden, disabled first option with the empty value (its placeholder) and selects it whenever
its value is None or "". An option of ours with the empty value was put back on that hidden one after every
arrow key (found with Orca, issue 22): the first arrow went to it, the re-render went back. So no option of these
forms may carry the empty value, and "not provided" must still be read as a missing value.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pytest

from app.config import Config
from app.queries import APPLICATION_COLUMNS, regions_of
from layouts import application
from layouts.i18n import language
from layouts.whatif import NOT_PROVIDED, field_control, raw_value
from scoring import fields as registry
from scoring.simulate import check_value
from wsgi import create_app


def selects(component) -> list[dbc.Select]:
    found = [component] if isinstance(component, dbc.Select) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children] if children is not None else []:
        found += selects(child)
    return found


@pytest.fixture(scope="module")
def services(synthetic_artifacts):
    return create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False)).server.config["services"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_form_option_has_the_placeholders_empty_value(services, lang):
    form = application.form(lang, application.form_columns(APPLICATION_COLUMNS), regions_of(services))
    found = [s for part in form for s in selects(part)]
    categorical = [n for n in registry.FIELDS if registry.FIELDS[n].categorical]
    found += [s for n in categorical[:4] for required in (True, False) for s in selects(
        field_control(f"x-{n}-{required}", n, lang, help_text="", value=None, required=required))]  # fmt: skip
    assert len(found) >= 5
    for select in found:
        values = [option["value"] for option in select.options]
        assert "" not in values, (select.id, values)
        assert select.value in ("", None) or select.value in values, select.id
        assert select.placeholder, select.id  # what the hidden first option says
    optional = [s for s in found if NOT_PROVIDED in [o["value"] for o in s.options]]
    assert optional and all(
        next(o["label"] for o in s.options if o["value"] == NOT_PROVIDED) == language(lang)._("Not provided")
        for s in optional
    )


def test_not_provided_is_read_as_missing():
    name = next(n for n in registry.FIELDS if registry.FIELDS[n].categorical)
    assert raw_value(name, NOT_PROVIDED, "fr") is None
    assert check_value(name, NOT_PROVIDED) == (None, None)
