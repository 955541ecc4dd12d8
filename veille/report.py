"""report.html: plotly figures (plotly.js embedded inline, works offline) and tables from the results."""

from __future__ import annotations

import html
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from veille.report_tables import primary_entries, tables

# Okabe-Ito colours that keep a 3:1 contrast on white.
COLOURS = {
    "tfidf_logreg": "#D55E00",
    "minilm_logreg": "#0072B2",
    "model2vec_logreg": "#009E73",
    "setfit_minilm": "#CC79A7",
    "e5_logreg": "#000000",
    "zeroshot_minilm": "#0072B2",
    "zeroshot_e5": "#000000",
}
# Lines are told apart by their dash and marker too, not by colour alone.
DASHES = {
    "tfidf_logreg": "solid",
    "minilm_logreg": "dash",
    "model2vec_logreg": "dot",
    "e5_logreg": "longdash",
    "setfit_minilm": "dashdot",
}
SYMBOLS = {
    "tfidf_logreg": "circle",
    "minilm_logreg": "square",
    "model2vec_logreg": "diamond",
    "e5_logreg": "triangle-up",
    "setfit_minilm": "x",
}


def learning_curve_figure(results: dict) -> go.Figure:
    fig = go.Figure()
    for e in primary_entries(results):
        curve = e["learning_curve"]
        if e["family"] == "zero-shot":
            point = curve.get("0")
            if point:
                fig.add_hline(
                    y=point["macro_f1_mean"],
                    line={"color": COLOURS.get(e["method"]), "dash": "dot", "width": 1},
                    annotation_text=f"{e['label']}: {point['macro_f1_mean']:.3f}",
                )
            continue
        ks = sorted(curve, key=int)
        fig.add_trace(
            go.Scatter(
                x=[int(k) for k in ks],
                y=[curve[k]["macro_f1_mean"] for k in ks],
                error_y={"type": "data", "array": [curve[k]["macro_f1_ci95"] or 0 for k in ks]},
                mode="lines+markers",
                name=e["label"],
                line={"color": COLOURS.get(e["method"]), "dash": DASHES.get(e["method"])},
                marker={"symbol": SYMBOLS.get(e["method"]), "size": 8},
            )
        )
    fig.update_layout(
        title="Learning curve: macro-F1 vs labelled examples per class (mean, 95% CI over draws)",
        xaxis={"title": "labelled examples per class", "type": "log", "dtick": 0.30103},
        yaxis={"title": "macro-F1 on held-out 30%", "range": [0, 1.02]},
        template="plotly_white",
        height=460,
    )
    return fig


def cv_figure(results: dict) -> go.Figure:
    entries = [e for e in results["methods"] if e["macro_f1_mean"] is not None]
    fig = go.Figure()
    for variant in results["meta"]["variants"]:
        sub = [e for e in entries if e["variant"] == variant]
        fig.add_trace(
            go.Bar(
                x=[e["label"] for e in sub],
                y=[e["macro_f1_mean"] for e in sub],
                error_y={"type": "data", "array": [e["macro_f1_ci95"] for e in sub]},
                name=variant,
            )
        )
    fig.update_layout(
        title="All labels: macro-F1, repeated stratified CV (95% CI, corrected for resampling)",
        yaxis={"title": "macro-F1", "range": [0.5, 1.0]},
        barmode="group",
        template="plotly_white",
        height=420,
    )
    return fig


def clustering_figure(results: dict) -> go.Figure:
    entries = [e for e in primary_entries(results) if e["ari_mean"] is not None]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=[e["label"] for e in entries],
            y=[e["ari_mean"] for e in entries],
            error_y={"type": "data", "array": [e["ari_ci95"] for e in entries]},
            name="KMeans in the method's own space (ARI)",
            marker_color="#0072B2",
        )
    )
    if any("tsne_kmeans_ari_mean" in e for e in entries):
        fig.add_trace(
            go.Bar(
                x=[e["label"] for e in entries],
                y=[e.get("tsne_kmeans_ari_mean") for e in entries],
                name="t-SNE then KMeans (ARI, inflated: for comparison with published student results)",
                marker_color="#BBBBBB",
                marker_pattern_shape="/",
            )
        )
    fig.update_layout(
        title="Unsupervised: agreement of KMeans clusters with the true categories",
        yaxis={"title": "adjusted Rand index", "range": [0, 1]},
        barmode="group",
        template="plotly_white",
        height=420,
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def confusion_figure(results: dict) -> go.Figure:
    entries = [e for e in primary_entries(results) if e.get("confusion_matrix")]
    classes = list(results["meta"]["classes"])
    short = [c[:14] for c in classes]
    fig = make_subplots(rows=1, cols=len(entries), subplot_titles=[e["label"] for e in entries])
    for i, e in enumerate(entries, start=1):
        fig.add_trace(
            go.Heatmap(
                z=e["confusion_matrix"],
                x=short,
                y=short,
                colorscale="Blues",
                showscale=False,
                text=e["confusion_matrix"],
                texttemplate="%{text}",
            ),
            row=1,
            col=i,
        )
        fig.update_yaxes(autorange="reversed", row=1, col=i)
    fig.update_layout(
        title="Confusion matrices (rows: true, columns: predicted; first CV repeat, every document once)",
        height=440,
        template="plotly_white",
    )
    return fig


def projection_figure(results: dict, extras: dict) -> go.Figure | None:
    projections = extras.get("projections") or {}
    if not projections:
        return None
    labels = extras["labels"]
    methods = [m for m in ("tfidf_logreg", "minilm_logreg", "model2vec_logreg") if m in projections]
    names = {e["method"]: e["label"] for e in results["methods"]}
    fig = make_subplots(rows=1, cols=len(methods), subplot_titles=[names[m].split(" +")[0] for m in methods])
    for i, m in enumerate(methods, start=1):
        coords = projections[m]
        for j, cls in enumerate(extras["classes"]):
            idx = [r for r, lab in enumerate(labels) if lab == cls]
            fig.add_trace(
                go.Scattergl(
                    x=coords[idx, 0],
                    y=coords[idx, 1],
                    mode="markers",
                    name=cls,
                    legendgroup=cls,
                    showlegend=i == 1,
                    marker={"size": 4, "color": _palette(j)},
                ),
                row=1,
                col=i,
            )
    fig.update_layout(
        title="t-SNE projection coloured by true category (illustration only)",
        height=460,
        template="plotly_white",
    )
    return fig


def _palette(i: int) -> str:
    return ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9", "#999999"][i % 8]


CSS = """
body{font-family:system-ui,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}th,td{border:1px solid #ccc;padding:.3em .5em}
th{background:#f2f2f2}figure{margin:1.5em 0}.note{color:#555;font-size:.9em}
"""


def render_report(results: dict, extras: dict) -> str:
    meta = results["meta"]
    figures = [
        learning_curve_figure(results),
        cv_figure(results),
        clustering_figure(results),
        confusion_figure(results),
        projection_figure(results, extras),
    ]
    parts = []
    first = True
    for fig in figures:
        if fig is None:
            continue
        parts.append(
            "<figure>"
            + pio.to_html(fig, full_html=False, include_plotlyjs=first, config={"displayModeBar": False})
            + "</figure>"
        )
        first = False
    t = tables(results)
    quick = " (QUICK RUN: subset, not for conclusions)" if meta["quick"] else ""
    # Costs come from the cache metadata of the run that computed them, so a rerun reports cold costs.
    from_cache = (
        " Rerun entirely from the cache: every number is the one computed by the cold run that filled it."
        if meta["cache"]["misses"] == 0
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Veille benchmark report{quick}</title>
<style>{CSS}</style></head><body>
<h1>Sentence-transformer techniques vs bag-of-words{html.escape(quick)}</h1>
<p>Dataset <code>{html.escape(meta["dataset"])}</code>: {meta["n_docs"]} documents,
{len(meta["classes"])} classes.
Run time {meta["run_seconds"]} s (cache hits {meta["cache"]["hits"]}, misses {meta["cache"]["misses"]}).{from_cache}
CV: {meta["config"]["cv_repeats"]}×{meta["config"]["cv_folds"]}-fold stratified, C chosen by inner CV;
learning curve: {meta["config"]["curve_draws"]} nested draws, 30% held out, C by inner CV from
{meta["config"]["tune_min_per_class"]} per class (fixed C={meta["config"]["fixed_c"]} below).
Load average at start {meta.get("load_average_start")}, at end {meta.get("load_average_end")}.</p>
<h2>Summary</h2>{t["main"]}
<p class="note">Intervals on CV scores use the Nadeau–Bengio correction;
ARI/NMI intervals are over KMeans seeds.
s / 1000 docs: time to turn 1,000 raw texts into vectors (SetFit: prediction). SetFit is trained only at
few shots (CPU budget), so it has no full-data CV score.</p>
{"".join(parts[:1])}<h2>Learning curve (macro-F1)</h2>{t["curve"]}
{"".join(parts[1:])}
<h2>Robustness (macro-F1)</h2>{t["robust"]}
<h2>Most frequent confusions</h2>{t["errors"]}
<h2>Paired tests</h2>{t["tests"]}
<h2>Truncation (MiniLM word pieces, primary variant)</h2>{t["truncation"]}
<h2>Interpretability</h2><h3>TF-IDF: words that drive each category</h3>{t["terms"]}
<h3>Model2Vec: a word-level reading (document = mean of token vectors)</h3>{t["tokens"]}
<h3>Embeddings: nearest labelled neighbours where the two approaches disagree</h3>{t["neighbours"]}
</body></html>
"""


def write_report(results: dict, extras: dict, out_dir: Path) -> Path:
    path = Path(out_dir) / "report.html"
    path.write_text(render_report(results, extras), encoding="utf-8")
    return path
