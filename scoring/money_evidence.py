"""What period each Home Credit amount is per, computed from the data (README, "Money").

``python -m scoring.money_evidence DATA_DIR`` reads ``heads/previous_application.csv`` and an application sample
(``application_train_sample1000.csv``, or ``heads/application_train.csv``) and prints the evidence as JSON:

- previous_application: AMT_ANNUITY x CNT_PAYMENT / AMT_CREDIT. CNT_PAYMENT counts monthly instalments (12, 24,
  36...); a median a little above 1 (interest included) means AMT_ANNUITY is the *monthly* instalment. Were it
  yearly, the ratio would be about 12 times larger.
- application: AMT_ANNUITY / AMT_INCOME_TOTAL. With a monthly instalment, a median near 0.17 is a plausible
  effort rate only if the income is over the same month; read as yearly income it would mean a median client
  repays twice their monthly income every month.
- application: AMT_CREDIT / AMT_ANNUITY, the number of monthly instalments a loan would need without interest.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLES = ("application_train_sample1000.csv", "heads/application_train.csv")


def _median(values: pd.Series) -> float | None:
    values = values[np.isfinite(values)]
    return float(values.median()) if len(values) else None


def evidence(previous: pd.DataFrame, applications: pd.DataFrame) -> dict:
    """The ratios that fix each amount's period (pure; the frames need the Kaggle columns)."""
    ok = previous[(previous["CNT_PAYMENT"] > 0) & (previous["AMT_CREDIT"] > 0) & (previous["AMT_ANNUITY"] > 0)]
    repaid = ok["AMT_ANNUITY"] * ok["CNT_PAYMENT"] / ok["AMT_CREDIT"]
    apps = applications[(applications["AMT_INCOME_TOTAL"] > 0) & (applications["AMT_ANNUITY"] > 0)]
    effort = apps["AMT_ANNUITY"] / apps["AMT_INCOME_TOTAL"]
    return {
        "previous_loans": int(len(ok)),
        "instalment_counts": sorted(int(c) for c in ok["CNT_PAYMENT"].unique()),
        "repaid_over_credit_median": _median(repaid),
        "applications": int(len(apps)),
        "instalment_over_income_median": _median(effort),
        "instalment_over_income_max": float(effort.max()) if len(effort) else None,
        "credit_over_instalment_median": _median(apps["AMT_CREDIT"] / apps["AMT_ANNUITY"]),
        "income_median": _median(apps["AMT_INCOME_TOTAL"]),
        "credit_median": _median(apps["AMT_CREDIT"]),
    }


def conclusion(facts: dict) -> dict[str, str]:
    """The period each amount is per, read from ``evidence`` (raises ValueError when the data contradicts it)."""
    repaid, effort = facts["repaid_over_credit_median"], facts["instalment_over_income_median"]
    if repaid is None or not 1.0 <= repaid <= 2.0:
        raise ValueError(f"instalment x count / credit = {repaid}: AMT_ANNUITY is not a monthly instalment here")
    if effort is None or not 0.02 <= effort <= 0.6:
        raise ValueError(f"instalment / income = {effort}: income is not over the instalment's month here")
    return {"AMT_ANNUITY": "month", "AMT_INCOME_TOTAL": "month", "AMT_CREDIT": "total", "AMT_GOODS_PRICE": "total"}


def read(folder: Path) -> dict:
    previous = pd.read_csv(folder / "heads" / "previous_application.csv")
    sample = next((folder / name for name in SAMPLES if (folder / name).is_file()), None)
    if sample is None:
        raise FileNotFoundError(f"{folder}: no application sample ({' or '.join(SAMPLES)})")
    facts = evidence(previous, pd.read_csv(sample))
    return {"evidence": facts, "period": conclusion(facts)}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m scoring.money_evidence DATA_DIR (holding heads/ and an application sample)", file=sys.stderr)
        return 2
    try:
        print(json.dumps(read(Path(argv[0])), indent=2))
    except (OSError, ValueError, KeyError) as exc:
        print(f"money_evidence: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
