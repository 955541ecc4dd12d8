"""Fuzzing the advisor review callback over HTTP with hypothesis (as tests/test_fuzz_callbacks.py does for the
other views): what the page can send never needs rescuing, any forged value answers 200/204, and whatever
gets recorded is a valid review."""

from __future__ import annotations

import json
import logging
import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.config import Config
from app.reviews import ReviewStore
from scoring.review_rules import COMMENT_MAX, DECISIONS, REASONS, fits, reasons_for
from tests.callback_requests import payload
from wsgi import create_app

from .dash_requests import dependencies, pairs
from .test_fuzz_callbacks import JUNK, RescuedErrors

FIRST = "review-empty.hidden"
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.register_profile(
    "review-ci",
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def fuzz_app(synthetic_artifacts, tmp_path_factory):
    db = tmp_path_factory.mktemp("fuzz-reviews") / "reviews.sqlite3"
    return create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False, database_url=f"sqlite:///{db}"))


@pytest.fixture()
def rescued():
    handler = RescuedErrors()
    logger = logging.getLogger("app.callbacks")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def strategies(portfolio, forged: bool) -> dict[str, st.SearchStrategy]:
    ids = [int(i) for i in portfolio.ids[:: max(1, len(portfolio.ids) // 100)]]
    text = st.text(max_size=COMMENT_MAX + 20)  # control characters, NUL and too long included
    page = {
        "client-id.data": st.one_of(st.none(), st.sampled_from(ids)),
        "review-submit.n_clicks": st.integers(min_value=0, max_value=10**6),
        "review-decision.value": st.one_of(st.none(), st.sampled_from(DECISIONS)),
        "review-reason.value": st.sampled_from(["", *REASONS]),
        "review-comment.value": text,
        "review-confirm.value": st.booleans(),
        "lang.data": st.sampled_from(["fr", "en"]),
    }
    if not forged:
        return page
    return {key: st.one_of(value, value, JUNK) for key, value in page.items()}


@pytest.mark.parametrize("forged", [False, True], ids=["page", "forged"])
def test_review_callback_never_gives_server_errors(fuzz_app, rescued, forged):
    services = fuzz_app.server.config["services"]
    sampled_ids = [int(i) for i in services.portfolio.ids[:: max(1, len(services.portfolio.ids) // 100)]]
    client = fuzz_app.server.test_client()
    dependency = dependencies(fuzz_app)[FIRST]
    assert {f"{i}.{p}" for i, p in pairs(dependency)} == set(strategies(services.portfolio, False)), "a new input"
    inputs = [f"{e['id']}.{e['property']}" for e in dependency["inputs"]]

    complete = {  # one review the form accepts, so that the write path is always exercised
        "client-id.data": sampled_ids[0],
        "review-submit.n_clicks": 1,
        "review-decision.value": "refuse",
        "review-reason.value": "debt_burden",
        "review-comment.value": "Endettement trop élevé au vu des revenus.",
        "review-confirm.value": True,
        "lang.data": "fr",
    }

    @settings(settings.get_profile("review-ci" if PROFILE == "ci" else PROFILE))
    @example(complete, ["review-submit.n_clicks"], False)
    @given(
        st.fixed_dictionaries(strategies(services.portfolio, forged)),
        st.lists(st.sampled_from(inputs), min_size=1, max_size=2, unique=True),
        st.booleans(),
    )
    def check(values, changed, coherent):
        rescued.messages.clear()
        decision, reason = values.get("review-decision.value"), values.get("review-reason.value")
        if coherent and decision in DECISIONS and reason in REASONS and not fits(decision, reason):
            # Half the time a pair the domain accepts, so that the write path is reached as often as before.
            values = {**values, "review-reason.value": reasons_for(decision)[0]}
        body = payload(dependency, values, changed)
        status = client.post(
            "/_dash-update-component", data=json.dumps(body, allow_nan=True), content_type="application/json"
        ).status_code
        assert status in (200, 204), (status, values, changed)
        if not forged:
            assert rescued.messages == [], rescued.messages

    check()
    store = ReviewStore(services.config.database_url)
    recorded = [r for client_id in sampled_ids for r in store.history(client_id, limit=10_000)]
    assert recorded, "the fuzzer never reached the write path"
    for record in recorded:
        assert record.decision in DECISIONS and record.reason in REASONS
        assert 10 <= len(record.comment) <= COMMENT_MAX and "\x00" not in record.comment
