"""Thin callback wiring, one module per view; each module's callbacks are plain functions of (services, inputs)."""

from callbacks import advice, application, client_card, comparison, explanation, selection, summary, whatif


def register_all(app, services) -> None:
    for module in (selection, summary, explanation, client_card, comparison, whatif, advice, application):
        module.register(app, services)
