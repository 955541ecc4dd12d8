"""The decision rule, written once: refused at or above the threshold; the grey zone goes to an advisor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from scoring.calibration import Platt

GRANTED, REFUSED = "granted", "refused"


class Verdict(NamedTuple):
    """What the model's rule says of one probability."""

    decision: str  # GRANTED or REFUSED
    grey: bool  # in the grey zone: an advisor reviews it

    @property
    def needs_advice(self) -> bool:
        """Refused, or close enough to be: the client is offered changes that would be granted."""
        return self.decision == REFUSED or self.grey


@dataclass(frozen=True)
class Decision:
    threshold: float
    cost_fn: float
    cost_fp: float
    platt: Platt
    base_value: float  # calibrated log-odds of the average client
    grey_zone: tuple[float, float]  # probabilities sent to human review

    def refuses(self, probability):
        """At or above the threshold (a float or an array of them)."""
        return probability >= self.threshold

    def in_grey_zone(self, probability):
        """Within [low, high) of the grey zone (a float or an array of them)."""
        low, high = self.grey_zone
        return (low <= probability) & (probability < high)

    def verdict(self, probability: float) -> Verdict:
        return Verdict(REFUSED if self.refuses(probability) else GRANTED, bool(self.in_grey_zone(probability)))

    def decisions(self, probability: np.ndarray) -> np.ndarray:
        """GRANTED / REFUSED per probability (object array, for tables)."""
        return np.where(self.refuses(probability), REFUSED, GRANTED).astype(object)
