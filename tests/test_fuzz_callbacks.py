"""Fuzzing every Dash callback over HTTP with hypothesis: no input ever gives a server error.

Two properties, for every callback in ``app.callback_map``:
- what the page can send (stores as the server filled them, inputs as a user can fill them) answers 200/204
  and no callback had to be rescued by ``callbacks.common.guarded`` (a rescued exception is a bug hidden
  from the user, so it fails here too);
- any value in any input/state of a hand-made request (ids, filters, feature names, sizes, junk of any JSON
  type) answers 200/204: the guard turns the exception into a message, never a 500;
- a malformed request body answers 400, never 500.

Profiles: "ci" (default; deterministic, ~1,950 requests, < 30 s) and "deep" (HYPOTHESIS_PROFILE=deep, random,
10x more examples).
"""

from __future__ import annotations

import json
import logging
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layouts.application import FILLED
from layouts.comparison import ids as compare
from layouts.page import ids as page
from layouts.review import ids as review
from layouts.selection import ids as selection
from scoring.comparison import GROUP_BASES
from scoring.fields import COMPARABLE
from tests.callback_requests import payload

from .dash_requests import dependencies, pairs

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "deep",
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
COUNTS: dict[str, int] = {}


@pytest.fixture(scope="module")
def client(dash_app):
    return dash_app.server.test_client()


class RescuedErrors(logging.Handler):
    """Counts exceptions swallowed by callbacks.common.guarded (logged on app.callbacks)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(self.format(record))


@pytest.fixture()
def rescued():
    handler = RescuedErrors()
    logger = logging.getLogger("app.callbacks")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.text(alphabet="0123456789 -+.,e", max_size=25),
)
JUNK = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=8,
)


def domain_values(portfolio) -> dict[str, st.SearchStrategy]:
    """Plausible values per property kind: real and almost-real client ids, features, groups, filter levels."""
    ids = [int(i) for i in portfolio.ids[:: max(1, len(portfolio.ids) // 200)]]
    client_id = st.one_of(
        st.sampled_from(ids), st.integers(min_value=-5, max_value=10**10), st.sampled_from(ids).map(lambda i: i + 1)
    )
    id_text = st.one_of(client_id.map(str), client_id.map(lambda i: f"  {i} "), st.text(alphabet="0123456789", max_size=12))
    levels = [level for column in ("CODE_GENDER", "NAME_CONTRACT_TYPE") for level in portfolio.levels(column)]
    return {
        "client": client_id,
        "id_text": id_text,
        "search": st.one_of(
            id_text.map(lambda t: f"?client={t}"),
            id_text.map(lambda t: f"?x=1&client={t}&client=2"),
            st.text(max_size=30).map(lambda t: "?" + t),
        ),
        "feature": st.sampled_from(sorted(COMPARABLE)),
        "group": st.sampled_from(GROUP_BASES),
        "k": st.one_of(st.integers(min_value=-10, max_value=10**7), st.floats(allow_nan=True), st.text(max_size=6)),
        "filter": st.sampled_from(["any", "same", *levels, "18-30", "30-45", "45+", "low", "high", "q1", "q4"]),
        "lang": st.sampled_from(["fr", "en"]),
        "valid_client": st.sampled_from(ids),
        "count": st.integers(min_value=0, max_value=10**6),
        # A class the page holds (the new-application body says whether its form is built).
        "class": st.one_of(st.none(), st.just(FILLED), st.text(max_size=40)),
        # What the page shows and sends back so that an unchanged value is not sent again.
        "flag": st.one_of(st.none(), st.booleans()),
        "text": st.one_of(st.none(), st.text(max_size=60)),
    }


def kind_of(component: str, prop: str) -> str:
    kinds = {
        page.client: "client",
        page.url: "search",
        page.lang: "lang",
        selection.submit: "count",
        review.saved: "count",  # the id of the review last recorded from the page
        compare.feature: "feature",
        compare.feature_y: "feature",
        compare.group: "group",
        compare.k: "k",
        compare.gender: "filter",
        compare.age: "filter",
        compare.income: "filter",
        compare.contract: "filter",
    }
    if component == selection.input:
        return "count" if prop == "n_submit" else "id_text"
    if prop == "n_clicks":  # buttons, and the summaries of disclosures built on demand
        return "count"
    if prop == "className":
        return "class"
    if component not in kinds and prop in ("hidden", "children"):
        return "flag" if prop == "hidden" else "text"
    return kinds.get(component, "junk")


def value_strategy(kind: str, domain: dict, forged: bool) -> st.SearchStrategy:
    if kind == "junk":
        return JUNK
    if not forged:
        # What the page itself can send: the stores hold what the server put there, inputs what a user can enter.
        page = {
            "client": st.one_of(st.none(), domain["valid_client"]),
            "lang": domain["lang"],
            "count": st.one_of(st.none(), domain["count"]),
            "k": st.one_of(st.none(), st.integers(min_value=-10, max_value=10**7), st.floats(allow_nan=False)),
        }
        return page.get(kind, domain[kind])
    # A forged request: mostly plausible values (they reach deep code paths), sometimes any JSON value.
    return st.one_of(domain[kind], domain[kind], domain[kind], JUNK)


def request_strategy(dash_app, first_output: str, forged: bool):
    dependency = dependencies(dash_app)[first_output]
    domain = domain_values(dash_app.server.config["services"].portfolio)
    values = st.fixed_dictionaries({f"{i}.{p}": value_strategy(kind_of(i, p), domain, forged) for i, p in pairs(dependency)})
    inputs = [f"{e['id']}.{e['property']}" for e in dependency["inputs"]]
    changed = st.lists(st.sampled_from(inputs), max_size=len(inputs), unique=True)
    return st.tuples(values, changed)


def send(client, body) -> int:
    # allow_nan: NaN/Infinity tokens are what a broken client could send; Flask parses them.
    data = json.dumps(body, allow_nan=True)
    return client.post("/_dash-update-component", data=data, content_type="application/json").status_code


def test_every_callback_is_covered(dash_app):
    covered = CALLBACKS + SIMULATION_CALLBACKS + REVIEW_CALLBACKS + SAVE_CALLBACKS + CLIENTSIDE_CALLBACKS
    # A second writer of an output (allow_duplicate) is keyed "output@hash": named here by its output and "@".
    found = [key.split("@")[0] + "@" if "@" in key else key for key in dependencies(dash_app)]
    assert sorted(found) == sorted(covered), "a new callback: add it to CALLBACKS"
    fuzzed_here = [dependency for key, dependency in dependencies(dash_app).items() if key in CALLBACKS]
    kinds = {kind_of(i, p) for dependency in fuzzed_here for i, p in pairs(dependency)}
    assert "junk" not in kinds, "a new callback input: give it a plausible strategy in kind_of()"


CALLBACKS = [
    "client-id.data",
    "client-suggestions.children",
    "summary-empty.hidden",
    "why-paragraph.children",
    "card-content.children",
    "compare-size.children",
    "application-body.children",
    "whatif-body.children",
    "card-body.children",
]
# What-if, advice and new application: fuzzed in tests/test_fuzz_whatif.py with strategies from the field registry.
SIMULATION_CALLBACKS = [
    "whatif-status.children",
    "advice-status.children",
    "application-message.children",
    "curve-status.children",
]
# The advisor review (writes to a database): fuzzed in tests/test_fuzz_review.py on a database of its own.
REVIEW_CALLBACKS = ["review-empty.hidden"]
# Saving a new application as a client writes to PostgreSQL: tests/test_pg_save_client.py drives it.
SAVE_CALLBACKS = ["application-status.children@"]
# Run in the browser only (no request to fuzz): the tab's title follows the summary.
CLIENTSIDE_CALLBACKS = ["page-title.title"]


@pytest.mark.parametrize("forged", [False, True], ids=["page", "forged"])
@pytest.mark.parametrize("first_output", CALLBACKS)
def test_callback_inputs_never_give_server_errors(dash_app, client, rescued, first_output, forged):
    """page: anything the page can send answers without any exception (rescued ones included);
    forged: any JSON in any input or store (a hand-made request) answers 200/204, never 500."""
    dependency = dependencies(dash_app)[first_output]

    @settings(settings.get_profile(PROFILE))
    @given(request_strategy(dash_app, first_output, forged))
    def check(example):
        values, changed = example
        rescued.messages.clear()
        status = send(client, payload(dependency, values, changed))
        COUNTS[first_output] = COUNTS.get(first_output, 0) + 1
        assert status in (200, 204), (status, values)
        if not forged:
            assert not rescued.messages, (rescued.messages[-1], values)

    check()


STRUCTURE = st.one_of(
    JUNK,
    st.fixed_dictionaries(
        {"output": st.one_of(st.sampled_from(["..card-content.children..", "card-content.children", "nope.x"]), JUNK)},
        optional={
            "outputs": JUNK,
            "inputs": st.one_of(JUNK, st.lists(JUNK, max_size=3)),
            "state": st.one_of(JUNK, st.lists(JUNK, max_size=3)),
            "changedPropIds": JUNK,
        },
    ),
)


@settings(settings.get_profile(PROFILE))
@given(body=STRUCTURE)
def test_malformed_callback_bodies_are_refused_not_crashed(client, body):
    COUNTS["malformed"] = COUNTS.get("malformed", 0) + 1
    assert send(client, body) in (200, 204, 400)


def test_report_example_counts():
    # Runs last in this module: the number of generated requests, for the record (-s shows it).
    total = sum(COUNTS.values())
    print(f"\nfuzz ({PROFILE}): {total} requests: " + ", ".join(f"{k} {v}" for k, v in COUNTS.items()))
