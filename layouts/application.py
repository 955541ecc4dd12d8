"""New-application view: score an application that is not in the portfolio (a new client, no history).

The form asks every raw value the model reads, grouped as on the client card; each field states its default
(the portfolio's median or most frequent value) and whether it may stay empty (the model's missing branch).
The result is the portfolio's: decision, probability, main reasons, waterfall and advice. Nothing is stored.

The form sits in a disclosure and is built the first time it is opened (``callbacks.application``): its ~190
components would otherwise be re-checked by Dash 4 on every store update of every client switch.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts.charts import chart_figure
from layouts.i18n import language
from layouts.status import status_line
from layouts.whatif import field_control, form_value, label_of, months_text
from scoring import fields as registry
from scoring.simulate import ANNUITY, CREDIT, DURATION, REQUIRED


class ids:  # noqa: N801
    section = "application"
    heading = "application-heading"
    disclosure = "application-disclosure"
    open = "application-open"  # the disclosure's summary: clicks (or Enter, Space) build the form
    body = "application-body"
    submit = "application-submit"
    message = "application-message"
    status = "application-status"
    result = "application-result"
    decision = "application-decision"
    proba = "application-proba"
    grey = "application-grey"
    missing = "application-missing"
    reasons = "application-reasons"
    waterfall = "application-waterfall"
    advice_status = "application-advice-status"
    advice = "application-advice"

    @staticmethod
    def field(name: str) -> str:
        return f"app-{name.lower().replace('_', '-')}"


def form_columns(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The raw columns the model reads, the instalment replaced by the duration (it follows by the formula)."""
    out = []
    for column in columns:
        if column == ANNUITY:
            continue
        out.append(column)
        if column == CREDIT:
            out.append(DURATION)
    return tuple(out)


def required(name: str) -> bool:
    return name in REQUIRED


def default_text(name: str, default, lang: str) -> str:
    tr = language(lang)
    record = registry.FIELDS[name]
    if default is None:
        shown = tr._("empty")
    elif name == DURATION:
        shown = months_text(default, lang)
    elif record.categorical:
        shown = tr.category(name, default)
    elif record.kind == "flag":
        shown = tr._("Yes") if str(default) == "1" else tr._("No")
    elif record.kind == "days":
        shown = tr.number(float(default), 1)
    elif record.kind == "money":
        shown = tr.money(float(default))
    else:
        shown = tr.number(float(default), 0 if float(default).is_integer() else 3)
    statistic = tr._("most frequent value") if record.categorical or record.kind == "flag" else tr._("portfolio median")
    if required(name):
        return tr._("Required. Default: {value} ({statistic}).", value=shown, statistic=statistic)
    if name == DURATION:
        return tr._(
            "For a cash loan only; leave empty for a revolving credit. Default: {value} ({statistic}).",
            value=shown,
            statistic=statistic,
        )
    return tr._(
        "Default: {value} ({statistic}). May be left empty: the model then treats it as not provided.",
        value=shown,
        statistic=statistic,
    )


def group_of(name: str) -> str | None:
    """The card section a form field sits in; a DAYS_* column in that of the years feature it is asked as."""
    if name == DURATION:
        return "loan"
    twin = next((f for f in registry.FIELDS.values() if f.kind == "years" and f.sources == (name,)), None)
    return registry.FIELDS[name].section or (twin.section if twin is not None else None)


def missing_text(names: list[str], lang: str) -> str:
    tr = language(lang)
    if not names:
        return tr._("Every value was provided.")
    return tr._(
        "Not provided (the model treats them as missing): {names}.",
        names=", ".join(label_of(n, lang) for n in names),
    )


FILLED = "application-body application-filled"  # the body's class once the form is in it


def form(lang: str, columns: tuple[str, ...], defaults: dict[str, object]) -> list:
    """The form, its messages and its result. ``columns``: what it asks (``form_columns``); ``defaults``: raw
    default per column."""
    tr = language(lang)
    groups = []
    titles = [(key, tr.label(title)) for key, title in registry.SECTIONS] + [(None, tr._("Other information"))]
    for key, title in titles:
        names = [n for n in columns if group_of(n) == key]
        if not names:
            continue
        groups.append(
            html.Fieldset(
                className="control-group",
                children=[
                    html.Legend(title),
                    *[
                        field_control(
                            ids.field(n),
                            n,
                            lang,
                            help_text=default_text(
                                n, form_value(n, defaults.get(n)) if n != DURATION else defaults.get(n), lang
                            ),
                            value=form_value(n, defaults.get(n)) if n != DURATION else defaults.get(n),
                            required=required(n),
                        )
                        for n in names
                    ],
                ],
            )
        )
    return [
        html.Div(className="compare-controls", children=groups),
        dbc.Button(tr._("Score this application"), id=ids.submit, color="primary", n_clicks=0),
        html.P(id=ids.message, className="form-error", role="alert"),
        status_line(ids.status, tr._("Fill in the form, then press “Score this application”.")),
        html.Div(
            id=ids.result,
            hidden=True,
            children=[
                html.H3(tr._("Decision")),
                html.P(id=ids.decision, className="decision"),
                html.P(id=ids.proba),
                html.P(id=ids.grey, className="grey-zone"),
                html.P(id=ids.missing, className="small-print"),
                html.H3(tr._("Main reasons")),
                html.Ol(id=ids.reasons, className="reasons"),
                chart_figure(ids.waterfall, tr._("Contributions to the score of the application"), lang, [], hidden=True),
                html.H3(tr._("What could get the credit granted?")),
                html.P(id=ids.advice_status),
                html.Ol(id=ids.advice, className="advice-options"),
            ],
        ),
    ]


def layout(lang: str, columns: tuple[str, ...], defaults: dict[str, object], *, with_form: bool = False) -> html.Section:
    """The section; its form only with ``with_form`` (the layout Dash validates callbacks against)."""
    tr = language(lang)
    return html.Section(
        id=ids.section,
        **{"aria-labelledby": ids.heading},
        className="view",
        children=[
            html.H2(tr._("New application"), id=ids.heading, disable_n_clicks=True),
            html.P(
                tr._(
                    "Score an application that is not in the portfolio, for example a new client without credit "
                    "history. The form starts from the portfolio's typical values: replace them with the client's. "
                    "Nothing is saved."
                ),
                className="lead-text",
            ),
            html.Details(
                id=ids.disclosure,
                className="section-disclosure",
                children=[
                    html.Summary(tr._("Fill in a new application"), id=ids.open),
                    html.Div(
                        id=ids.body,
                        className=FILLED if with_form else "application-body",
                        children=form(lang, columns, defaults) if with_form else [],
                    ),
                ],
            ),
        ],
    )
