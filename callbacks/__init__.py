"""Thin callback wiring, one module per view; each module's callbacks are plain functions of (services, inputs)."""

from callbacks import client_card, comparison, explanation, model, review, selection, summary


def register_all(app, services) -> None:
    for module in (selection, summary, review, explanation, client_card, comparison, model):
        module.register(app, services)
