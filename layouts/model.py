"""The model page: what the model is and is not, what it learned from, how well it does, what it costs,
how its decisions fall on groups of clients, and its version (a server-rendered page, ``app/templates/model.html``).

Everything shown comes from the artifact folder (metrics, ``performance.json``, ``fairness.json``, the
manifest); nothing is computed per request but formatting. Charts follow the dashboard's rule
(layouts/charts.py): a visible title, the drawing as an image named by the title and described by a
caption, and the chart's data as a table in a disclosure. Line charts are inline SVG drawn here (the
page needs no script); bar charts are HTML, so their words are real text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from markupsafe import Markup, escape

from layouts import palette
from layouts.formatting import currency
from layouts.i18n import language
from scoring.fairness import GROUP_METRICS, MISSING
from scoring.fields import FIELDS, N_

TOP_IMPORTANCE = 15
ATTRIBUTE_COLUMNS = {"sex": "CODE_GENDER", "family_status": "NAME_FAMILY_STATUS"}


# --------------------------------------------------------------------------- words


def attribute_label(key: str, lang: str) -> str:
    tr = language(lang)
    if key == "sex":
        return tr._("Sex")
    if key == "age_band":
        return tr._("Age band")
    if key == "family_status":
        return tr._("Family status")
    return tr.field(key) if key in FIELDS else key


def group_label(key: str, group: str, lang: str) -> str:
    tr = language(lang)
    if group == MISSING:
        return tr._("Not stated")
    if key == "age_band":
        bands = {
            "under_30": tr._("Under 30"),
            "30_40": tr._("30 to 39"),
            "40_50": tr._("40 to 49"),
            "50_60": tr._("50 to 59"),
            "60_plus": tr._("60 and over"),
        }
        return bands.get(group, group)
    column = ATTRIBUTE_COLUMNS.get(key, key)
    return tr.category(column, group) if column in FIELDS else group


def metric_labels(lang: str) -> dict[str, str]:
    tr = language(lang)
    return {
        "default_rate": tr._("Default rate"),
        "refusal_rate": tr._("Refused"),
        "false_positive_rate": tr._("Good payers refused"),
        "false_negative_rate": tr._("Defaulters accepted"),
        "auc": tr._("ROC AUC"),
        "mean_predicted": tr._("Predicted risk"),
        "calibration_gap": tr._("Predicted minus observed"),
    }


def share(value: float | None, lang: str, decimals: int = 1) -> str:
    return "—" if value is None else language(lang).percent(value, decimals)


def with_interval(value: float | None, bounds, lang: str, *, percent: bool = True, decimals: int = 1) -> str:
    """ "12,3 % (10,1–14,6)": the value and its 95 % interval."""
    tr = language(lang)

    def text(v: float) -> str:
        return tr.percent(v, decimals) if percent else tr.number(v, decimals)

    if value is None:
        return "—"
    if not bounds:
        return text(value)
    return tr._("{value} ({low} to {high})", value=text(value), low=text(bounds[0]), high=text(bounds[1]))


# --------------------------------------------------------------------------- SVG line charts


@dataclass(frozen=True)
class Frame:
    """A plot area in SVG user units: data ranges mapped to pixels, origin bottom left."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    width: int = 560
    height: int = 380
    left: int = 62
    right: int = 18
    top: int = 14
    bottom: int = 58

    def x(self, value: float) -> float:
        low, high = self.x_range
        return round(self.left + (value - low) / (high - low) * (self.width - self.left - self.right), 2)

    def y(self, value: float) -> float:
        low, high = self.y_range
        return round(self.height - self.bottom - (value - low) / (high - low) * (self.height - self.top - self.bottom), 2)


def _line(frame: Frame, xs, ys, color: str, *, width: float = 2.5, dash: str = "", css: str = "svg-series") -> str:
    points = " ".join(f"{frame.x(x)},{frame.y(y)}" for x, y in zip(xs, ys, strict=True))
    style = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline class="{css}" points="{points}" fill="none" stroke="{color}" stroke-width="{width}"{style}/>'


def _text(
    x: float, y: float, text: str, *, anchor: str = "middle", size: int = 13, weight: str = "normal", extra: str = ""
) -> str:
    return (
        f'<text class="svg-text" x="{x}" y="{y}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}" '
        f'fill="{palette.TEXT}"{extra}>{escape(text)}</text>'
    )


def svg_chart(frame: Frame, body: list[str], *, x_title: str, y_title: str, x_ticks, y_ticks) -> Markup:
    """Axes, grid, tick labels and axis titles around ``body`` (SVG elements). Hidden from assistive
    technologies: its container is the image, named and described in words."""
    parts = [
        f'<svg class="line-chart" viewBox="0 0 {frame.width} {frame.height}" role="presentation" '
        'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f'<rect class="svg-bg" x="0" y="0" width="{frame.width}" height="{frame.height}" fill="#FFFFFF"/>',
    ]
    x0, x1 = frame.x(frame.x_range[0]), frame.x(frame.x_range[1])
    y0, y1 = frame.y(frame.y_range[0]), frame.y(frame.y_range[1])
    for value, text in y_ticks:
        y = frame.y(value)
        parts.append(f'<line class="svg-grid" x1="{x0}" x2="{x1}" y1="{y}" y2="{y}" stroke="#D9D9D9" stroke-width="1"/>')
        parts.append(_text(x0 - 6, y + 4, text, anchor="end", size=12))
    for value, text in x_ticks:
        x = frame.x(value)
        parts.append(
            f'<line class="svg-axis" x1="{x}" x2="{x}" y1="{y0}" y2="{y0 + 5}" stroke="{palette.GRID}" stroke-width="1"/>'
        )
        parts.append(_text(x, y0 + 19, text, size=12))
    for x_a, x_b, y_a, y_b in ((x0, x1, y0, y0), (x0, x0, y0, y1)):
        ends = f'x1="{x_a}" x2="{x_b}" y1="{y_a}" y2="{y_b}"'
        parts.append(f'<line class="svg-axis" {ends} stroke="{palette.GRID}" stroke-width="1.5"/>')
    parts += body
    parts.append(_text((x0 + x1) / 2, frame.height - 10, x_title, size=13, weight="600"))
    parts.append(
        _text(14, (y0 + y1) / 2, y_title, size=13, weight="600", extra=f' transform="rotate(-90 14 {(y0 + y1) / 2})"')
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def _percent_ticks(high: float, lang: str, steps: int = 5) -> list[tuple[float, str]]:
    tr = language(lang)
    step = _nice_step(high / steps)
    count = int(math.floor(high / step + 1e-9))
    return [(i * step, tr.percent(i * step, 0 if step >= 0.01 else 1)) for i in range(count + 1)]


def _nice_step(raw: float) -> float:
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def roc_chart(performance: dict, threshold_point: tuple[float, float], lang: str) -> Markup:
    tr = language(lang)
    roc = performance["roc"]
    frame = Frame((0, 1), (0, 1))
    fx, fy = threshold_point
    body = [
        _line(frame, [0, 1], [0, 1], palette.NEUTRAL, width=1.5, dash="6 5", css="svg-reference"),
        _line(frame, roc["fpr"], roc["tpr"], palette.RISK_DOWN, width=3),
        f'<circle class="svg-marker" cx="{frame.x(fx)}" cy="{frame.y(fy)}" r="6" fill="{palette.CLIENT}"/>',
        _text(frame.x(fx) + 10, frame.y(fy) + 18, tr._("Threshold"), anchor="start", weight="600"),
    ]
    ticks = _percent_ticks(1, lang)
    return svg_chart(
        frame,
        body,
        x_title=tr._("Good payers refused (false positive rate)"),
        y_title=tr._("Defaulters caught (true positive rate)"),
        x_ticks=ticks,
        y_ticks=ticks,
    )


def reliability_chart(performance: dict, lang: str) -> Markup:
    tr = language(lang)
    bins = performance["reliability"]
    top = max(max(b["mean_predicted"] for b in bins), max(b["observed_ci"][1] for b in bins))
    top = min(1.0, _nice_step(top / 5) * math.ceil(top / _nice_step(top / 5)))
    frame = Frame((0, top), (0, top))
    body = [_line(frame, [0, top], [0, top], palette.NEUTRAL, width=1.5, dash="6 5", css="svg-reference")]
    xs = [b["mean_predicted"] for b in bins]
    ys = [b["observed"] for b in bins]
    for b in bins:
        x = frame.x(b["mean_predicted"])
        low, high = b["observed_ci"]
        whisker = f'x1="{x}" x2="{x}" y1="{frame.y(low)}" y2="{frame.y(high)}"'
        body.append(f'<line class="svg-series" {whisker} stroke="{palette.RISK_DOWN}" stroke-width="1.5"/>')
    body.append(_line(frame, xs, ys, palette.RISK_DOWN, width=2))
    body += [
        f'<circle class="svg-point" cx="{frame.x(x)}" cy="{frame.y(y)}" r="5" fill="{palette.RISK_DOWN}"/>'
        for x, y in zip(xs, ys, strict=True)
    ]
    ticks = _percent_ticks(top, lang)
    return svg_chart(
        frame,
        body,
        x_title=tr._("Predicted probability of default"),
        y_title=tr._("Observed default rate"),
        x_ticks=ticks,
        y_ticks=ticks,
    )


def cost_x_max(threshold: float) -> float:
    """Right end of the cost chart: the interesting part is around the threshold, not up to 100 %."""
    return min(1.0, math.ceil(max(0.3, 4 * threshold) * 10) / 10)


def cost_chart(performance: dict, metrics: dict, threshold: float, lang: str) -> Markup:
    tr = language(lang)
    right = cost_x_max(threshold)
    curve = [p for p in performance["cost_curve"] if p["threshold"] <= right + 1e-9]
    reference = metrics["cost_per_1000_clients"]
    top_y = max(max(p["cost_per_1000"] for p in curve), reference["accept_all"], reference["refuse_all"])
    step = _nice_step(top_y / 5)
    top_y = step * math.ceil(top_y / step)
    frame = Frame((0, right), (0, top_y))
    xs = [p["threshold"] for p in curve]
    ys = [p["cost_per_1000"] for p in curve]
    x_t = frame.x(threshold)
    label = tr._("Threshold {value}", value=tr.percent(threshold, 1))
    body = [
        _line(frame, [0, right], [reference["accept_all"]] * 2, palette.NEUTRAL, width=1.5, dash="8 5", css="svg-reference"),
        _line(frame, [0, right], [reference["refuse_all"]] * 2, palette.NEUTRAL, width=1.5, dash="2 4", css="svg-reference"),
        _line(frame, xs, ys, palette.RISK_UP, width=3),
        f'<line class="svg-marker" x1="{x_t}" x2="{x_t}" y1="{frame.y(0)}" y2="{frame.y(top_y)}" '
        f'stroke="{palette.CLIENT}" stroke-width="2"/>',
        # Low in the plot: the cost curve and the two reference lines run high.
        _text(x_t + 6, frame.y(0.12 * top_y), label, anchor="start", weight="600"),
    ]
    ticks = [(i / 10, tr.percent(i / 10, 0)) for i in range(int(round(right * 10)) + 1)]
    return svg_chart(
        frame,
        body,
        x_title=tr._("Decision threshold (refused at or above)"),
        y_title=tr._("Expected cost per 1,000 clients"),
        x_ticks=ticks if len(ticks) <= 6 else ticks[::2],
        y_ticks=[(i * step, tr.number(i * step)) for i in range(int(round(top_y / step)) + 1)],
    )


# --------------------------------------------------------------------------- the page


def _roc_at(performance: dict, fpr: float) -> float:
    return float(np.interp(fpr, performance["roc"]["fpr"], performance["roc"]["tpr"]))


def _table(caption: str, header: list[str], rows: list[list[str]]) -> dict:
    return {"caption": caption, "header": header, "rows": rows}


def data_source_text(artifacts, lang: str) -> str:
    tr = language(lang)
    metrics, manifest = artifacts.metrics, artifacts.manifest
    trained = datetime.fromisoformat(manifest["created_utc"]).date()
    if artifacts.synthetic:
        source = tr._(
            "Synthetic clients generated by the project to resemble the Home Credit data: they do not exist, and "
            "what the model learned from them illustrates the tool, not a real credit policy."
        )
    else:
        source = tr._("Real Home Credit applications (Kaggle competition data).")
    if "n_labelled" not in metrics:  # artifacts written before cross-validated training
        return tr._(
            "{source} {n} labelled clients: {train} to train, {valid} to stop training, calibrate and choose the "
            "threshold, {test} held out to measure everything on this page. Trained on {date}.",
            source=source,
            n=tr.number(metrics["n_train"] + metrics["n_valid"] + metrics["n_test"]),
            train=tr.number(metrics["n_train"]),
            valid=tr.number(metrics["n_valid"]),
            test=tr.number(metrics["n_test"]),
            date=tr.date(trained),
        )
    text = tr._(
        "{source} {n} labelled clients, split into {folds} groups: each group is scored by a model trained on the "
        "others, so every client gets a score from a model that never saw them. These scores choose the number "
        "of trees, calibrate the probabilities, set the threshold and measure everything on this page; then one "
        "model is trained on all {n} clients. Trained on {date}.",
        source=source,
        n=tr.number(metrics["n_labelled"]),
        folds=tr.number(metrics["n_folds"]),
        date=tr.date(trained),
    )
    if metrics.get("n_holdout"):
        text += " " + tr._(
            "{n} more clients were set aside and never used: on them the model reaches a ROC AUC of {auc}.",
            n=tr.number(metrics["n_holdout"]),
            auc=tr.number(metrics["holdout"]["roc_auc"], 3),
        )
    return text


SEGMENT_LABELS = {
    "no_external_scores": N_("No external score at all"),
    "missing_EXT_SOURCE_1": N_("External score 1 missing"),
    "missing_EXT_SOURCE_2": N_("External score 2 missing"),
    "missing_EXT_SOURCE_3": N_("External score 3 missing"),
}


def robustness_section(artifacts, lang: str) -> dict | None:
    """The plain baseline beside the model, seed-to-seed stability and clients without external scores."""
    tr = language(lang)
    metrics = artifacts.metrics
    baseline, stability, segments = metrics.get("baseline"), metrics.get("stability"), metrics.get("segments")
    if not (baseline or stability or segments):
        return None
    facts = []
    if baseline:
        facts.append(
            tr._(
                "On the same clients and the same groups, this model reaches a ROC AUC of {product}; a plain XGBoost "
                "using every column of the application (400 trees, no tuning) reaches {baseline}.",
                product=tr.number(baseline["product_auc"], 3),
                baseline=tr.number(baseline["baseline_auc"], 3),
            )
        )
    if stability:
        facts.append(
            tr._(
                "Trained again with another random seed (other groups, other draws), it reaches {other} instead of "
                "{first}, a gap of {gap}; the two models disagree on the decision for {flips} of the clients.",
                first=tr.number(stability["auc"][0], 3),
                other=tr.number(stability["auc"][1], 3),
                gap=tr.number(stability["auc_spread"], 3),
                flips=tr.percent(stability["decision_flips"], 1),
            )
        )
    sample = baseline or stability
    if sample and sample.get("sampled"):
        facts.append(tr._("These two comparisons use a sample of {n} clients.", n=tr.number(sample["n"])))
    table = None
    if segments:
        rows = []
        for key, row in segments.items():
            auc = (
                tr._("Too few clients to measure")
                if row["auc"] is None
                else with_interval(row["auc"], row["auc_ci"], lang, percent=False, decimals=3)
            )
            rows.append([tr._(SEGMENT_LABELS.get(key, key)), tr.number(row["n"]), tr.number(row["positives"]), auc])
        table = _table(
            tr._("Clients without external scores"),
            [tr._("Clients"), tr._("Number"), tr._("Defaulters"), tr._("ROC AUC (95% interval)")],
            rows,
        )
    return {"facts": facts, "segments": table}


def performance_section(artifacts, lang: str) -> dict | None:
    tr = language(lang)
    performance, metrics = artifacts.performance, artifacts.metrics
    if performance is None:
        return None
    cm = metrics["confusion_matrix"]
    tpr = cm["tp"] / max(cm["tp"] + cm["fn"], 1)
    fpr = cm["fp"] / max(cm["fp"] + cm["tn"], 1)
    roc_rows = [
        [tr.percent(x, 0), tr.percent(_roc_at(performance, x), 1)] for x in (0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1)
    ]
    roc = {
        "id": "model-roc",
        "title": tr._("ROC curve on the held-out clients"),
        "drawing": roc_chart(performance, (fpr, tpr), lang),
        "caption": tr._(
            "ROC AUC {auc}: a defaulter picked at random gets a higher score than a good payer picked at random "
            "in {share} of pairs (50% would be chance, the dashed diagonal). At the threshold the model catches "
            "{tpr} of the defaulters and refuses {fpr} of the good payers.",
            auc=tr.number(metrics["roc_auc"], 3),
            share=tr.percent(metrics["roc_auc"], 0),
            tpr=tr.percent(tpr, 1),
            fpr=tr.percent(fpr, 1),
        ),
        "table": _table(
            tr._("ROC curve on the held-out clients"),
            [tr._("Good payers refused"), tr._("Defaulters caught")],
            roc_rows + [[tr._("At the threshold: {value}", value=tr.percent(fpr, 1)), tr.percent(tpr, 1)]],
        ),
        "legend": [("line-model", tr._("The model")), ("line-reference", tr._("Chance (a random score)"))],
    }
    bins = performance["reliability"]
    worst = max(bins, key=lambda b: abs(b["observed"] - b["mean_predicted"]))
    reliability = {
        "id": "model-reliability",
        "title": tr._("Reliability: predicted probability against observed default rate"),
        "drawing": reliability_chart(performance, lang),
        "caption": tr._(
            "Held-out clients in {n} groups of equal size, from the lowest predicted risk to the highest. "
            "Points on the dashed diagonal mean the probability can be read as a rate; bars are 95% intervals. "
            "Largest gap: predicted {predicted}, observed {observed}. Brier score {brier}.",
            n=len(bins),
            predicted=tr.percent(worst["mean_predicted"], 1),
            observed=tr.percent(worst["observed"], 1),
            brier=tr.number(metrics["brier"], 4),
        ),
        "table": _table(
            tr._("Reliability: predicted probability against observed default rate"),
            [tr._("Group"), tr._("Clients"), tr._("Predicted (mean)"), tr._("Observed (95% interval)")],
            [
                [
                    tr._("{low} to {high}", low=tr.percent(b["predicted_low"], 1), high=tr.percent(b["predicted_high"], 1)),
                    tr.number(b["n"]),
                    tr.percent(b["mean_predicted"], 1),
                    with_interval(b["observed"], b["observed_ci"], lang),
                ]
                for b in bins
            ],
        ),
        "legend": [("line-model", tr._("The model")), ("line-reference", tr._("Perfect calibration"))],
    }
    return {
        "facts": [
            (tr._("ROC AUC"), tr.number(metrics["roc_auc"], 3)),
            (tr._("Brier score (lower is better)"), tr.number(metrics["brier"], 4)),
            (tr._("Expected calibration error"), tr.number(metrics["expected_calibration_error"], 4)),
            (tr._("Default rate of the held-out clients"), tr.percent(metrics["default_rate"], 1)),
        ],
        "charts": [roc, reliability],
    }


def cost_section(artifacts, lang: str) -> dict:
    tr = language(lang)
    metrics, decision, performance = artifacts.metrics, artifacts.decision, artifacts.performance
    cost = metrics["cost_per_1000_clients"]
    cm = metrics["confusion_matrix"]
    ratio = decision.cost_fn / decision.cost_fp
    n = sum(cm.values())
    out = {
        "intro": tr._(
            "Accepting a client who then defaults costs {ratio} times as much as refusing a good payer. The "
            "threshold {threshold} minimises the expected cost on the scores of clients the model never saw; "
            "below, the same clients.",
            ratio=tr.number(ratio, 0 if float(ratio).is_integer() else 1),
            threshold=tr.percent(decision.threshold, 1),
        ),
        "costs": _table(
            tr._("Expected cost per 1,000 clients (cost of a refused good payer = 1)"),
            [tr._("Policy"), tr._("Cost per 1,000 clients")],
            [
                [tr._("The model at its threshold"), tr.number(cost["model"], 0)],
                [tr._("Accept everyone"), tr.number(cost["accept_all"], 0)],
                [tr._("Refuse everyone"), tr.number(cost["refuse_all"], 0)],
            ],
        ),
        "confusion": {
            "caption": tr._("Decisions at the threshold for the {n} held-out clients", n=tr.number(n)),
            "rows": [
                (tr._("Good payers"), tr.number(cm["tn"]), tr.number(cm["fp"])),
                (tr._("Defaulters"), tr.number(cm["fn"]), tr.number(cm["tp"])),
            ],
            "columns": (tr._("Actual outcome"), tr._("Granted"), tr._("Refused")),
        },
        "chart": None,
    }
    if performance is not None:
        curve = performance["cost_curve"]
        shown = [p for p in curve if p["chosen"] or round(p["threshold"] * 100) % 5 == 0]
        out["chart"] = {
            "id": "model-cost",
            "title": tr._("Expected cost against the threshold"),
            "drawing": cost_chart(performance, metrics, decision.threshold, lang),
            "caption": tr._(
                "Cost per 1,000 held-out clients when refusing everyone at or above each threshold (thresholds up to "
                "{right} drawn, all in the table). At the chosen "
                "threshold ({threshold}) it is {model}, against {accept} when accepting everyone (long dashes) "
                "and {refuse} when refusing everyone (short dashes).",
                threshold=tr.percent(decision.threshold, 1),
                model=tr.number(cost["model"], 0),
                accept=tr.number(cost["accept_all"], 0),
                refuse=tr.number(cost["refuse_all"], 0),
                right=tr.percent(cost_x_max(decision.threshold), 0),
            ),
            "table": _table(
                tr._("Expected cost against the threshold"),
                [tr._("Threshold"), tr._("Cost per 1,000 clients"), tr._("Refused")],
                [
                    [
                        tr.percent(p["threshold"], 1) + (" " + tr._("(chosen)") if p["chosen"] else ""),
                        tr.number(p["cost_per_1000"], 0),
                        tr.percent(p["refusal_rate"], 1),
                    ]
                    for p in shown
                ],
            ),
            "legend": [
                ("line-cost", tr._("The model")),
                ("line-accept", tr._("Accept everyone")),
                ("line-refuse", tr._("Refuse everyone")),
            ],
        }
    return out


def fairness_bars(fairness: dict, lang: str) -> list[dict]:
    """Rows for the HTML bar chart: per attribute, per group, refusal rate and good payers refused.

    Widths are percentages of one shared scale (the largest interval end, rounded up to 10 %).
    """
    metrics = ("refusal_rate", "false_positive_rate")
    ends = [
        max(row[m] or 0, (row[f"{m}_ci"] or [0, 0])[1])
        for rows in fairness["groups"].values()
        for row in rows
        for m in metrics
    ]
    scale = max(math.ceil(max(ends, default=0) * 10) / 10, 0.1)

    def at(value: float) -> float:
        return round(100 * min(value / scale, 1.0), 2)

    out = []
    for key, rows in fairness["groups"].items():
        groups = []
        for row in rows:
            bars = []
            for metric in metrics:
                value, bounds = row[metric], row[f"{metric}_ci"]
                bars.append(
                    {
                        "metric": metric,
                        "width": 0 if value is None else at(value),
                        "low": None if not bounds else at(bounds[0]),
                        "high": None if not bounds else at(bounds[1]),
                        "text": share(value, lang),
                    }
                )
            groups.append(
                {
                    "label": group_label(key, row["group"], lang),
                    "n": language(lang).number(row["n"]),
                    "small": row["small"],
                    "bars": bars,
                }
            )
        out.append({"label": attribute_label(key, lang), "groups": groups})
    return out


def fairness_tables(fairness: dict, lang: str) -> list:
    """One table per protected attribute: every group's decisions with their 95% intervals."""
    tr = language(lang)
    labels = metric_labels(lang)
    shown = [m for m in GROUP_METRICS if m != "calibration_gap"]
    tables = []
    for key, rows in fairness["groups"].items():
        body = []
        for row in rows:
            name = group_label(key, row["group"], lang)
            if row["small"]:
                name = tr._("{group} (too few clients to conclude)", group=name)
            cells = [name, tr.number(row["n"])]
            for metric in shown:
                percent = metric != "auc"
                cells.append(
                    with_interval(row[metric], row[f"{metric}_ci"], lang, percent=percent, decimals=1 if percent else 3)
                )
            body.append(cells)
        tables.append(
            _table(
                tr._("{attribute}: decisions on the held-out clients", attribute=attribute_label(key, lang)),
                [tr._("Group"), tr._("Clients"), *[labels[m] for m in shown]],
                body,
            )
        )
    return tables


def fairness_summaries(fairness: dict, lang: str) -> list[str]:
    """Per attribute, the parity ratio and the equal-opportunity gap in one sentence."""
    tr = language(lang)
    summaries = []
    for key, summary in fairness["summary"].items():
        name = attribute_label(key, lang)
        if summary["demographic_parity_ratio"] is None:
            summaries.append(tr._("{attribute}: too few clients per group to compare.", attribute=name))
            continue
        summaries.append(
            tr._(
                "{attribute}: the lowest approval rate is {ratio} of the highest (demographic parity ratio, 95% "
                "interval {ratio_low} to {ratio_high}); the share of good payers refused differs by up to {gap} "
                "points between groups (equal opportunity difference, {gap_low} to {gap_high}).",
                attribute=name,
                ratio=tr.number(summary["demographic_parity_ratio"], 2),
                ratio_low=tr.number(summary["demographic_parity_ratio_ci"][0], 2),
                ratio_high=tr.number(summary["demographic_parity_ratio_ci"][1], 2),
                gap=tr.number(100 * summary["equal_opportunity_difference"], 1),
                gap_low=tr.number(100 * summary["equal_opportunity_difference_ci"][0], 1),
                gap_high=tr.number(100 * summary["equal_opportunity_difference_ci"][1], 1),
            )
        )
    return summaries


def proxy_sentences(fairness: dict, lang: str) -> list[str]:
    """Per attribute, how well the model's inputs recover it, and its strongest stand-ins."""
    tr = language(lang)
    proxies = []
    for key, proxy in fairness.get("proxies", {}).get("attributes", {}).items():
        if proxy.get("auc") is None:
            continue
        strongest = [tr.field(p["feature"]) for p in proxy["strongest"][:3]]
        proxies.append(
            tr._(
                "{attribute}: the model's inputs recover it with an AUC of {auc} (0.5 = not at all, 1 = fully). "
                "Strongest stand-ins: {fields}.",
                attribute=attribute_label(key, lang),
                auc=tr.number(proxy["auc"], 2),
                fields=", ".join(strongest),
            )
        )
    return proxies


def fairness_caption(fairness: dict, lang: str) -> str:
    """What the fairness chart shows, and the group with the highest share of good payers refused."""
    tr = language(lang)
    largest = max(
        (
            (key, row)
            for key, rows in fairness["groups"].items()
            for row in rows
            if not row["small"] and row["group"] != MISSING
        ),
        key=lambda item: item[1]["false_positive_rate"] or 0,
        default=None,
    )
    caption = tr._(
        "For each group of held-out clients: the share refused (plain bars) and the share of good payers refused "
        "(hatched bars), with 95% intervals (thin lines)."
    )
    if largest is not None:
        caption += " " + tr._(
            "Highest share of good payers refused: {group} ({attribute}), {value}.",
            group=group_label(largest[0], largest[1]["group"], lang),
            attribute=attribute_label(largest[0], lang).lower(),
            value=share(largest[1]["false_positive_rate"], lang),
        )
    return caption


def fairness_chart(fairness: dict, lang: str) -> dict:
    """The chart of refusals and good payers refused by group, with its caption and data table."""
    tr = language(lang)
    labels = metric_labels(lang)
    return {
        "id": "model-fairness",
        "title": tr._("Refusals and good payers refused, by group"),
        "caption": fairness_caption(fairness, lang),
        "groups": fairness_bars(fairness, lang),
        "legend": [("bar-refused", labels["refusal_rate"]), ("bar-good-refused", labels["false_positive_rate"])],
        "table": _table(
            tr._("Refusals and good payers refused, by group"),
            [tr._("Group"), tr._("Clients"), labels["refusal_rate"], labels["false_positive_rate"]],
            [
                [
                    tr._(
                        "{attribute}: {group}",
                        attribute=attribute_label(key, lang),
                        group=group_label(key, row["group"], lang),
                    ),
                    tr.number(row["n"]),
                    with_interval(row["refusal_rate"], row["refusal_rate_ci"], lang),
                    with_interval(row["false_positive_rate"], row["false_positive_rate_ci"], lang),
                ]
                for key, rows in fairness["groups"].items()
                for row in rows
            ],
        ),
    }


def fairness_section(artifacts, lang: str) -> dict | None:
    """The model page's fairness section (None when the artifacts hold no audit)."""
    tr = language(lang)
    fairness = artifacts.fairness
    if fairness is None:
        return None
    protected = [tr.field(name) for name in fairness.get("protected", []) if name in FIELDS]
    return {
        "intro": tr._(
            "The model does not use: {fields}. They are kept only to check how its decisions fall on groups of "
            "clients; age is a model input. Figures on {n} held-out clients, with 95% bootstrap intervals; "
            "groups under {min} clients are shown but not compared.",
            fields=", ".join(protected) if protected else tr._("no field"),
            n=tr.number(fairness["n"]),
            min=fairness["summary_min_n"],
        ),
        "chart": fairness_chart(fairness, lang),
        "tables": fairness_tables(fairness, lang),
        "summaries": fairness_summaries(fairness, lang),
        "proxies": proxy_sentences(fairness, lang),
        "trade_off": tr._(
            "The model is not corrected per group. Equal refusal rates, or equal shares of good payers refused, "
            "could only be reached with a different threshold for each group — using the protected ground at "
            "decision time, itself a discrimination — or by refusing or accepting more clients overall, which "
            "raises the expected cost. Differences in default rates between groups explain part of the gaps. "
            "These facts go to the credit risk committee, which decides; advisors review every grey-zone file."
        ),
    }


def importance_section(importance: np.ndarray, features: list[str], lang: str) -> dict:
    tr = language(lang)
    values = np.asarray(importance, dtype=float)
    order = [int(i) for i in np.argsort(-values, kind="stable")[:TOP_IMPORTANCE]]
    largest = float(values[order[0]]) if order and values[order[0]] > 0 else 1.0
    rows = [
        {
            "label": tr.field(features[i]),
            "width": round(100 * float(values[i]) / largest, 2),
            "text": tr.number(float(values[i]), 3),
        }
        for i in order
    ]
    return {
        "id": "model-importance",
        "title": tr._("Mean importance of the factors"),
        "caption": tr._(
            "The {n} inputs that move the score most on average over the portfolio (mean absolute SHAP weight, "
            "in log-odds); first: {first}.",
            n=len(rows),
            first=rows[0]["label"] if rows else "—",
        ),
        "rows": rows,
        "table": _table(
            tr._("Mean importance of the factors"),
            [tr._("Factor"), tr._("Mean weight (|log-odds|)")],
            [[r["label"], r["text"]] for r in rows],
        ),
    }


def limits(artifacts, lang: str) -> list[str]:
    tr = language(lang)
    items = [
        tr._("It sees the application only: no credit bureau file, no payment history with other lenders."),
        tr._(
            "Its probabilities are calibrated on past clients of the same population; a new population (another "
            "country, another product, a crisis) needs a new check before use."
        ),
        tr._(
            "Removing sex and family status does not remove their influence: other inputs partly stand in for them "
            "(see the proxy check), and age is used."
        ),
        tr._(
            "An explanation says what moved the model's score, not what caused a default; it is not advice on "
            "what a client should change."
        ),
        tr._("Close calls (the grey zone) and any disputed decision go to an advisor, who records the final decision."),
    ]
    if artifacts.synthetic:
        items.insert(0, tr._("Trained on synthetic data: its figures show how the tool works, not how real clients behave."))
    return items


def version_facts(artifacts, lang: str) -> list[tuple[str, str]]:
    tr = language(lang)
    manifest = artifacts.manifest
    return [
        (tr._("Artifact version (hash of the manifest)"), artifacts.version),
        (tr._("Trained on"), tr.date(datetime.fromisoformat(manifest["created_utc"]).date())),
        (tr._("Files checked against the manifest"), tr.number(len(manifest["files"]))),
        (tr._("XGBoost version"), manifest.get("versions", {}).get("xgboost", "—")),
        (tr._("Trees"), tr.number(artifacts.metrics.get("n_trees", artifacts.metrics["n_rounds"]))),
        (tr._("Inputs"), tr.number(len(artifacts.transform.features))),
    ]


def page_context(artifacts, importance: np.ndarray, lang: str) -> dict:
    """Everything ``model.html`` shows, in ``lang``."""
    tr = language(lang)
    protected = [tr.field(name) for name in artifacts.transform.protected if name in FIELDS]
    return {
        "is": [
            tr._(
                "A gradient-boosted tree model (XGBoost, {trees} trees, {inputs} inputs) that estimates the "
                "probability that a client will have difficulties repaying, from their application.",
                trees=tr.number(artifacts.metrics.get("n_trees", artifacts.metrics["n_rounds"])),
                inputs=tr.number(len(artifacts.transform.features)),
            ),
            tr._(
                "Its scores are calibrated: a probability of 10% means about one client in ten with that score "
                "had difficulties. A client is refused at or above the threshold of {threshold}.",
                threshold=tr.percent(artifacts.decision.threshold, 1),
            ),
            tr._(
                "Each decision comes with the factors that moved the score (SHAP values), so that an advisor can explain it."
            ),
        ],
        "is_not": [
            tr._(
                "Not the final decision: an advisor reviews close calls and can grant, refuse or ask for documents, "
                "with a recorded reason."
            ),
            tr._("It never uses these fields, nor gives them as a reason: {fields}.", fields=", ".join(protected))
            if protected
            else tr._("It uses every field of the application, protected grounds included."),
            tr._("Not a judgement on a person: it only ranks repayment risk from the data it was given."),
        ],
        "data": data_source_text(artifacts, lang),
        "money": money_text(lang),
        "performance": performance_section(artifacts, lang),
        "robustness": robustness_section(artifacts, lang),
        "cost": cost_section(artifacts, lang),
        "fairness": fairness_section(artifacts, lang),
        "importance": importance_section(importance, list(artifacts.transform.features), lang),
        "limits": limits(artifacts, lang),
        "version": version_facts(artifacts, lang),
        "synthetic": artifacts.synthetic,
    }


def money_text(lang: str) -> str:
    """How the amounts are read (README, "Money"): a separate block beside the data paragraph."""
    tr = language(lang)
    unit = currency() or tr._("dataset units")
    return tr._(
        "Amounts: the instalment and the income are per month (the data's own previous loans repay about 1.3 times "
        "the credit in their monthly instalments, and a typical instalment is a sixth of the income); the effort rate "
        "is the monthly instalment divided by the monthly income. Amounts are shown in {unit}.",
        unit=unit,
    )
