"""Page shell: skip link, header with language switch, banner, navigation, main landmark, footer."""

from __future__ import annotations

from dash import dcc, html

from layouts.formatting import percent
from layouts.i18n import t


def page(lang: str, *, synthetic: bool, development: bool, threshold: float, cost_ratio: float, views: list) -> html.Div:
    other = "en" if lang == "fr" else "fr"
    banners = [
        html.P(
            t("banner.synthetic" if synthetic else "banner.real", lang),
            className="banner banner-synthetic" if synthetic else "banner",
        )
    ]
    if development:
        banners.append(html.P(t("banner.dev", lang), className="banner banner-dev"))
    sections = [
        ("select", "nav.select"),
        ("score", "nav.score"),
        ("why", "nav.why"),
        ("card", "nav.card"),
        ("compare", "nav.compare"),
    ]
    return html.Div(
        className="page",
        children=[
            dcc.Location(id="url", refresh=False),
            dcc.Store(id="client-id"),
            dcc.Store(id="lang", data=lang),
            html.A(t("skip.main", lang), href="#main", className="skip-link"),
            html.Header(
                className="site-header",
                children=[
                    html.Div(
                        className="header-row",
                        children=[
                            html.Div(
                                [
                                    html.H1(t("app.heading", lang)),
                                    html.P(t("app.subtitle", lang), className="subtitle"),
                                ]
                            ),
                            html.Div(
                                className="header-actions",
                                children=[
                                    html.A(
                                        t("lang.switch", lang),
                                        href=f"/lang/{other}",
                                        lang=other,
                                        hrefLang=other,
                                        className="lang-switch",
                                        title=t("lang.switch_hint", lang),
                                    ),
                                    # Production has advisor sessions: a way out on every page.
                                    *(
                                        []
                                        if development
                                        else [html.A(t("nav.logout", lang), href="/logout", className="lang-switch")]
                                    ),
                                ],
                            ),
                        ],
                    ),
                    *banners,
                    html.Nav(
                        **{"aria-label": t("nav.label", lang)},
                        className="site-nav",
                        children=html.Ul(
                            [
                                *[html.Li(html.A(t(key, lang), href=f"#{anchor}")) for anchor, key in sections],
                                html.Li(
                                    html.A(
                                        t("nav.statement", lang),
                                        href=t("path.statement", lang),
                                    )
                                ),
                            ]
                        ),
                    ),
                ],
            ),
            html.Main(id="main", tabIndex="-1", className="site-main", children=views),
            html.Footer(
                className="site-footer",
                children=[
                    html.P(t("footer.model", lang, threshold=percent(threshold, 1, lang), ratio=f"{cost_ratio:g}")),
                    html.P(html.A(t("statement.link", lang), href=t("path.statement", lang))),
                ],
            ),
        ],
    )
