""""Save as a client", under a scored new application: the advisor's review, then one button.

With the clients database (``scoring.stores.pg_save``) the application becomes a client of the portfolio with
that review recorded; the result is said in the view's status line and the new client's page is a link. With the
memory-mapped portfolio (read-only) only a sentence says that saving needs the clients database.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.i18n import language
from layouts.review import decision_labels, reason_labels
from scoring.review_rules import COMMENT_MAX, COMMENT_MIN


class ids:  # noqa: N801
    section = "application-save-section"
    heading = "application-save-heading"
    unavailable = "application-save-unavailable"
    decision = "application-save-decision"
    reason = "application-save-reason"
    comment = "application-save-comment"
    comment_help = "application-save-comment-help"
    submit = "application-save"
    message = "application-save-message"
    saved = "application-saved"  # the new client's link
    key = "application-save-key"  # one key per scored form: a repeated save returns the same client


def unavailable_text(lang: str) -> str:
    return language(lang)._(
        "Saving an application as a client needs the clients database (CLIENTS_DATABASE_URL): the portfolio "
        "shown here is read-only."
    )


def saved_link(client_id: int, lang: str) -> html.A:
    return html.A(language(lang)._("Open the page of client {client}", client=client_id), href=f"/?client={client_id}")


def section(lang: str, can_save: bool) -> html.Div:
    """The review fields and the button; disabled, with the reason said, when the store cannot save."""
    tr = language(lang)
    fields = html.Fieldset(
        disabled=not can_save,
        className="control-group",
        children=[
            html.Legend(tr._("Advisor's review of the application")),
            dbc.Label(tr._("Final decision"), html_for=ids.decision),
            dbc.Select(
                id=ids.decision,
                placeholder=tr._("Choose a decision"),
                options=[{"label": text, "value": code} for code, text in decision_labels(lang).items()],
                value="",
            ),
            dbc.Label(tr._("Main reason"), html_for=ids.reason),
            dbc.Select(
                id=ids.reason,
                placeholder=tr._("Choose a reason"),
                options=[{"label": text, "value": code} for code, text in reason_labels(lang).items()],
                value="",
            ),
            dbc.Label(tr._("Explanation"), html_for=ids.comment),
            dbc.Textarea(id=ids.comment, value="", rows=3, className="form-control"),
            html.Small(
                tr._("{low} to {high} characters.", low=COMMENT_MIN, high=tr.number(COMMENT_MAX)),
                id=ids.comment_help,
                className="form-text",
                **{"data-describes": ids.comment},  # the page's script links it to the box (aria-describedby)
            ),
        ],
    )
    return html.Div(
        id=ids.section,
        children=[
            html.H3(tr._("Save as a client"), id=ids.heading),
            html.P(unavailable_text(lang), id=ids.unavailable, hidden=can_save),
            # Read-only store: only the sentence is shown (the controls stay in the page, hidden and disabled,
            # for the callbacks that address them).
            html.Div(
                hidden=not can_save,
                children=[
                    fields,
                    dbc.Button(
                        tr._("Save as a client"), id=ids.submit, color="primary", n_clicks=0, disabled=not can_save
                    ),
                ],
            ),
            html.P(id=ids.message, className="form-error"),
            html.P(id=ids.saved),
            dcc.Store(id=ids.key, data=None),
        ],
    )
