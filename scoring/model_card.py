"""Model card (Markdown) from the measured metrics."""

from __future__ import annotations

import numpy as np

from scoring.fields import FIELDS, render


def render_model_card(
    metrics: dict,
    decision: dict,
    importance: np.ndarray,
    features: list[str],
    n_clients: int,
    fairness: dict | None = None,
) -> str:
    cost = metrics["cost_per_1000_clients"]
    cm = metrics["confusion_matrix"]
    top = np.argsort(-importance)[:10]
    lines = [
        "# Model card: default-risk scoring",
        "",
        f"- Data: **{metrics['data_source']}**; portfolio of {n_clients:,} clients.",
        f"- Splits: {metrics['n_train']:,} train / {metrics['n_valid']:,} validation / {metrics['n_test']:,} test.",
        f"- Model: XGBoost, {metrics['n_rounds']} trees, early stopping on validation AUC.",
        f"- Calibration: {metrics['calibration']}",
        f"- Threshold: {decision['threshold']:.4f} ({metrics['threshold_selection']}); "
        f"cost of a missed defaulter {decision['cost_fn']:g}, of a refused good client {decision['cost_fp']:g}. "
        f"For perfectly calibrated probabilities theory gives {metrics['bayes_threshold']:.4f}.",
        f"- Grey zone for human review: {decision['grey_zone'][0]:.4f} to {decision['grey_zone'][1]:.4f}.",
        "",
        f"## Held-out test metrics ({metrics['evaluated_on']})",
        "",
        "| metric | value |",
        "| --- | --- |",
        f"| ROC AUC | {metrics['roc_auc']:.4f} |",
        f"| PR AUC | {metrics['pr_auc']:.4f} |",
        f"| Brier score | {metrics['brier']:.4f} |",
        f"| Expected calibration error | {metrics['expected_calibration_error']:.4f} |",
        f"| Refusal rate at threshold | {metrics['refusal_rate']:.1%} |",
        f"| Defaulters caught (recall) | {metrics['recall_defaulters']:.1%} |",
        f"| Cost per 1,000 clients: model | {cost['model']:.1f} |",
        f"| Cost per 1,000 clients: accept all | {cost['accept_all']:.1f} |",
        f"| Cost per 1,000 clients: refuse all | {cost['refuse_all']:.1f} |",
        "",
        f"Confusion matrix at the threshold: TN {cm['tn']:,}, FP {cm['fp']:,}, FN {cm['fn']:,}, TP {cm['tp']:,}.",
        "",
        "## Most influential features (mean |SHAP|, calibrated log-odds)",
        "",
        *[
            f"{rank}. {render(FIELDS[features[i]].label)} (`{features[i]}`): {importance[i]:.4f}"
            for rank, i in enumerate(top, 1)
        ],
        "",
        *(fairness_section(fairness) if fairness else []),
        "## Limits",
        "",
        "- Trained on application data only (no bureau or payment history tables).",
        "- Synthetic data reproduces marginals and pairwise links of a 1,000-client real sample; it is "
        "not real clients and its explanations illustrate the tool, not real credit policy."
        if metrics["data_source"] == "synthetic"
        else "- Real Home Credit data: check for drift before using on a new population.",
        "",
    ]
    return "\n".join(lines)


def fairness_section(fairness: dict) -> list[str]:
    """Protected fields, group figures on the held-out clients and proxies, as Markdown."""
    protected = ", ".join(f"`{name}`" for name in fairness.get("protected", [])) or "none"
    lines = [
        "## Fairness audit (held-out clients)",
        "",
        f"- Protected fields, never model inputs nor reasons: {protected}.",
        f"- {fairness['interval']:.0%} intervals: bootstrap, {fairness['n_boot']} resamples within each group; "
        f"groups under {fairness['summary_min_n']} clients are shown but not compared.",
        "",
        "| attribute | group | n | default rate | refused | good payers refused | defaulters accepted | AUC |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, rows in fairness["groups"].items():
        for row in rows:
            cells = [
                _share(row, "default_rate"),
                _share(row, "refusal_rate"),
                _share(row, "false_positive_rate"),
                _share(row, "false_negative_rate"),
                _value(row, "auc"),
            ]
            lines.append(f"| {key} | {row['group']} | {row['n']:,} | " + " | ".join(cells) + " |")
    lines.append("")
    for key, summary in fairness["summary"].items():
        ratio, gap = summary["demographic_parity_ratio"], summary["equal_opportunity_difference"]
        if ratio is None:
            lines.append(f"- {key}: too few clients per group to compare.")
            continue
        lines.append(
            f"- {key}: demographic parity ratio {ratio:.3f}{_bounds(summary['demographic_parity_ratio_ci'], 3)}, "
            f"equal opportunity difference {gap:.3f}{_bounds(summary['equal_opportunity_difference_ci'], 3)}."
        )
    proxies = fairness.get("proxies", {}).get("attributes", {})
    for key, proxy in proxies.items():
        if proxy.get("auc") is None:
            continue
        strongest = ", ".join(f"`{p['feature']}` ({p['share']:.0%})" for p in proxy["strongest"][:3])
        lines.append(
            f"- Proxy check, {key}: the model's inputs predict it with AUC {proxy['auc']:.3f}; strongest: {strongest}."
        )
    lines += ["", fairness["trade_off"], ""]
    return lines


def _bounds(bounds, decimals: int | None = None) -> str:
    if not bounds:
        return ""
    low, high = bounds
    return f" [{low:.{decimals}f}, {high:.{decimals}f}]" if decimals is not None else f" [{low:.1%}, {high:.1%}]"


def _share(row: dict, name: str) -> str:
    return "n/a" if row[name] is None else f"{row[name]:.1%}{_bounds(row[name + '_ci'])}"


def _value(row: dict, name: str) -> str:
    return "n/a" if row[name] is None else f"{row[name]:.3f}{_bounds(row[name + '_ci'], 3)}"
