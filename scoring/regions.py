"""Regions as an advisor chooses them: a list built from the portfolio's own region statistics (pure).

The Home Credit data names no region: each client carries the relative population of their region
(``REGION_POPULATION_RELATIVE``, one value per region) and the lender's rating of region and city
(``REGION_RATING_CLIENT_W_CITY``, 1 to 3). A new client's advisor picks the client's region from a list and both
statistics follow from it, instead of typing a normalised number. Regions are numbered from the least to the most
populated. When the portfolio has too many distinct population values to be regions (the synthetic generator
draws them from a continuous marginal), clients are grouped into ``MAX_REGIONS`` bands of equal size instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POPULATION, RATING = "REGION_POPULATION_RELATIVE", "REGION_RATING_CLIENT_W_CITY"
MAX_REGIONS = 100


@dataclass(frozen=True)
class Region:
    number: int  # 1 = least populated
    population: float  # REGION_POPULATION_RELATIVE
    rating: int  # the most frequent REGION_RATING_CLIENT_W_CITY of its clients
    share: float  # share of the portfolio's clients living there

    @property
    def values(self) -> dict[str, float]:
        """The raw columns the model reads, as this region gives them."""
        return {POPULATION: self.population, RATING: float(self.rating)}


def regions(population: np.ndarray, rating: np.ndarray) -> tuple[Region, ...]:
    """The regions of a portfolio from its two region columns (rows with either missing are left out)."""
    population, rating = np.asarray(population, dtype=float), np.asarray(rating, dtype=float)
    known = np.isfinite(population) & np.isfinite(rating)
    population, rating = population[known], rating[known]
    if not len(population):
        return ()
    distinct, groups = np.unique(population, return_inverse=True)
    if len(distinct) > MAX_REGIONS:  # continuous values: bands of equal size, each at its median
        order = np.argsort(population, kind="stable")
        groups = np.empty(len(population), dtype=int)
        groups[order] = np.arange(len(population)) * MAX_REGIONS // len(population)
        distinct = np.array([float(np.median(population[groups == g])) for g in range(MAX_REGIONS)])
    out = []
    for g, value in enumerate(distinct):
        members = rating[groups == g]
        levels, counts = np.unique(members, return_counts=True)
        out.append(Region(g + 1, float(value), int(levels[np.argmax(counts)]), len(members) / len(population)))
    return tuple(out)


def region_of(choices: tuple[Region, ...], number: object) -> Region | None:
    """The region chosen in a form (its number, as text or int); None when none or unknown."""
    try:
        wanted = int(str(number))
    except (TypeError, ValueError):
        return None
    return next((r for r in choices if r.number == wanted), None)
