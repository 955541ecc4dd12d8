"""Thin callback wiring, one module per view; each module's callbacks are plain functions of (services, inputs)."""

from callbacks import (
    advice,
    application,
    client_card,
    comparison,
    curve,
    explanation,
    review,
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
    ):
        module.register(app, services)
