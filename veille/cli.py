"""Command line: `python -m veille run ...` and `python -m veille render ...`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from veille.data import DEFAULT_LABEL_COL, DEFAULT_NAME_COL, DEFAULT_TEXT_COL
from veille.errors import VeilleError

# The Flipkart sample vendored in the repository (CC BY-SA 4.0, see data/flipkart/README.md).
VENDORED_FLIPKART = Path(__file__).resolve().parents[1] / "data" / "flipkart" / "flipkart_com-ecommerce_sample_1050.csv"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pret-a-depenser" / "veille"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m veille", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the benchmark, write results.json and report.html")
    run.add_argument(
        "--data",
        default=str(VENDORED_FLIPKART),
        help="labelled CSV (default: the Flipkart sample vendored in data/flipkart/)",
    )
    run.add_argument("--out", required=True, help="output directory")
    run.add_argument("--text-col", default=DEFAULT_TEXT_COL, help=f"text column (default {DEFAULT_TEXT_COL})")
    run.add_argument(
        "--label-col",
        default=DEFAULT_LABEL_COL,
        help=f"label column (default {DEFAULT_LABEL_COL}; a category tree gives its first level)",
    )
    run.add_argument(
        "--name-col",
        default=None,
        help=f"optional name column prepended to the text as a second variant (default {DEFAULT_NAME_COL} if present)",
    )
    run.add_argument("--cache", default=None, help=f"cache directory (default {default_cache_dir()})")
    run.add_argument("--quick", action="store_true", help="subset, fewer repeats, tiny SetFit run (CI)")
    run.add_argument(
        "--methods",
        default=None,
        help="comma-separated methods to run (tfidf, char, minilm, model2vec, e5, setfit, zeroshot; default all); "
        "'-setfit' skips one; TF-IDF, the baseline, always runs",
    )

    render = sub.add_parser("render", help="fill the methodological note and the slides from results.json")
    render.add_argument("--results", required=True, help="results.json of a full run")
    render.add_argument("--note", default="docs/note_methodologique.md", help="output Markdown note")
    render.add_argument("--slides", default="docs/presentation/index.html", help="output HTML slides")
    render.add_argument(
        "--readme",
        default="docs/veille_results/README_section.md",
        help="output Markdown: the README's technology-watch section",
    )
    return parser


def _echo(message: str) -> None:
    print(f"[veille] {message}", file=sys.stderr, flush=True)


def _run(args: argparse.Namespace) -> int:
    from veille.context import RunSettings
    from veille.pipeline import run
    from veille.report import write_report
    from veille.selection import parse_methods

    out = Path(args.out)
    settings = RunSettings(
        data_path=Path(args.data),
        cache_dir=Path(args.cache) if args.cache else default_cache_dir(),
        text_col=args.text_col,
        label_col=args.label_col,
        name_col=args.name_col or DEFAULT_NAME_COL,
        require_name=args.name_col is not None,
        quick=args.quick,
        methods=parse_methods(args.methods),
    )
    results, extras = run(settings, echo=_echo)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    write_report(results, extras, out)
    _echo(f"wrote {out / 'results.json'} and {out / 'report.html'} in {results['meta']['run_seconds']} s")
    return 0


def _render(args: argparse.Namespace) -> int:
    path = Path(args.results)
    if not path.is_file():
        raise VeilleError(f"results file not found: {path}")
    from veille.render import render_documents

    for written in render_documents(
        json.loads(path.read_text(encoding="utf-8")), Path(args.note), Path(args.slides), path.parent, Path(args.readme)
    ):
        _echo(f"wrote {written}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args) if args.command == "run" else _render(args)
    except VeilleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
