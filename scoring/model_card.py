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
    cm = metrics["confusion_matrix"]
    top = np.argsort(-importance)[:10]
    lines = [
        "# Model card: default-risk scoring",
        "",
        f"- Data: **{metrics['data_source']}**; portfolio of {n_clients:,} clients.",
        _training(metrics),
        f"- Model: XGBoost, {_trees(metrics)} ({_params(metrics.get('params', {}))}).",
        f"- Calibration: {metrics['calibration']}",
        f"- Threshold: {decision['threshold']:.4f} ({metrics['threshold_selection']}); "
        f"cost of a missed defaulter {decision['cost_fn']:g}, of a refused good client {decision['cost_fp']:g}. "
        + (
            f"The minimum of the observed cost on the {'validation' if 'training' in metrics else 'out-of-fold'} "
            f"predictions is at {metrics['observed_threshold']:.4f}."
            if "observed_threshold" in metrics
            else f"For perfectly calibrated probabilities theory gives {metrics['bayes_threshold']:.4f}."
        ),
        f"- Grey zone for human review: {decision['grey_zone'][0]:.4f} to {decision['grey_zone'][1]:.4f}.",
        "",
        f"## Metrics ({metrics['evaluated_on']})",
        "",
        *metrics_table(metrics),
        "",
        f"Confusion matrix at the threshold: TN {cm['tn']:,}, FP {cm['fp']:,}, FN {cm['fn']:,}, TP {cm['tp']:,}.",
        "",
        *comparison_section(metrics),
        *(
            [
                f"## Holdout ({metrics['n_holdout']:,} clients never used for training, calibration or threshold)",
                "",
                *metrics_table(metrics["holdout"]),
                "",
            ]
            if metrics.get("holdout")
            else []
        ),
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


def _training(metrics: dict) -> str:
    if "training" in metrics:  # the Dask engine: one split, written by the engine itself
        return f"- Training: {metrics['training']}."
    return (
        f"- Training: {metrics['n_folds']}-fold stratified cross-validation"
        + (f" ({metrics['n_fold_draws']} fold draws)" if metrics.get("n_fold_draws", 1) > 1 else "")
        + f" on {metrics['n_labelled']:,} labelled "
        "clients; the number of trees, the calibration and the threshold come from the out-of-fold predictions, "
        "then one model is refit on all of them"
        + (f"; {metrics['n_holdout']:,} more clients held out, never touched." if metrics.get("n_holdout") else ".")
    )


def _trees(metrics: dict) -> str:
    """"400 trees", or "400 trees (80 rounds of 5 bagged trees)" with XGBoost's num_parallel_tree."""
    per_round = int(metrics.get("params", {}).get("num_parallel_tree", 1))
    trees = f"{metrics['n_rounds'] * per_round:,} trees"
    return trees + (f" ({metrics['n_rounds']:,} rounds of {per_round} bagged trees)" if per_round > 1 else "")


def _params(params: dict) -> str:
    return ", ".join(f"{name} {value:g}" for name, value in params.items())


def metrics_table(metrics: dict) -> list[str]:
    """Headline metrics with their 95 % bootstrap intervals (when measured)."""
    intervals = metrics.get("intervals", {})
    cost = metrics["cost_per_1000_clients"]

    def row(label: str, value: float, key: str | None, fmt: str) -> str:
        bounds = intervals.get(key) if key else None
        text = format(value, fmt)
        return f"| {label} | {text}" + (f" [{format(bounds[0], fmt)}, {format(bounds[1], fmt)}]" if bounds else "") + " |"

    return [
        "| metric | value [95% interval] |",
        "| --- | --- |",
        row("ROC AUC", metrics["roc_auc"], "roc_auc", ".4f"),
        row("PR AUC", metrics["pr_auc"], "pr_auc", ".4f"),
        row("Brier score", metrics["brier"], "brier", ".4f"),
        row("Expected calibration error", metrics["expected_calibration_error"], None, ".4f"),
        row("Refusal rate at threshold", metrics["refusal_rate"], "refusal_rate", ".1%"),
        row("Defaulters caught (recall)", metrics["recall_defaulters"], None, ".1%"),
        row("Cost per 1,000 clients: model", cost["model"], "cost_per_1000", ".1f"),
        row("Cost per 1,000 clients: accept all", cost["accept_all"], None, ".1f"),
        row("Cost per 1,000 clients: refuse all", cost["refuse_all"], None, ".1f"),
    ]


def comparison_section(metrics: dict) -> list[str]:
    """The plain baseline beside the model, the seed-to-seed stability, clients without external scores."""
    lines: list[str] = []
    baseline, stability = metrics.get("baseline"), metrics.get("stability")
    if baseline or stability:
        sample = baseline or stability
        where = f"{sample['n']:,} clients" + (", a stratified sample" if sample.get("sampled") else "")
        lines += [f"## Against a plain XGBoost, and from one seed to the next ({where})", ""]
    if baseline:
        lines += [
            f"- Out-of-fold ROC AUC on the same {baseline['folds']} folds: this model **{baseline['product_auc']:.4f}**, "
            f"plain baseline **{baseline['baseline_auc']:.4f}** ({baseline['difference']:+.4f}). "
            f"Baseline: {baseline['description']}.",
        ]
    if stability:
        lines += [
            f"- Seeds {stability['seeds'][0]} and {stability['seeds'][1]} (other folds, other subsampling): "
            f"out-of-fold AUC {stability['auc'][0]:.4f} and {stability['auc'][1]:.4f} "
            f"({stability['auc_spread']:.4f} apart), "
            f"{stability['n_rounds'][0]} and {stability['n_rounds'][1]} trees; the two final models' decisions differ "
            f"for {stability['decision_flips']:.2%} of the clients.",
        ]
    if lines:
        lines.append("")
    segments = metrics.get("segments")
    if segments:
        lines += [
            "## Clients without external scores (out-of-fold)",
            "",
            "| segment | clients | defaulters | ROC AUC [95% interval] |",
            "| --- | --- | --- | --- |",
        ]
        names = {
            "no_external_scores": "all three external scores missing",
            **{f"missing_EXT_SOURCE_{i}": f"external score {i} missing" for i in (1, 2, 3)},
        }
        for key, row in segments.items():
            auc = "too few clients" if row["auc"] is None else f"{row['auc']:.3f}{_bounds(row['auc_ci'], 3)}"
            lines.append(f"| {names.get(key, key)} | {row['n']:,} | {row['positives']:,} | {auc} |")
        lines.append("")
    return lines


def fairness_section(fairness: dict) -> list[str]:
    """Protected fields, group figures on the out-of-fold predictions and proxies, as Markdown."""
    protected = ", ".join(f"`{name}`" for name in fairness.get("protected", [])) or "none"
    lines = [
        "## Fairness audit (out-of-fold predictions)",
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
