"""Hypothesis fuzzing of the what-if, advice and new-application callbacks: no input gives a server error.

The pattern of tests/test_fuzz_callbacks.py: what the page can send (numbers in number fields, listed
options in selects, the stores as the server filled them) answers 200 without any exception rescued by
``callbacks.common.guarded``; any JSON in any input of a forged request answers 200/204, never 500.
"""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.fields import FIELDS
from scoring.regions import MAX_REGIONS
from tests.callback_requests import payload

from .dash_requests import components, dependencies, pairs
from .test_fuzz_callbacks import JUNK, PROFILE, SIMULATION_CALLBACKS, RescuedErrors, send

CALLBACKS = SIMULATION_CALLBACKS


@pytest.fixture(scope="module")
def client(dash_app):
    return dash_app.server.test_client()


@pytest.fixture()
def rescued():
    handler = RescuedErrors()
    logger = logging.getLogger("app.callbacks")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def field_name(component: str) -> str | None:
    """The registry field behind a form control's DOM id ({"field":"AMT_CREDIT",...,"type":"whatif-field"})."""
    if component.startswith("{"):
        name = json.loads(component).get("field")
        return name if name in FIELDS else None
    return None


def page_value(component: str, prop: str, ids: list[int]) -> st.SearchStrategy:
    """What the page itself can send for one input or state."""
    if component == "client-id":
        return st.one_of(st.none(), st.sampled_from(ids))
    if component == "lang":
        return st.sampled_from(["fr", "en"])
    if component == "curve-shown":  # the client and language the curves were drawn for
        return st.one_of(
            st.none(), st.fixed_dictionaries({"client": st.sampled_from(ids), "lang": st.sampled_from(["fr", "en"])})
        )
    if prop in ("n_clicks", "n_submit"):  # a button pressed, or Enter in a text box
        return st.one_of(st.none(), st.integers(min_value=0, max_value=10**6))
    if component == "app-region":  # the region choice: none, a region number, or one that does not exist
        return st.one_of(st.just(""), st.integers(min_value=-5, max_value=MAX_REGIONS + 5).map(str))
    name = field_name(component)
    record = FIELDS[name]
    if record.categorical:
        return st.sampled_from(["", *record.categories])
    if record.kind == "flag":
        return st.sampled_from(["", "0", "1"])
    low, high = record.range or (0, 1)
    span = max(abs(low), abs(high)) * 3 + 10
    # A number is a text box: whatever is typed, a number in either language's format, or nothing; in or out of
    # the plausible range, whole or not.
    number = st.floats(min_value=-span, max_value=span, allow_nan=False)
    return st.one_of(
        st.none(),
        st.integers(min_value=int(-span), max_value=int(span)).map(str),
        number.map(lambda x: f"{x:,.2f}"),
        number.map(lambda x: f"{x:,.2f}".replace(",", " ").replace(".", ",")),
        st.text(max_size=12),
    )


def forged_value(component: str, prop: str, ids: list[int]) -> st.SearchStrategy:
    return st.one_of(page_value(component, prop, ids), page_value(component, prop, ids), JUNK)


@pytest.mark.parametrize("forged", [False, True], ids=["page", "forged"])
@pytest.mark.parametrize("first_output", CALLBACKS)
def test_new_callbacks_never_give_server_errors(dash_app, client, rescued, first_output, forged):
    dependency = dependencies(dash_app)[first_output]
    portfolio = dash_app.server.config["services"].portfolio
    ids = [int(i) for i in portfolio.ids[:: max(1, len(portfolio.ids) // 50)]]
    make = forged_value if forged else page_value
    page_ids = components(dash_app)
    values = st.fixed_dictionaries({f"{i}.{p}": make(i, p, ids) for i, p in pairs(dependency, page_ids)})
    inputs = [f"{i}.{p}" for i, p in pairs({"inputs": dependency["inputs"], "state": []}, page_ids)]
    # Mostly the button that runs the model, as an advisor presses it.
    buttons = [i for i in inputs if i.endswith("submit.n_clicks")] or inputs[:1]
    changed = st.one_of(
        st.just(buttons[:1]),
        st.lists(st.sampled_from(inputs), max_size=2, unique=True),
    )
    profile = settings.get_profile(PROFILE)

    @settings(profile, max_examples=min(profile.max_examples, 60))
    @given(values, changed)
    def check(example, changed_ids):
        rescued.messages.clear()
        status = send(client, payload(dependency, example, changed_ids, page_ids))
        assert status in (200, 204), (status, example)
        if not forged:
            assert not rescued.messages, (rescued.messages[-1], example)

    check()
