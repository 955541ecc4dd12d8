"""Page shell: skip link, header with language switch, banners, navigation, main landmark, footer."""

from __future__ import annotations

from dash import dcc, html

from layouts.i18n import language, other_language


class ids:  # noqa: N801
    url = "url"
    client = "client-id"
    lang = "lang"
    main = "main"


def statement_path(lang: str) -> str:
    return "/accessibilite" if lang == "fr" else "/accessibility"


def model_path(lang: str) -> str:
    """The model page (its own address per language, like the accessibility statement)."""
    return "/modele" if lang == "fr" else "/model"


def nav_links(lang: str) -> list[tuple[str, str]]:
    """(anchor, text) of the dashboard's sections, in page order."""
    tr = language(lang)
    return [
        ("#select", tr._("Client selection")),
        ("#summary", tr._("Summary")),
        ("#review", tr._("Advisor review")),
        ("#why", tr._("Why")),
        ("#card", tr._("Client card")),
        ("#compare", tr._("Comparison")),
        ("#whatif", tr._("What if")),
        ("#curve", tr._("Risk curves")),
        ("#advice", tr._("Advice")),
        ("#application", tr._("New application")),
    ]


def session_warning(lang: str, session_seconds: int) -> html.Div:
    """Shown by assets/a11y.js two minutes before an idle session ends, with a way to extend it (RGAA 13.1)."""
    tr = language(lang)
    return html.Div(
        id="session-warning",
        role="alertdialog",
        hidden=True,
        className="session-warning",
        **{"aria-labelledby": "session-warning-text", "data-seconds": str(session_seconds), "data-warn": "120"},
        children=[
            html.P(
                tr._("Your session ends in two minutes without activity. Stay signed in to keep working."),
                id="session-warning-text",
            ),
            html.Button(tr._("Stay signed in"), id="session-extend", type="button", className="btn btn-primary"),
        ],
    )


def _banner(lang: str, synthetic: bool, development: bool) -> html.P:
    """One banner, one line per notice: what the data is, and (in development) that nobody logs in."""
    tr = language(lang)
    notices = [
        tr._(
            "Synthetic demo data: these clients do not exist. Scores and explanations illustrate the tool, not a real credit policy."  # noqa: E501
        )
        if synthetic
        else tr._("Real client data: access is logged.")
    ]
    if development:
        notices.append(tr._("Development mode: no login."))
    return html.P(
        [part for i, text in enumerate(notices) for part in ([html.Br()] if i else []) + [text]],
        className="banner banner-synthetic" if synthetic else "banner",
    )


def _header_actions(lang: str, development: bool) -> html.Div:
    tr = language(lang)
    other = other_language(lang)
    return html.Div(
        className="header-actions",
        children=[
            # The link is in the language it leads to, and says so (WCAG 3.1.2).
            html.A(
                language(other).locale.get_display_name(other).capitalize(),
                href=f"/lang/{other}",
                lang=other,
                hrefLang=other,
                className="lang-switch",
            ),
            *([] if development else [html.A(tr._("Log out"), href="/logout", className="lang-switch")]),
        ],
    )


def _site_header(lang: str, synthetic: bool, development: bool) -> html.Header:
    tr = language(lang)
    return html.Header(
        className="site-header",
        children=[
            html.Div(
                className="header-row",
                children=[
                    html.Div(
                        className="title-block",
                        children=[
                            html.H1(tr._("Credit dashboard")),
                            html.P(tr._("Helping advisors explain credit decisions"), className="subtitle"),
                        ],
                    ),
                    # The first Tab stop, though not the first thing in the page: Orca's reading position
                    # starts on the first element once Dash has drawn the page, and Orca says nothing
                    # when Tab then focuses the element it is already on (heard, issue 22). With a client
                    # shown, it leads to the decision (assets/a11y.js).
                    html.A(tr._("Skip to main content"), href="#main", className="skip-link"),
                    _header_actions(lang, development),
                ],
            ),
            _banner(lang, synthetic, development),
            html.Nav(
                **{"aria-label": tr._("Dashboard sections")},
                className="site-nav",
                children=html.Ul(
                    [
                        *[html.Li(html.A(text, href=href)) for href, text in nav_links(lang)],
                        html.Li(html.A(tr._("The model"), href=model_path(lang))),
                        html.Li(html.A(tr._("Accessibility"), href=statement_path(lang))),
                    ]
                ),
            ),
        ],
    )


def _site_footer(lang: str, threshold: float, cost_ratio: float) -> html.Footer:
    tr = language(lang)
    return html.Footer(
        className="site-footer",
        children=[
            html.P(
                tr._(
                    "Scoring model, business threshold {threshold} (cost of a default = {ratio} × cost of a refusal).",
                    threshold=tr.percent(threshold, 1),
                    ratio=tr.number(cost_ratio, 0 if float(cost_ratio).is_integer() else 1),
                )
            ),
            html.P(html.A(tr._("Accessibility statement"), href=statement_path(lang))),
        ],
    )


def layout(
    lang: str,
    *,
    synthetic: bool,
    development: bool,
    threshold: float,
    cost_ratio: float,
    views: list,
    session_seconds: int = 0,
) -> html.Div:
    return html.Div(
        className="page",
        children=[
            dcc.Location(id=ids.url, refresh=False),
            dcc.Store(id=ids.client),
            dcc.Store(id=ids.lang, data=lang),
            *([] if development else [session_warning(lang, session_seconds)]),
            _site_header(lang, synthetic, development),
            html.Main(id=ids.main, tabIndex="-1", className="site-main", children=views),
            _site_footer(lang, threshold, cost_ratio),
        ],
    )
