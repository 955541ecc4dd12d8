"""Human review view: the advisor's final decision on the client's file, with a reason, and the history.

The model recommends; this form records what a person decided and why (app/reviews.py keeps it). Errors are
written next to the field they concern and tied to it (``data-error-for``, see assets/a11y.js); the
confirmation or the failure is said in a status line. A database that does not answer disables this form
only, with a message that says nothing was recorded and nothing typed was lost.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dash_bootstrap_components as dbc
from babel.dates import format_datetime
from dash import dcc, html

from layouts.charts import data_table
from layouts.decision import decision_word
from layouts.i18n import language
from layouts.status import status_line
from scoring.review_rules import COMMENT_MAX, COMMENT_MIN, REASONS, ReviewRecord, reasons_for

TIMEZONE = "Europe/Paris"  # the advisors' time; stored times are UTC


class ids:  # noqa: N801
    section = "review"
    heading = "review-heading"
    empty = "review-empty"
    body = "review-body"
    intro = "review-intro"
    required = "review-required"
    decision = "review-decision"
    decision_error = "review-decision-error"
    reason = "review-reason"
    reason_error = "review-reason-error"
    comment = "review-comment"
    comment_help = "review-comment-help"
    comment_error = "review-comment-error"
    confirm = "review-confirm"
    confirm_error = "review-confirm-error"
    submit = "review-submit"
    message = "review-message"
    history = "review-history"
    saved = "review-saved"  # id of the last review recorded from this page: the summary listens to it


def decision_labels(lang: str) -> dict[str, str]:
    tr = language(lang)
    return {"grant": tr._("Grant the credit"), "refuse": tr._("Refuse the credit"), "documents": tr._("Ask for documents")}


def outcome_labels(lang: str) -> dict[str, str]:
    """What was decided, as the history and the confirmation say it."""
    tr = language(lang)
    return {"grant": tr._("Credit granted"), "refuse": tr._("Credit refused"), "documents": tr._("Documents requested")}


def reason_labels(lang: str) -> dict[str, str]:
    tr = language(lang)
    labels = {
        "documents_checked": tr._("Supporting documents checked"),
        "income_or_guarantee": tr._("Income or guarantee the model does not see"),
        "situation_changed": tr._("Recent change in the client's situation"),
        "bank_history": tr._("Repayment history with the bank"),
        "incomplete_file": tr._("Incomplete or inconsistent application"),
        "debt_burden": tr._("Debt burden too high"),
        "other": tr._("Other reason (explain below)"),
    }
    return {code: labels[code] for code in REASONS}


def error_texts(errors: dict[str, str], lang: str, decision: str | None = None, reason: str | None = None) -> dict[str, str]:
    """One sentence per field in error (``scoring.review_rules.check_review`` codes)."""
    tr = language(lang)
    mismatch = ""
    if errors.get("reason") == "mismatch":
        fitting = [reason_labels(lang)[r] for r in reasons_for(decision)]
        mismatch = tr._(
            "“{reason}” cannot justify the decision “{decision}”. Choose a reason that fits it: {fitting}.",
            reason=reason_labels(lang).get(reason, ""),
            decision=decision_labels(lang).get(decision, ""),
            fitting="; ".join(fitting),
        )
    texts = {
        ("decision", "missing"): tr._("Choose the final decision."),
        ("reason", "missing"): tr._("Choose the main reason."),
        ("reason", "mismatch"): mismatch,
        ("comment", "short"): tr._("Explain the decision in a few words ({n} characters at least).", n=COMMENT_MIN),
        ("comment", "long"): tr._("Shorten the explanation to {n} characters at most.", n=tr.number(COMMENT_MAX)),
        ("confirm", "missing"): tr._("Tick the box to confirm this final decision."),
    }
    return {field: texts[(field, code)] for field, code in errors.items()}


def local_time(moment: datetime, lang: str) -> str:
    """A stored UTC time in the advisors' time zone, formatted for the language (zone named)."""
    tr = language(lang)
    try:
        zone = ZoneInfo(TIMEZONE)
    except ZoneInfoNotFoundError:  # no tz database on the host: say UTC rather than guess
        zone = ZoneInfo("UTC")
    return format_datetime(moment.astimezone(zone), format="medium", locale=tr.locale) + f" ({moment.astimezone(zone):%Z})"


def model_said(record: ReviewRecord, lang: str) -> str:
    tr = language(lang)
    decision = decision_word(record.model_decision, lang)
    return tr._("{decision} ({proba})", decision=decision, proba=tr.percent(record.model_probability, 1))


def history_table(client_id: int, records: list[ReviewRecord], lang: str):
    """The client's reviews, newest first: who, when, what, why (and what the model said then)."""
    tr = language(lang)
    if not records:
        return html.P(tr._("No review recorded yet for this client."), className="empty-state")
    decisions, reasons = outcome_labels(lang), reason_labels(lang)
    rows = [
        [
            local_time(r.created_at, lang),
            r.advisor,
            decisions.get(r.decision, r.decision),
            reasons.get(r.reason, r.reason),
            r.comment,
            model_said(r, lang),
        ]
        for r in records
    ]
    header = [
        tr._("When"),
        tr._("Advisor"),
        tr._("Final decision"),
        tr._("Reason"),
        tr._("Explanation"),
        tr._("Model's recommendation"),
    ]
    caption = tr.ngettext(
        "Review history of client {client} ({n} review)",
        "Review history of client {client} ({n} reviews)",
        len(records),
        client=client_id,
    )
    # Focusable region: on a narrow screen the table may scroll sideways (WCAG 2.1.1).
    return html.Div(
        className="table-responsive",
        tabIndex="0",
        role="region",
        **{"aria-label": caption},
        children=data_table(caption, header, rows),
    )


def unavailable_text(lang: str) -> str:
    return language(lang)._("The review register does not answer right now, so the history cannot be shown.")


def _decision_field(lang: str) -> html.Fieldset:
    """The final decision: one radio button per outcome."""
    tr = language(lang)
    return html.Fieldset(
        className="control-group",
        **{"aria-describedby": f"{ids.required} {ids.decision_error}"},
        children=[
            html.Legend(tr._("Final decision")),
            dbc.RadioItems(
                id=ids.decision,
                name=ids.decision,
                options=[{"label": text, "value": code} for code, text in decision_labels(lang).items()],
                value=None,
            ),
            html.P(id=ids.decision_error, className="form-error"),
        ],
    )


def _reason_field(lang: str) -> html.Div:
    """The main reason, from the domain's list."""
    tr = language(lang)
    return html.Div(
        className="control",
        children=[
            dbc.Label(tr._("Main reason"), html_for=ids.reason),
            # The prompt is dbc.Select's own placeholder (a hidden, disabled first option): a second
            # option with the empty value made React put the selection back on the first one at
            # every arrow key, so the arrows never left the prompt and the prompt was not shown.
            dbc.Select(
                id=ids.reason,
                placeholder=tr._("Choose a reason"),
                options=[{"label": text, "value": code} for code, text in reason_labels(lang).items()],
                value="",
                required=True,
            ),
            html.P(id=ids.reason_error, className="form-error", **{"data-error-for": ids.reason}),
        ],
    )


def _comment_field(lang: str) -> html.Div:
    """The advisor's explanation, with its length bounds said beside it."""
    tr = language(lang)
    return html.Div(
        className="control",
        children=[
            dbc.Label(tr._("Explanation"), html_for=ids.comment),
            dbc.Textarea(id=ids.comment, value="", rows=3, className="form-control", required=True),
            html.Small(
                tr._(
                    "What you checked and why you decided so ({low} to {high} characters). "
                    "It is shown to advisors and auditors: no health or other sensitive data.",
                    low=COMMENT_MIN,
                    high=tr.number(COMMENT_MAX),
                ),
                id=ids.comment_help,
                className="form-text",
                **{"data-describes": ids.comment},
            ),
            html.P(id=ids.comment_error, className="form-error", **{"data-error-for": ids.comment}),
        ],
    )


def _confirm_field(lang: str) -> html.Div:
    """The confirmation box."""
    tr = language(lang)
    # A final decision with legal weight is confirmed before it is recorded (RGAA 11.12):
    # rows are never updated, a later review is added to the history.
    return html.Div(
        className="control",
        children=[
            dbc.Checkbox(
                id=ids.confirm,
                value=False,
                label=tr._(
                    "I confirm this final decision. Once recorded it cannot be changed; "
                    "a later review is added to the history."
                ),
            ),
            html.P(id=ids.confirm_error, className="form-error", **{"data-error-for": ids.confirm}),
        ],
    )


def layout(lang: str) -> html.Section:
    tr = language(lang)
    return html.Section(
        id=ids.section,
        **{"aria-labelledby": ids.heading},
        className="view view-review",
        children=[
            html.H2(tr._("Advisor review"), id=ids.heading, disable_n_clicks=True),
            html.P(tr._("Choose a client to record a review of their file."), id=ids.empty, className="empty-state"),
            html.Div(
                id=ids.body,
                hidden=True,
                children=[
                    html.P(
                        tr._(
                            "The model's decision is a recommendation. Record here the final decision on this file "
                            "and why; it is kept with your name and the time."
                        ),
                        id=ids.intro,
                        className="small-print",
                    ),
                    html.Div(
                        className="review-form",
                        children=[
                            # Said before the form is sent (RGAA 11.10) and tied to each field (data-describes).
                            html.P(
                                tr._("All fields are required, the confirmation too."),
                                id=ids.required,
                                className="small-print",
                                **{"data-describes": f"{ids.reason} {ids.comment} {ids.confirm}"},
                            ),
                            _decision_field(lang),
                            _reason_field(lang),
                            _comment_field(lang),
                            _confirm_field(lang),
                            dbc.Button(tr._("Record the review"), id=ids.submit, color="primary", n_clicks=0),
                            status_line(ids.message, class_name="review-message"),
                        ],
                    ),
                    html.H3(tr._("Review history")),
                    html.Div(id=ids.history),
                    dcc.Store(id=ids.saved),
                ],
            ),
        ],
    )
