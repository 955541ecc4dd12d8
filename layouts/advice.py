"""Advice view: for a refused or grey-zone client, the smallest changes of the credit terms that get it granted.

Each option is a sentence an advisor can read out ("Granted with a credit of 320,000 € instead of
406,598 € (−21 %)..."); the options were each checked by the model. When none works within plausible bounds,
the view says so plainly.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts.formatting import money
from layouts.i18n import language
from layouts.status import status_line
from layouts.whatif import months_text
from scoring.advice import MIN_AMOUNT_SHARE, Advice, Option


class ids:  # noqa: N801
    section = "advice"
    heading = "advice-heading"
    submit = "advice-submit"
    status = "advice-status"
    options = "advice-options"
    letter_block = "letter-block"
    letter = "letter-link"
    letter_pdf = "letter-pdf-link"


def signed_percent(change: float, lang: str) -> str:
    tr = language(lang)
    sign = "+" if change >= 0 else "\u2212"
    return sign + tr.percent(abs(change), 0 if abs(change) >= 0.01 else 1)  # never "−0 %"


def outcome_words(option: Option, lang: str) -> str:
    tr = language(lang)
    if option.in_grey_zone:
        return tr._("Granted after review by an advisor")
    return tr._("Granted")


def option_terms(option: Option, lang: str, with_effort: bool = True) -> str:
    """The change in words, without any score: shared with the letter to the client (which prints no rate, only
    amounts: ``with_effort=False``)."""
    tr = language(lang)
    amount = tr._(
        "a credit of {amount} instead of {before} ({change})",
        amount=money(option.credit, lang),
        before=money(option.credit_before, lang),
        change=signed_percent(option.amount_change, lang),
    )
    duration = tr._(
        "over {months} instead of {before}",
        months=months_text(option.months, lang),
        before=months_text(option.months_before, lang),
    )
    instalment = tr._("monthly instalment {value}", value=money(option.annuity, lang)) if option.annuity else ""
    if instalment and with_effort and option.effort_rate is not None:
        instalment = tr._(
            "{instalment} ({rate} of the monthly income)", instalment=instalment, rate=tr.percent(option.effort_rate, 0)
        )
    if option.kind == "amount":
        text = tr._("{amount}, same duration", amount=amount)
    elif option.kind == "duration":
        text = tr._("{duration}, same amount", duration=duration)
    else:
        text = tr._("{amount} {duration}", amount=amount, duration=duration)
    return tr._("{terms}: {instalment}", terms=text, instalment=instalment) if instalment else text


def option_sentence(option: Option, lang: str) -> str:
    tr = language(lang)
    values = {
        "outcome": outcome_words(option, lang),
        "terms": option_terms(option, lang),
        "proba": tr.percent(option.probability, 1),
    }
    if option.kind == "duration":  # "Granted over 48 months instead of 36, ..."
        return tr._("{outcome} {terms}; probability of default {proba}.", **values)
    return tr._("{outcome} with {terms}; probability of default {proba}.", **values)


def no_option_text(advice: Advice, lang: str) -> str:
    tr = language(lang)
    if advice.reason == "granted":
        return tr._("This credit is granted without review: no change is needed.")
    return tr._(
        "No change of the amount (down to {share} of the request) or of the duration (up to {months}) with a monthly "
        "instalment of at most {rate} of the monthly income gets this application granted. Say so plainly to the "
        "client: an advisor can still review the file.",
        share=tr.percent(MIN_AMOUNT_SHARE, 0),
        months=months_text(advice.max_months, lang),
        rate=tr.percent(advice.max_effort_rate, 0),
    )


def unaffordable_text(advice: Advice, lang: str) -> str:
    """The requested terms break the lender's maximum effort rate ("" when they do not, or cannot be told)."""
    tr = language(lang)
    if advice.affordable is not False or advice.effort_rate is None:
        return ""
    return tr._(
        "The requested monthly instalment is {rate} of the monthly income, above the lender's limit of {limit}.",
        rate=tr.percent(advice.effort_rate, 0),
        limit=tr.percent(advice.max_effort_rate, 0),
    )


def advice_status(advice: Advice, lang: str) -> str:
    warning = unaffordable_text(advice, lang)
    text = _options_status(advice, lang)
    return f"{warning} {text}" if warning else text


def _options_status(advice: Advice, lang: str) -> str:
    tr = language(lang)
    if not advice.options:
        return no_option_text(advice, lang)
    goal = (
        tr._("get the application granted without review")
        if advice.decision != "refused"
        else tr._("get the application granted")
    )
    return tr.ngettext(
        "{n} change of the credit terms would {goal}, each checked by the model:",
        "{n} changes of the credit terms would {goal}, each checked by the model:",
        len(advice.options),
        goal=goal,
    )


def option_items(advice: Advice, lang: str) -> list:
    return [html.Li(option_sentence(o, lang)) for o in advice.options]


def layout(lang: str) -> html.Section:
    tr = language(lang)
    return html.Section(
        id=ids.section,
        **{"aria-labelledby": ids.heading},
        className="view",
        children=[
            html.H2(tr._("What could get the credit granted?"), id=ids.heading, disable_n_clicks=True),
            html.P(
                tr._(
                    "For a refused or grey-zone client: the smallest changes of the amount or the duration alone that "
                    "the model grants, each with a monthly instalment within the lender's maximum effort rate. Age, "
                    "external scores, region and declared data are never changed."
                ),
                className="lead-text",
            ),
            dbc.Button(tr._("Search for options"), id=ids.submit, color="primary", n_clicks=0),
            status_line(ids.status, tr._("Choose a client first.")),
            html.Ol(id=ids.options, className="advice-options"),
            # Shown once a client is chosen: without one the links would lead to an error page.
            html.Div(
                id=ids.letter_block,
                hidden=True,
                children=[
                    html.H3(tr._("Letter for the client")),
                    html.P(
                        [
                            tr._(
                                "The decision, its reasons in everyday words, what could change it and the client's rights: "
                            ),
                            html.A(tr._("letter (web page, printable)"), id=ids.letter, href="/lettre"),
                            " · ",
                            html.A(tr._("letter (PDF)"), id=ids.letter_pdf, href="/lettre.pdf"),
                        ]
                    ),
                ],
            ),
        ],
    )
