"""Thin callback wiring, one module per view; each module's callbacks are plain functions of (services, inputs)."""

from callbacks import client_card, comparison, explanation, selection, summary


def register_all(app, services) -> None:
    for module in (selection, summary, explanation, client_card, comparison):
        module.register(app, services)
