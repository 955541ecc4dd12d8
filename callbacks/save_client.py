""""Save as a client": the scored application inserted into the clients database with the advisor's review.

The form is read again and scored again here (what is saved is what the form holds, with its own score). The
save key comes from the scoring callback: a double click or a retried request returns the client already made
(``scoring.stores.pg_save``). Whatever happens, the form keeps its values (no value output here).
"""

from __future__ import annotations

from dash import Input, Output, State

from app.reviews import ReviewStoreUnavailable, signed_in_advisor
from app.security import audit
from callbacks.application import form_application
from callbacks.common import LANG, register_callback, was_opened
from layouts import review as review_view
from layouts import whatif as forms
from layouts.application import ids as application_ids
from layouts.i18n import language
from layouts.save_client import ids, saved_link, unavailable_text
from scoring.review_rules import check_review
from scoring.simulate import InvalidChanges
from scoring.stores import Scored, StoreUnavailable
from scoring.stores.pg_save import can_save, save_client

OUTPUTS = {
    # The view's live region (where the score is announced) says the result too.
    "status": Output(application_ids.status, "children", allow_duplicate=True),
    "message": Output(ids.message, "children"),
    "saved": Output(ids.saved, "children", allow_duplicate=True),
    "disabled": Output(ids.submit, "disabled", allow_duplicate=True),
}
INPUTS = {
    "clicks": Input(ids.submit, "n_clicks"),
    "key": State(ids.key, "data"),
    "decision": State(ids.decision, "value"),
    "reason": State(ids.reason, "value"),
    "comment": State(ids.comment, "value"),
    "region": State(application_ids.region, "value"),
    "values": State(forms.field_pattern("application"), "value"),
    "lang": LANG,
}


def failed(text: str) -> dict:
    return {"status": text, "message": text}


def save_application(services, *, clicks, key, decision, reason, comment, region, values, lang) -> dict:
    tr = language(lang)
    if not was_opened(clicks):
        return {}
    if not can_save(services.clients):
        return failed(unavailable_text(lang))
    if not key:
        return failed(tr._("Not saved: score the application first."))
    problems = check_review(decision, reason, comment)
    if problems:
        said = review_view.error_texts(problems, lang, decision, reason)
        return failed(" ".join([tr._("Not saved: the advisor's review is incomplete."), *said.values()]))
    advisor = signed_in_advisor()
    if not advisor:
        return failed(tr._("Sign in to save an application as a client."))
    try:
        application = form_application(services, {k: v for k, v in (values or {}).items()}, region, lang)
    except InvalidChanges:
        return failed(tr._("Not saved: some values need correcting; score the application again."))
    explanation = services.simulator.explain(application)
    store = services.clients
    try:
        saved = save_client(
            store, dict(application.values), Scored(explanation.probability, explanation.decision, store.model_version), key
        )
    except StoreUnavailable:
        return failed(
            tr._(
                "The clients database does not answer: nothing was saved. What you typed is still in the form; "
                "try again in a moment."
            )
        )
    client = saved.client_id
    result = {"saved": saved_link(client, lang), "disabled": True, "message": ""}
    if not saved.created:  # the same scored form again (double click, retry): nothing new
        return {**result, "status": tr._("Application saved as client {client}.", client=client)}
    audit("application_saved", client_id=client)
    services.forget_searches(client)
    try:
        services.reviews.add(
            client_id=client,
            advisor=advisor,
            decision=decision,
            reason=reason,
            comment=comment,
            model_version=store.model_version,
            model_probability=explanation.probability,
            model_decision=explanation.decision,
        )
    except ReviewStoreUnavailable:
        text = tr._(
            "Application saved as client {client}, but the review register does not answer: record the review "
            "from the client's page.",
            client=client,
        )
        return {**result, "status": text, "message": text}
    return {**result, "status": tr._("Application saved as client {client}, review recorded.", client=client)}


def register(app, services) -> None:
    register_callback(app, services, OUTPUTS, INPUTS, save_application, message="message", prevent_initial_call=True)
