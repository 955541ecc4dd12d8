"""Thin callback wiring, one module per view; each module's callbacks are plain functions of (services, inputs)."""

from callbacks import (
    advice,
    application,
    client_card,
    comparison,
    curve,
    explanation,
    review,
    save_client,
    selection,
    summary,
    whatif,
)


def register_all(app, services) -> None:
    for module in (
        selection,
        summary,
        review,
        explanation,
        client_card,
        comparison,
        whatif,
        curve,
        advice,
        application,
        save_client,
    ):
        module.register(app, services)
