"""Advisor review wiring: a client -> a blank form and their review history; the button -> one recorded review.

Only this view touches the review database: when it does not answer, this view says so and the others
carry on. The reason and the explanation are never logged (app/reviews.py).
"""

from __future__ import annotations

from dash import Input, State

from app.reviews import ReviewStoreUnavailable, signed_in_advisor
from callbacks.common import CLIENT, LANG, outputs, register_callback, triggered, viewed_client
from layouts import review
from layouts.i18n import language
from layouts.review import ids
from scoring.review_rules import check_review

OUTPUTS = outputs(
    empty=(ids.empty, "hidden"),
    body=(ids.body, "hidden"),
    history=(ids.history, "children"),
    message=(ids.message, "children"),
    message_class=(ids.message, "className"),
    decision_error=(ids.decision_error, "children"),
    reason_error=(ids.reason_error, "children"),
    comment_error=(ids.comment_error, "children"),
    confirm_error=(ids.confirm_error, "children"),
    decision=(ids.decision, "value"),
    reason=(ids.reason, "value"),
    comment=(ids.comment, "value"),
    confirm=(ids.confirm, "value"),
    saved=(ids.saved, "data"),
)
INPUTS = {
    "client_id": CLIENT,
    "clicks": Input(ids.submit, "n_clicks"),
    "decision": State(ids.decision, "value"),
    "reason": State(ids.reason, "value"),
    "comment": State(ids.comment, "value"),
    "confirm": State(ids.confirm, "value"),
    "lang": LANG,
}
BLANK = {
    "decision": None,
    "reason": "",
    "comment": "",
    "confirm": False,
    "decision_error": "",
    "reason_error": "",
    "comment_error": "",
    "confirm_error": "",
}
MESSAGE = "review-message"


def history(services, client_id: int, lang: str):
    try:
        return review.history_table(client_id, services.reviews.history(client_id), lang)
    except ReviewStoreUnavailable:
        return review.unavailable_text(lang)


def record_review(services, *, client_id, clicks, decision, reason, comment, confirm, lang) -> dict:  # noqa: ARG001 - Dash input
    client = viewed_client(services, client_id, "review")
    if client is None:
        return {"empty": False, "body": True, "message": "", **BLANK}
    if triggered() != ids.submit:  # another client: a blank form and their history
        return {"empty": True, "body": False, "history": history(services, client, lang), "message": "", **BLANK}

    tr = language(lang)
    problems = check_review(decision, reason, comment)
    if confirm is not True:  # only a ticked box confirms (a forged request may send anything)
        problems["confirm"] = "missing"
    errors = review.error_texts(problems, lang, decision, reason)
    shown = {f"{name}_error": errors.get(name, "") for name in ("decision", "reason", "comment", "confirm")}
    if errors:
        return {
            **shown,
            "message": tr.ngettext(
                "Not recorded: {n} field to complete or correct.",
                "Not recorded: {n} fields to complete or correct.",
                len(errors),
            ),
            "message_class": f"{MESSAGE} review-error",
        }
    advisor = signed_in_advisor()
    if not advisor:
        return {**shown, "message": tr._("Sign in to record a review."), "message_class": f"{MESSAGE} review-error"}
    explanation = services.explanation(client)
    try:
        record = services.reviews.add(
            client_id=client,
            advisor=advisor,
            decision=decision,
            reason=reason,
            comment=comment,
            model_version=services.artifacts.version,
            model_probability=explanation.probability,
            model_decision=explanation.decision,
        )
    except ReviewStoreUnavailable:
        # Nothing typed is lost: the form keeps its values (no value output here).
        return {
            **shown,
            "message": tr._(
                "The review register does not answer: nothing was recorded. What you typed is still in the form; "
                "try again in a moment."
            ),
            "message_class": f"{MESSAGE} review-error",
        }
    return {
        **BLANK,
        "saved": record.id,  # the summary and the page title now show this final decision
        "history": history(services, client, lang),
        "message": tr._(
            "Review recorded for client {client}: {decision}.",
            client=client,
            decision=review.outcome_labels(lang)[decision].lower(),
        ),
        "message_class": f"{MESSAGE} review-ok",
    }


def register(app, services) -> None:
    register_callback(app, services, OUTPUTS, INPUTS, record_review, message="message")
