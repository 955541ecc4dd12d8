"""What a manager reads (pure functions): label budget, euro costs per million descriptions, and the
recommendation drawn from the measured results by a stated rule.

Prices and rates are assumptions written in `Assumptions` and copied into results.json, so the note
states them next to every euro figure.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

# Heroku list prices (USD per month, billed per second, capped at the monthly price) and RAM.
HEROKU_DYNOS = (
    ("Basic", 512, 7.0),
    ("Standard-1X", 512, 25.0),
    ("Standard-2X", 1024, 50.0),
    ("Performance-M", 2560, 250.0),
    ("Performance-L", 14336, 500.0),
)
HOURS_PER_MONTH = 730.0


@dataclass(frozen=True)
class Assumptions:
    # An analyst reads a product description and picks its category: one a minute, loaded cost 40 EUR/h.
    labels_per_hour: float = 60.0
    analyst_eur_per_hour: float = 40.0
    usd_to_eur: float = 0.92
    # The 2-core machine of the measurements, rented as a small virtual server (2 vCPU, 4 GB).
    machine_eur_per_month: float = 10.0
    machine_ram_mb: int = 4096
    # The new category counts as recognised from this F1 on it (scenario test sets).
    target_new_class_f1: float = 0.8
    # "As good as": a macro-F1 difference inside +/- this margin, shown by two one-sided tests.
    equivalence_margin: float = 0.02
    # A technique counts as recent when released at most this many years before the run.
    max_age_years: int = 4
    dynos: tuple = field(default=HEROKU_DYNOS)

    def as_dict(self) -> dict:
        return asdict(self)


def smallest_dyno(peak_mb: float | None, dynos: tuple = HEROKU_DYNOS) -> tuple[str, int, float] | None:
    """The cheapest Heroku dyno whose RAM holds the measured peak (None: nothing big enough)."""
    if peak_mb is None:
        return None
    fitting = [d for d in dynos if d[1] >= peak_mb]
    return min(fitting, key=lambda d: d[2]) if fitting else None


def cost_per_million(seconds_per_1000: float | None, peak_mb: float | None, a: Assumptions) -> dict | None:
    """Hours and euros to classify a million descriptions, on the cheapest dyno that fits and on the machine.

    The dyno is assumed to run at the speed measured on the 2-core machine (not measured on a dyno).
    """
    if seconds_per_1000 is None:
        return None
    hours = seconds_per_1000 * 1000 / 3600
    dyno = smallest_dyno(peak_mb, a.dynos)
    dyno_eur = None if dyno is None else hours * dyno[2] * a.usd_to_eur / HOURS_PER_MONTH
    fits_machine = peak_mb is None or peak_mb <= a.machine_ram_mb
    return {
        "hours": round(hours, 2),
        "dyno": None if dyno is None else dyno[0],
        "dyno_ram_mb": None if dyno is None else dyno[1],
        "dyno_eur": None if dyno_eur is None else round(dyno_eur, 4),
        "machine_eur": round(hours * a.machine_eur_per_month / HOURS_PER_MONTH, 4) if fits_machine else None,
        "fits_web_dyno": peak_mb is not None and peak_mb <= 512,
    }


def labels_to_target(scenario: dict, target: float) -> int | None:
    """Smallest k whose mean F1 on the new category reaches the target (None: not within the sizes run)."""
    for k in sorted(scenario, key=int):
        if scenario[k]["new_class_f1_mean"] >= target:
            return int(k)
    return None


def label_budget(scenarios: dict[str, dict], a: Assumptions) -> dict:
    """Per method: annotator-hours and euros per k, and the labels it needs to reach the target F1."""
    out = {}
    for method, scenario in scenarios.items():
        k_target = labels_to_target(scenario, a.target_new_class_f1)
        out[method] = {
            "points": [
                {
                    "k": int(k),
                    "hours": round(int(k) / a.labels_per_hour, 3),
                    "eur": round(int(k) / a.labels_per_hour * a.analyst_eur_per_hour, 2),
                    "macro_f1": v["macro_f1_mean"],
                    "new_class_f1": v["new_class_f1_mean"],
                }
                for k, v in sorted(scenario.items(), key=lambda kv: int(kv[0]))
            ],
            "labels_to_target": k_target,
            "hours_to_target": None if k_target is None else round(k_target / a.labels_per_hour, 3),
            "eur_to_target": None if k_target is None else round(k_target / a.labels_per_hour * a.analyst_eur_per_hour, 2),
        }
    return out


def _few_label_score(scenario: dict, max_k: int) -> float:
    """Mean new-category F1 over the sizes up to max_k (the few-label regime the advice is about)."""
    values = [v["new_class_f1_mean"] for k, v in scenario.items() if int(k) <= max_k]
    return float(sum(values) / len(values)) if values else -math.inf


def recommend(
    candidates: dict[str, dict], scenarios: dict[str, dict], classic: str, run_year: int, a: Assumptions, few_k: int = 16
) -> dict | None:
    """The recent technique (released at most `max_age_years` before the run) with the best F1 on the new
    category over the few-label sizes (k <= few_k); conditions compare it with the best classic method.

    `candidates` maps method -> {"year", "model", "label", ...}; methods without a scenario are ignored.
    """
    recent = {
        m: c for m, c in candidates.items() if c.get("year") and run_year - c["year"] <= a.max_age_years and m in scenarios
    }
    if not recent:
        return None
    best = max(sorted(recent), key=lambda m: _few_label_score(scenarios[m], few_k))
    mine, theirs = scenarios[best], scenarios.get(classic, {})
    ahead_at = [int(k) for k in mine if k in theirs and mine[k]["new_class_f1_mean"] > theirs[k]["new_class_f1_mean"]]
    k_mine = labels_to_target(mine, a.target_new_class_f1)
    k_theirs = labels_to_target(theirs, a.target_new_class_f1) if theirs else None
    return {
        "method": best,
        "model": recent[best].get("model"),
        "label": recent[best].get("label"),
        "release_year": recent[best]["year"],
        "run_year": run_year,
        "rule": f"released at most {a.max_age_years} years before the run; "
        f"best mean F1 on the new category for k <= {few_k}",
        "few_label_max_k": few_k,
        "few_label_new_class_f1": round(_few_label_score(mine, few_k), 4),
        "classic": classic,
        "classic_few_label_new_class_f1": round(_few_label_score(theirs, few_k), 4) if theirs else None,
        "ahead_of_classic_at": sorted(ahead_at),
        "labels_to_target": k_mine,
        "classic_labels_to_target": k_theirs,
        "reason": (
            f"{recent[best].get('label')} ({recent[best]['year']}) recognises a new category best with few labels "
            f"(mean F1 on it {_few_label_score(mine, few_k):.3f} for k <= {few_k})"
        ),
    }
