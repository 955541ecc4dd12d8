"""New-application view: score an application that is not in the portfolio (a new client, no history).

The form asks only what an advisor can know at the desk: identity facts, income, household, job, housing, the
credit terms, the client's region (a list built from the portfolio's region statistics, ``scoring.regions``) and
the external scores exactly as the credit bureau provides them, each optional. Nothing is pre-filled: a field left
empty, and every column the model reads that the form does not ask (bureau enquiries, acquaintances' defaults,
building measures...), is "not provided" (the model's missing branch) and the result lists them. The result is
the portfolio's: decision, probability, main reasons, waterfall and advice, plus the instalment, its effort rate
and, for a client without external scores, how sure the model is for such clients. Nothing is stored unless
the advisor saves the application as a client (``layouts.save_client``, the clients database only).

The form sits in a disclosure and is built the first time it is opened (``callbacks.application``).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts import save_client
from layouts.charts import chart_figure
from layouts.formatting import money
from layouts.i18n import language
from layouts.status import status_line
from layouts.whatif import NOT_PROVIDED, field_control, field_id, label_of, months_text
from scoring import fields as registry
from scoring.affordability import MAX_EFFORT_RATE
from scoring.form_units import years_twin
from scoring.regions import Region
from scoring.simulate import ANNUITY, CREDIT, DURATION, REQUIRED, Terms

# What an advisor can know at the desk (raw columns), in the order asked. The region is asked as one choice.
ASKED = (
    "DAYS_BIRTH",
    "DAYS_ID_PUBLISH",
    "CNT_CHILDREN",
    "CNT_FAM_MEMBERS",
    "NAME_EDUCATION_TYPE",
    "NAME_HOUSING_TYPE",
    "FLAG_OWN_REALTY",
    "FLAG_OWN_CAR",
    "OWN_CAR_AGE",
    "NAME_INCOME_TYPE",
    "OCCUPATION_TYPE",
    "ORGANIZATION_TYPE",
    "DAYS_EMPLOYED",
    "FLAG_WORK_PHONE",
    "REG_CITY_NOT_WORK_CITY",
    "AMT_INCOME_TOTAL",
    "NAME_CONTRACT_TYPE",
    "AMT_CREDIT",
    "AMT_GOODS_PRICE",
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
)
EXTERNAL = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
REGION = "REGION"  # the form's region choice: sets REGION_POPULATION_RELATIVE and REGION_RATING_CLIENT_W_CITY


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
    terms = "application-terms"
    certainty = "application-certainty"
    missing = "application-missing"
    reasons = "application-reasons"
    waterfall = "application-waterfall"
    advice_status = "application-advice-status"
    advice = "application-advice"
    region = "app-region"

    @staticmethod
    def field(name: str) -> dict:
        return field_id("application", name)


def form_columns(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The columns of ``columns`` (what the model reads) the form asks, the duration after the amount (the
    instalment follows from it by the formula)."""
    out = []
    for column in ASKED:
        if column not in columns or column == ANNUITY:
            continue
        out.append(column)
        if column == CREDIT:
            out.append(DURATION)
    return tuple(out)


def required(name: str) -> bool:
    return name in REQUIRED


def help_text(name: str, lang: str) -> str:
    """What the advisor should type, and what an empty field means (no default is ever filled in)."""
    tr = language(lang)
    if name in EXTERNAL:
        return tr._(
            "As provided by the credit bureau (0 to 1). Leave empty when it gave none: the field is then marked "
            "“not provided”, never guessed."
        )
    if required(name):
        return tr._("Required.")
    if name == DURATION:
        return tr._("In months, for a cash loan; leave empty for a revolving credit.")
    return tr._("May be left empty: the model then treats it as not provided.")


def group_of(name: str) -> str | None:
    """The card section a form field sits in; a DAYS_* column in that of the years feature it is asked as."""
    if name == DURATION:
        return "loan"
    twin = years_twin(name)
    return registry.FIELDS[name].section or (twin.section if twin is not None else None)


def region_label(region: Region, lang: str) -> str:
    tr = language(lang)
    return tr._(
        "Region {number} (rating {rating} of 3, {share} of clients)",
        number=region.number,
        rating=region.rating,
        share=tr.percent(region.share, 1),
    )


def region_control(lang: str, regions: tuple[Region, ...]) -> html.Div:
    """The client's region: a labelled select (region statistics follow from the choice)."""
    tr = language(lang)
    options = [{"label": tr._("Not provided"), "value": NOT_PROVIDED}] + [  # not "": see whatif.field_control
        {"label": region_label(r, lang), "value": str(r.number)} for r in regions
    ]
    help_id = f"{ids.region}-help"
    return html.Div(
        className="control",
        children=[
            dbc.Label(tr._("Region of residence"), html_for=ids.region),
            dbc.Select(id=ids.region, options=options, placeholder=tr._("Not provided"), value=""),
            html.Small(
                tr._(
                    "The data names no region: they are numbered from the least to the most populated. The lender's "
                    "rating and the population of the region follow from the choice."
                ),
                id=help_id,
                className="form-text",
                **{"data-describes": ids.region},
            ),
            html.P(id=f"{ids.region}-error", className="form-error", role="alert", **{"data-error-for": ids.region}),
        ],
    )


def missing_text(names: list[str], lang: str) -> str:
    tr = language(lang)
    if not names:
        return tr._("Every value was provided.")
    return tr._(
        "Not provided (the model treats them as missing): {names}.",
        names=", ".join(label_of(n, lang) for n in names),
    )


def terms_text(terms: Terms, lang: str, max_rate: float = MAX_EFFORT_RATE) -> str:
    """The instalment and its effort rate, and whether it keeps within the lender's maximum."""
    tr = language(lang)
    if terms.annuity is None:
        return ""
    text = tr._("Monthly instalment: {value}", value=money(terms.annuity, lang))
    if terms.months is not None:
        text += " " + tr._("over {months}.", months=months_text(terms.months, lang))
    else:
        text += "."
    rate = terms.effort_rate
    if rate is None:
        return text
    if rate > max_rate + 1e-12:
        return text + " " + tr._(
            "Effort rate {rate} of the monthly income: above the lender's limit of {limit}, these terms cannot be "
            "offered.",
            rate=tr.percent(rate, 1),
            limit=tr.percent(max_rate, 0),
        )
    return text + " " + tr._(
        "Effort rate {rate} of the monthly income (limit {limit}).", rate=tr.percent(rate, 1), limit=tr.percent(max_rate, 0)
    )


def certainty_text(segment: dict | None, overall_auc: float | None, lang: str) -> str:
    """How sure the model is for clients without external scores, from metrics.json ("" when not measured)."""
    if not segment or segment.get("auc") is None:
        return ""
    tr = language(lang)
    text = tr._(
        "This client has no external score. The model is less sure for such clients: tested on {n} clients without "
        "external scores ({positives} with payment difficulties), it placed a client who had difficulties above one "
        "who had none in {auc} of pairs",
        n=tr.number(int(segment.get("n", 0))),
        positives=tr.number(int(segment.get("positives", 0))),
        auc=tr.percent(float(segment["auc"]), 0),
    )
    interval = segment.get("auc_ci")
    if isinstance(interval, list | tuple) and len(interval) == 2:
        text += tr._(
            ", between {low} and {high} with 95 % confidence",
            low=tr.percent(float(interval[0]), 0),
            high=tr.percent(float(interval[1]), 0),
        )
    if overall_auc is not None:
        text += tr._(", against {auc} for all clients", auc=tr.percent(float(overall_auc), 0))
    return text + "."


FILLED = "application-body application-filled"  # the body's class once the form is in it


def form(lang: str, columns: tuple[str, ...], regions: tuple[Region, ...], can_save: bool = False) -> list:
    """The form, its messages and its result. ``columns``: what it asks (``form_columns``); ``regions``: the
    portfolio's regions (``scoring.regions``); ``can_save``: whether the client store keeps new clients
    (``layouts.save_client``). Every field starts empty."""
    tr = language(lang)
    groups = []
    titles = [(key, tr.label(title)) for key, title in registry.SECTIONS] + [(None, tr._("Other information"))]
    for key, title in titles:
        names = [n for n in columns if group_of(n) == key]
        if not names and key != "scores":
            continue
        controls = [
            field_control(ids.field(n), n, lang, help_text=help_text(n, lang), value=None, required=required(n))
            for n in names
        ]
        if key == "scores":  # always there: the callback reads it
            controls.append(region_control(lang, regions))
        groups.append(html.Fieldset(className="control-group", children=[html.Legend(title), *controls]))
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
                html.P(id=ids.terms),
                html.P(id=ids.certainty),
                html.P(id=ids.missing, className="small-print"),
                html.H3(tr._("Main reasons")),
                html.Ol(id=ids.reasons, className="reasons"),
                chart_figure(ids.waterfall, tr._("Contributions to the score of the application"), lang, [], hidden=True),
                html.H3(tr._("What could get the credit granted?")),
                html.P(id=ids.advice_status),
                html.Ol(id=ids.advice, className="advice-options"),
                save_client.section(lang, can_save),
            ],
        ),
    ]


def layout(lang: str, columns: tuple[str, ...], regions: tuple[Region, ...], *, with_form: bool = False) -> html.Section:
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
                    "history. Type only what the client tells you and what the credit bureau provides: nothing is "
                    "filled in for you, and what is left empty is marked “not provided”. Nothing is saved unless "
                    "you save the application as a client."
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
                        children=form(lang, columns, regions) if with_form else [],
                    ),
                ],
            ),
        ],
    )
