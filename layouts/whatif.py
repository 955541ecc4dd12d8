"""What-if view: the chosen client's credit terms and declared data changed, scored again by the model.

The form holds the simulable fields of the registry in two groups: credit terms (what an advisor may
propose) and corrections of declared data (not advice). The result sits beside the original: decision and
probability before and after, the difference in words, what changed (the instalment follows by the stated
repayment formula) and the recomputed waterfall. Form helpers here are shared with the new-application view.

The form sits in a disclosure and is built the first time it is opened (``callbacks.whatif``); until then a
client switch neither fills it nor makes Dash 4 re-check its components on every store update.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import ALL, html

from layouts.charts import chart_figure
from layouts.decision import marked
from layouts.dom import companion_id, dom_id
from layouts.explanation import factors, waterfall, waterfall_caption, waterfall_table
from layouts.formatting import money, money_unit, value_text
from layouts.i18n import language
from layouts.status import status_line
from scoring import fields as registry
from scoring.affordability import MAX_EFFORT_RATE, affordable
from scoring.decision import REFUSED
from scoring.form_units import range_in_form, to_raw, years_twin
from scoring.portfolio import ClientExplanation
from scoring.simulate import ANNUAL_RATE, DURATION, InvalidChanges, Outcome, Problem, Terms, parse_number

TERM_FIELDS = ("AMT_CREDIT", DURATION, "AMT_GOODS_PRICE", "NAME_CONTRACT_TYPE")
DECLARED_FIELDS = ("AMT_INCOME_TOTAL", "DAYS_EMPLOYED", "CNT_FAM_MEMBERS", "CNT_CHILDREN")
FORM_FIELDS = TERM_FIELDS + DECLARED_FIELDS


class ids:  # noqa: N801
    section = "whatif"
    heading = "whatif-heading"
    disclosure = "whatif-disclosure"
    open = "whatif-open"  # the disclosure's summary: clicks (or Enter, Space) build the form
    body = "whatif-body"
    submit = "whatif-submit"
    reset = "whatif-reset"
    message = "whatif-message"
    status = "whatif-status"
    result = "whatif-result"
    before = "whatif-before"
    after = "whatif-after"
    changes = "whatif-changes"
    waterfall = "whatif-waterfall"

    @staticmethod
    def field(name: str) -> dict:
        return field_id("whatif", name)


# --------------------------------------------------------------------------- form field ids


def text_box(name: str) -> bool:
    """Whether a form asks ``name`` in a text box read as a number (else a select: a level, yes or no)."""
    record = registry.FIELDS[name]
    return not (record.categorical or record.kind == "flag")


def field_id(form: str, name: str) -> dict:
    """A form field's pattern-matching id: {"type": "whatif-field", "field": "AMT_CREDIT", "input": "number"}.

    Callbacks reach every field of a form with one pattern (``field_pattern``) instead of one id per field; "input"
    tells text boxes (Enter submits) from selects. Its help and error are ``layouts.dom.companion_id``s of it, and
    labels and scripts refer to it by ``layouts.dom.dom_id``."""
    return {"type": f"{form}-field", "field": name, "input": "number" if text_box(name) else "choice"}


def field_pattern(form: str, part: str | None = None, *, numbers_only: bool = False) -> dict:
    """The pattern of every field of ``form`` (or of their help or error, ``part``); ``numbers_only``: text boxes."""
    pattern = {"type": f"{form}-field", "field": ALL, "input": "number" if numbers_only else ALL}
    return companion_id(pattern, part) if part else pattern


def field_of(component_id) -> str | None:
    """The field a form control's id names (None for any other id, a button's)."""
    if isinstance(component_id, Mapping) and str(component_id.get("type", "")).endswith("-field"):
        return component_id.get("field")
    return None


# --------------------------------------------------------------------------- values in a form


def label_of(name: str, lang: str) -> str:
    """A form label; a Kaggle DAYS_* column is asked in years, under the label of its years feature."""
    tr = language(lang)
    twin = years_twin(name) if registry.FIELDS[name].kind == "days" else None
    return tr.field(twin.name if twin is not None else name)


def _says_years(name: str) -> bool:
    """Whether the label a DAYS_* column is asked under already names years ("Years in current job")."""
    twin = years_twin(name)
    return twin is not None and isinstance(twin.label, str) and "year" in twin.label.lower()


def decimal_mark(lang: str) -> str:
    """The decimal mark of the UI language ("," in French): how a typed number is read."""
    return language(lang).locale.number_symbols["latn"]["decimal"]


def read_number(value, lang: str) -> float | None:
    """A number typed in a form field, read with the UI language's decimal mark (None: not a number)."""
    return parse_number(value, decimal_mark(lang))


def input_text(name: str, value, lang: str) -> str | None:
    """A form value (``scoring.form_units.to_form``'s number) as the text box shows it, in the language's format
    ("1,5", "450 000")."""
    if value is None or isinstance(value, str):
        return value
    record = registry.FIELDS[name]
    number = float(value)
    if record.kind == "money":
        decimals = 0 if number.is_integer() else 2
    else:
        decimals = next((d for d in range(5) if round(number, d) == round(number, 4)), 4)
    return language(lang).number(number, decimals)


@dataclass(frozen=True)
class NotANumber:
    """Text that is not a number in the UI language ("1,5" in English): validation refuses it as typed, and no
    other reading of the text (the command line's) can turn it into a number."""

    text: str

    def __str__(self) -> str:
        return self.text


def raw_value(name: str, value, lang: str):
    """A form value as the raw column reads it: a number read in the UI language (years back to negative days).

    Text that is not a number comes back as ``NotANumber``, so that validation names the field and says why."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not text_box(name):
        return value
    number = read_number(value, lang)
    if number is None:
        return NotANumber(str(value))
    return to_raw(name, number)


def bounds_text(name: str, low: float, high: float, lang: str) -> tuple[str, str]:
    """A range in the unit the form uses."""
    tr = language(lang)
    kind = registry.FIELDS[name].kind
    low, high = range_in_form(name, low, high)
    if kind == "days":
        return tr.number(low, 0), tr.number(high, 0)
    if kind == "money":
        return money(low, lang), money(high, lang)
    return tr.number(float(low), 0 if float(low).is_integer() else 2), tr.number(
        float(high), 0 if float(high).is_integer() else 2
    )


def problem_text(problem: Problem, lang: str) -> str:
    """What is wrong with one field and what to do, in the UI language (WCAG 3.3.1, 3.3.3)."""
    tr = language(lang)
    name, p = problem.field, problem.params
    label = label_of(name, lang) if name in registry.FIELDS else name
    if problem.code == "not_a_number":
        text = tr._("enter a number, for example {example}.", example=tr.number(1500.5, 1))
    elif problem.code == "not_whole":
        text = tr._("enter a whole number.")
    elif problem.code == "out_of_range":
        low, high = bounds_text(name, float(p["low"]), float(p["high"]), lang)
        text = tr._("enter a value from {low} to {high}.", low=low, high=high)
    elif problem.code == "unknown_level":
        text = tr._("choose one of the listed options.")
    elif problem.code == "required":
        text = tr._("this value is required.")
    elif problem.code == "no_duration":
        text = tr._("a revolving credit has no fixed duration: leave the duration empty.")
    elif problem.code == "instalment_out_of_range":
        text = tr._(
            "with these terms the monthly instalment would be {value}, outside the plausible range ({low} to {high}): "
            "change the amount or the duration.",
            value=money(float(p["value"]), lang),
            low=money(float(p["low"]), lang),
            high=money(float(p["high"]), lang),
        )
    elif problem.code == "household":
        text = tr._(
            "the household counts the client and the {children} children: enter at least {minimum}.",
            children=p["children"],
            minimum=tr.number(float(p["children"]) + 1),
        )
    elif problem.code == "annuity_too_low":
        text = tr._("this instalment would never repay the credit: shorten the duration.")
    else:
        text = tr._("this value cannot be used here.")
    return tr._("{label}: {problem}", label=label, problem=text)


def field_errors(invalid: InvalidChanges, fields, lang: str) -> tuple[dict[str, str], list[str]]:
    """Each refused value worded for the form: {field: text} for the ``fields`` the form shows (said beside them),
    and the texts of the others (a computed instalment, a field the form does not have), said in its message."""
    beside, elsewhere = {}, []
    for name, problem in invalid.by_field().items():
        if name in fields:
            beside[name] = problem_text(problem, lang)
        else:
            elsewhere.append(problem_text(problem, lang))
    return beside, elsewhere


def normalised_texts(typed: dict, names, problems, lang: str) -> dict[str, str]:
    """Each number typed in the ``names`` fields shown back in the language's format ("1.5" -> "1,5" in French); a
    field with a problem, or holding no number, keeps exactly what was typed (absent from the result)."""
    out = {}
    for name in names:
        number = None if name in problems else read_number(typed.get(name), lang)
        if number is not None:
            out[name] = input_text(name, number, lang)
    return out


def months_text(months: float | None, lang: str) -> str:
    tr = language(lang)
    if months is None or (isinstance(months, float) and math.isnan(months)):
        return tr._("no fixed duration")
    n = int(round(months))
    return tr.ngettext("{n} month", "{n} months", n)


NOT_PROVIDED = " "  # a select's "not provided" option (see field_control): blank, unlike dbc.Select's placeholder


def field_control(
    control_id: str | dict,
    name: str,
    lang: str,
    *,
    help_text: str,
    value=None,
    required: bool = False,
) -> html.Div:
    """Label, input (a text box read as a number, or a select, by the registry's kind), help linked to it, error
    linked when shown."""
    tr = language(lang)
    record = registry.FIELDS[name]
    help_id, error_id = companion_id(control_id, "help"), companion_id(control_id, "error")
    if not text_box(name):
        levels = (
            [(level, tr.category(name, level)) for level in record.categories]
            if record.categorical
            else [("1", tr._("Yes")), ("0", tr._("No"))]
        )
        # An optional field can be "not provided"; a required one without a value asks to choose (never shows a
        # level the value does not hold). dbc.Select always draws a hidden, disabled first option with the empty
        # value (its placeholder) and selects it for None or "": an option of ours with the empty value was put
        # back on that hidden one at every arrow key, so the arrows never left it. The prompt is the placeholder,
        # and "not provided" an option whose value is NOT_PROVIDED (blank: read as empty by every form reader).
        prompt = tr._("Choose…") if required else tr._("Not provided")
        first = [] if required else [{"label": prompt, "value": NOT_PROVIDED}]
        options = first + [
            {"label": text, "value": level} for level, text in levels
        ]
        control = dbc.Select(id=control_id, options=options, placeholder=prompt, value=value if value is not None else "")
    else:
        # A text box read by the app, not <input type=number>: the browser's own parsing follows its locale
        # (en-US turns "1,5" into 15) and silently drops letters, where the app says what is wrong.
        control = dbc.Input(
            id=control_id,
            type="text",
            inputmode="decimal",
            autocomplete="off",
            value=input_text(name, value, lang),
            debounce=True,
            required=required,
        )
    label = label_of(name, lang)
    if record.kind == "days" and not _says_years(name):
        label = tr._("{label} (years)", label=label)
    elif record.kind == "money":
        label = tr._("{label} ({unit})", label=label, unit=money_unit(lang))
    return html.Div(
        className="control",
        children=[
            dbc.Label(label, html_for=dom_id(control_id)),
            control,
            html.Small(help_text, id=help_id, className="form-text", **{"data-describes": dom_id(control_id)}),
            html.P(id=error_id, className="form-error", role="alert", **{"data-error-for": dom_id(control_id)}),
        ],
    )


# --------------------------------------------------------------------------- result


def decision_words(explanation: ClientExplanation, lang: str) -> str:
    tr = language(lang)
    words = tr._("credit refused") if explanation.decision == REFUSED else tr._("credit granted")
    if explanation.in_grey_zone:
        words = tr._("{decision}, close to the threshold: an advisor reviews the file", decision=words)
    return words


def difference_sentence(outcome: Outcome, lang: str) -> str:
    """ "The probability goes from 14.2 % to 9.1 %: credit granted." and whether the decision changed."""
    tr = language(lang)
    before, after = outcome.before, outcome.after
    if not outcome.changed:
        return tr._(
            "Nothing changed: the values are the client's own. Probability of default {proba}: {decision}.",
            proba=tr.percent(after.probability, 1),
            decision=decision_words(after, lang),
        )
    sentence = tr._(
        "The probability of default goes from {before} to {after}: {decision}.",
        before=tr.percent(before.probability, 1),
        after=tr.percent(after.probability, 1),
        decision=decision_words(after, lang),
    )
    if before.decision != after.decision:
        sentence += " " + tr._("The decision changes.")
    else:
        sentence += " " + tr._("The decision stays the same.")
    return sentence


def side(explanation: ClientExplanation, terms: Terms, title: str, lang: str, max_rate: float = MAX_EFFORT_RATE) -> list:
    """One column of the comparison: decision in words and symbol, probability, terms and effort rate."""
    tr = language(lang)
    return [
        html.H4(title),
        html.P(
            marked(explanation.decision, lang),
            className=f"decision decision-{explanation.decision}",
        ),
        html.P(tr._("Probability of default: {proba}", proba=tr.percent(explanation.probability, 1))),
        html.P(tr._("Close to the threshold: reviewed by an advisor."), className="grey-zone")
        if explanation.in_grey_zone
        else None,
        html.Dl(className="client-facts", children=terms_items(terms, lang)),
        effort_warning(terms, lang, max_rate),
    ]


def effort_warning(terms: Terms, lang: str, max_rate: float) -> html.P | None:
    """Says when the terms break the lender's maximum effort rate (None when they keep within it)."""
    rate = terms.effort_rate
    if rate is None or affordable(terms.annuity, terms.income, max_rate):
        return None
    tr = language(lang)
    return html.P(
        tr._(
            "Above the lender's limit: the monthly instalment would take {rate} of the monthly income "
            "(at most {limit}). The lender cannot offer these terms.",
            rate=tr.percent(rate, 0),
            limit=tr.percent(max_rate, 0),
        ),
        className="form-error effort-warning",
    )


def terms_items(terms: Terms, lang: str) -> list:
    tr = language(lang)
    items = [
        (tr.field("AMT_CREDIT"), value_text("AMT_CREDIT", terms.credit, lang)),
        (tr._("Monthly instalment"), value_text("AMT_ANNUITY", terms.annuity, lang)),
        (tr.field(DURATION), months_text(terms.months, lang)),
        (tr.field("ANNUITY_INCOME_RATIO"), value_text("ANNUITY_INCOME_RATIO", terms.effort_rate, lang)),
    ]
    if terms.contribution is not None:
        items.append((tr._("Personal contribution"), money(terms.contribution, lang)))
    return [part for label, text in items for part in (html.Dt(label), html.Dd(text))]


def change_items(outcome: Outcome, lang: str) -> list:
    tr = language(lang)
    out = []
    for name, change in outcome.changed.items():
        if name == DURATION:
            before, after = months_text(change["before"], lang), months_text(change["after"], lang)
        else:
            before, after = value_text(name, change["before"], lang), value_text(name, change["after"], lang)
        label = tr._("Monthly instalment") if name == "AMT_ANNUITY" else label_of(name, lang)
        out.append(html.Li(tr._("{label}: {before} → {after}", label=label, before=before, after=after)))
    return out


def result_parts(
    outcome: Outcome, category_levels: dict[str, list[str]], lang: str, max_rate: float = MAX_EFFORT_RATE
) -> dict:
    """Every output of the result, as data and components (the callback only wires them)."""
    tr = language(lang)
    items = factors(outcome.after, category_levels, lang)
    status = difference_sentence(outcome, lang)
    terms = outcome.terms_after
    if terms.effort_rate is not None and not affordable(terms.annuity, terms.income, max_rate):
        status += " " + tr._(
            "These terms break the lender's maximum effort rate ({limit} of the monthly income).",
            limit=tr.percent(max_rate, 0),
        )
    return {
        "before": side(outcome.before, outcome.terms_before, tr._("The client's application"), lang, max_rate),
        "after": side(outcome.after, terms, tr._("Simulated application"), lang, max_rate),
        "status": status,
        "changes": change_items(outcome, lang),
        "waterfall": waterfall(outcome.after, items, lang),
        "caption": waterfall_caption(outcome.after, items, lang),
        "table": waterfall_table(outcome.after, items, lang),
    }


def formula_text(lang: str) -> str:
    tr = language(lang)
    return tr._(
        "The amount, the duration and the monthly instalment stay consistent: instalment = amount × r / (1 − (1 + r)^−n) "
        "for n months at a fixed nominal rate of {rate} a year (r = {rate} / 12). Changing the amount keeps the duration "
        "(the instalment follows in proportion); changing the duration keeps the amount. A revolving credit has no fixed "
        "duration: its instalment follows the amount.",
        rate=tr.percent(ANNUAL_RATE, 0),
    )


FILLED = "whatif-body whatif-filled"  # the body's class once the form is in it


def form(lang: str) -> list:
    """The form, its messages and its result; the what-if callback fills it with the client's values."""
    tr = language(lang)
    return [
        html.Div(
            className="compare-controls",
            children=[
                html.Fieldset(
                    className="control-group",
                    children=[
                        html.Legend(tr._("Credit terms (what the advisor may propose)")),
                        *[
                            field_control(
                                ids.field(n),
                                n,
                                lang,
                                help_text=tr._("Choose a client first."),
                                required=n in ("AMT_CREDIT", "NAME_CONTRACT_TYPE"),
                            )
                            for n in TERM_FIELDS
                        ],
                    ],
                ),
                html.Fieldset(
                    className="control-group",
                    children=[
                        html.Legend(tr._("Corrections of declared data (not advice)")),
                        *[
                            field_control(ids.field(n), n, lang, help_text=tr._("Choose a client first."))
                            for n in DECLARED_FIELDS
                        ],
                    ],
                ),
            ],
        ),
        html.Div(
            className="input-row form-actions",
            children=[
                dbc.Button(tr._("Simulate"), id=ids.submit, color="primary", n_clicks=0),
                dbc.Button(tr._("Back to the client's values"), id=ids.reset, color="secondary", outline=True, n_clicks=0),
            ],
        ),
        html.P(id=ids.message, className="form-error", role="alert"),
        status_line(ids.status, tr._("Choose a client, change a value, then press Simulate.")),
        html.Div(
            id=ids.result,
            hidden=True,
            children=[
                html.H3(tr._("Result of the simulation")),
                html.Div(
                    className="whatif-sides",
                    children=[
                        html.Div(id=ids.before, className="whatif-side"),
                        html.Div(id=ids.after, className="whatif-side"),
                    ],
                ),
                html.H3(tr._("What changed")),
                html.Ul(id=ids.changes),
                chart_figure(ids.waterfall, tr._("Contributions to the simulated score"), lang, [], hidden=True),
            ],
        ),
    ]


def layout(lang: str, *, with_form: bool = False) -> html.Section:
    """The section; its form only with ``with_form`` (the layout Dash validates callbacks against)."""
    tr = language(lang)
    return html.Section(
        id=ids.section,
        **{"aria-labelledby": ids.heading},
        className="view",
        children=[
            html.H2(tr._("What if the terms changed?"), id=ids.heading, disable_n_clicks=True),
            html.P(
                tr._(
                    "Try other credit terms with the client, or correct what they declared: the model scores the "
                    "application again. Nothing is saved."
                ),
                className="lead-text",
            ),
            html.P(formula_text(lang), className="small-print"),
            html.Details(
                id=ids.disclosure,
                className="section-disclosure",
                children=[
                    html.Summary(tr._("Change the terms or the declared data"), id=ids.open),
                    html.Div(
                        id=ids.body,
                        className=FILLED if with_form else "whatif-body",
                        children=form(lang) if with_form else [],
                    ),
                ],
            ),
        ],
    )
