"""Score view wiring: one client -> probability, decision, gauge, status announcement."""

from __future__ import annotations

from dash import Input, Output, State, html, no_update

from callbacks.common import guarded, viewed_client
from layouts.i18n import t
from layouts.score import decision_texts, gauge_figure, gauge_table


def register(app, services) -> None:
    portfolio = services.portfolio
    grey_zone = services.artifacts.decision.grey_zone

    def compute(client_id: int, lang: str):
        explanation = portfolio.explanation(client_id)
        texts = decision_texts(explanation, lang, grey_zone)
        decision = [
            html.Span(texts["symbol"], **{"aria-hidden": "true"}, className="decision-symbol"),
            " " + texts["decision"],
        ]
        return (
            "",
            texts["proba"],
            decision,
            f"decision decision-{explanation.decision}",
            texts["grey"],
            texts["distance"],
            gauge_figure(explanation.probability, explanation.threshold, grey_zone, lang),
            texts["aria"],
            texts["caption"],
            gauge_table(explanation, grey_zone, lang),
            texts["status"],
        )

    @app.callback(
        Output("score-placeholder", "children"),
        Output("score-proba", "children"),
        Output("score-decision", "children"),
        Output("score-decision", "className"),
        Output("score-grey", "children"),
        Output("score-distance", "children"),
        Output("gauge", "figure"),
        Output("gauge-img", "aria-label"),
        Output("gauge-caption", "children"),
        Output("gauge-table", "children"),
        Output("status", "children"),
        Input("client-id", "data"),
        State("lang", "data"),
    )
    @guarded(11, message_at=10)
    def show_score(client_id, lang):
        client_id = viewed_client(services, client_id, "score")
        if client_id is None:
            return (t("score.placeholder", lang), *[no_update] * 9, t("status.none", lang))
        return services.cached(f"score-{lang}", (client_id,), lambda: compute(int(client_id), lang))
