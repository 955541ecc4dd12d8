"""Client queries shared by the callbacks, the letter and the page layout (data, not markup), each computed
once per artifact version and code through the services' cache."""

from __future__ import annotations

import numpy as np

from app.services import Services
from layouts.application import form_columns
from scoring import fields as registry
from scoring.advice import Advice, advise
from scoring.regions import POPULATION, RATING, Region, regions

# The new-application form asks what the default model reads; an artifact trained without one of these
# columns ignores it.
APPLICATION_COLUMNS = form_columns(registry.sources_of([f.name for f in registry.model_features()]))


def client_advice(services: Services, client_id: int) -> Advice:
    """The advice for a portfolio client."""
    config = services.config  # the lender's rules shape the options: part of the key
    return services.cached(
        "advice",
        (client_id, config.max_effort_rate, tuple(sorted(config.product_bounds.items()))),
        lambda: advise(services.simulator, services.application(client_id)),
    )


def regions_of(services: Services) -> tuple[Region, ...]:
    """The portfolio's regions (the new-application form's choice list)."""

    def compute():
        portfolio = services.portfolio
        if not {POPULATION, RATING} <= set(portfolio.raw_columns):
            return ()
        return regions(np.asarray(portfolio.raw(POPULATION)), np.asarray(portfolio.raw(RATING)))

    return services.cached("application-regions", (), compute)
