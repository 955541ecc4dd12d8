"""Thin callback wiring, one module per view."""

from callbacks import client_card, comparison, explanation, score, selection


def register_all(app, services) -> None:
    for module in (selection, score, explanation, client_card, comparison):
        module.register(app, services)
