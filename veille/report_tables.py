"""report.html's tables (HTML, escaped) from the results."""

from __future__ import annotations

import html


def primary_entries(results: dict) -> list[dict]:
    primary = results["meta"]["primary_variant"]
    return [e for e in results["methods"] if e["variant"] == primary]


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th scope='col'>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e-3 and value != 0 else f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def _curve_cell(point: dict) -> str:
    return f"{point['macro_f1_mean']:.3f} ± {point['macro_f1_ci95'] or 0:.3f} (n={point['n_draws']})"


MAIN_HEADERS = [
    "method",
    "variant",
    "macro-F1",
    "±95%",
    "accuracy",
    "ARI",
    "±95%",
    "NMI",
    "s / 1000 docs",
    "latency (ms)",
    "peak RSS (MB)",
    "installed (MB)",
]


def _main_table(results: dict) -> str:
    return _table(
        MAIN_HEADERS,
        [
            [
                e["label"],
                e["variant"],
                e["macro_f1_mean"],
                e["macro_f1_ci95"],
                e["accuracy_mean"],
                e["ari_mean"],
                e.get("ari_ci95"),
                e.get("nmi_mean"),
                e["seconds_per_1000_docs"],
                e.get("latency_ms_median"),
                e["peak_rss_mb"],
                e.get("installed_mb"),
            ]
            for e in results["methods"]
        ],
    )


def _stripped_f1(results: dict, method: str) -> float | None:
    stripped = results["meta"].get("stripped_variant")
    return next((x["macro_f1_mean"] for x in results["methods"] if x["method"] == method and x["variant"] == stripped), None)


def _robustness_table(results: dict) -> str:
    return _table(
        ["method", "plain CV", "near-duplicates grouped", "boilerplate stripped"],
        [
            [
                e["label"],
                e["macro_f1_mean"],
                (e.get("cv_grouped") or {}).get("macro_f1_mean"),
                _stripped_f1(results, e["method"]),
            ]
            for e in primary_entries(results)
            if e["macro_f1_mean"] is not None
        ],
    )


def _errors_table(results: dict) -> str:
    return _table(
        ["method", "true", "predicted as", "count", "examples"],
        [
            [m, c["true"], c["predicted"], c["count"], " | ".join(c["examples"])]
            for m, ce in results.get("class_errors", {}).items()
            for c in ce["confusions"]
        ],
    )


def _curve_table(results: dict) -> str:
    primary = primary_entries(results)
    ks = sorted({k for e in primary for k in e["learning_curve"]}, key=int)
    return _table(
        ["method"] + [f"{k}/class" for k in ks],
        [
            [e["label"]] + [_curve_cell(e["learning_curve"][k]) if k in e["learning_curve"] else None for k in ks]
            for e in primary
        ],
    )


def _tests_table(results: dict) -> str:
    return _table(
        ["task", "shots", "A", "B", "variants", "mean diff (A−B)", "t", "p", "test"],
        [
            [
                c["task"],
                c.get("shots"),
                c["a"],
                c["b"],
                c["variant_a"] if c["variant_a"] == c["variant_b"] else f"{c['variant_a']} vs {c['variant_b']}",
                c["mean_difference"],
                c["t"],
                c["p_value"],
                c["test"],
            ]
            for c in results["comparisons"]
        ],
    )


def _truncation_table(results: dict) -> str:
    trunc = results["data"]["truncation"]
    return _table(
        ["docs", "mean tokens", "median", "90th pct", "max"] + [f"> {k} tokens" for k in trunc["truncated"]],
        [
            [
                trunc["n_docs"],
                trunc["mean_tokens"],
                trunc["median_tokens"],
                trunc["p90_tokens"],
                trunc["max_tokens"],
            ]
            + [f"{v} ({100 * trunc['truncated_share'][k]:.1f}%)" for k, v in trunc["truncated"].items()]
        ],
    )


def _weights_table(header: str, weights: dict) -> str:
    return _table(["category", header], [[cls, ", ".join(f"{t} ({w})" for t, w in words)] for cls, words in weights.items()])


def _neighbours_table(results: dict) -> str:
    interpretability = results["interpretability"]
    return _table(
        [
            "text",
            "true",
            "TF-IDF says",
            f"{interpretability.get('neighbours_method', 'embedding')} says",
            "3 nearest neighbours (label, cosine)",
        ],
        [
            [
                n["text"],
                n["true"],
                n["tfidf_pred"],
                n["embedding_pred"],
                "; ".join(f"{m['label']} ({m['similarity']})" for m in n["neighbours"]),
            ]
            for n in interpretability["neighbours"]
        ],
    )


def tables(results: dict) -> dict[str, str]:
    """The report's HTML tables, by name."""
    interpretability = results["interpretability"]
    return {
        "main": _main_table(results),
        "curve": _curve_table(results),
        "tests": _tests_table(results),
        "truncation": _truncation_table(results),
        "terms": _weights_table("top TF-IDF terms (logistic-regression coefficient)", interpretability["tfidf_top_terms"]),
        "tokens": _weights_table(
            "top Model2Vec tokens (w_class · e_token, centred)", interpretability.get("model2vec_top_tokens", {})
        ),
        "neighbours": _neighbours_table(results),
        "robust": _robustness_table(results),
        "errors": _errors_table(results),
    }
