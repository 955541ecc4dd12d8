"""Command line: ``python -m scoring {train,predict,score,explain,fairness,whatif,advise,synthesize,profile}``.

Every expected failure (bad path, bad data, unknown client, broken artifacts) prints one line on
stderr and exits with code 2; no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.errors import ScoringError
from scoring.ids import parse_client_id

EXIT_USAGE = 2


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _positive(text: str) -> float:
    value = float(text)
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _share(text: str) -> float:
    try:
        value = float(text.strip().rstrip("%").strip().replace(",", ".")) / (100 if text.strip().endswith("%") else 1)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a share between 0 and 1 (e.g. 0.35 or 35%), got {text}")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value < 0.9:
        raise argparse.ArgumentTypeError(f"must be a fraction from 0 to 0.9, got {text}")
    return value


def _folds(text: str) -> int:
    value = int(text)
    if not 2 <= value <= 20:
        raise argparse.ArgumentTypeError(f"must be from 2 to 20, got {text}")
    return value


def _protected(text: str) -> tuple[str, ...]:
    """``CODE_GENDER,NAME_FAMILY_STATUS`` -> names; ``none`` (or nothing) -> no protected field."""
    from scoring.fields import FIELDS

    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip() and n.strip().lower() != "none"))
    unknown = [n for n in names if n not in FIELDS or not FIELDS[n].raw]
    if unknown:
        raise argparse.ArgumentTypeError(f"not a column of the application table: {', '.join(unknown)}")
    return names


def _assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected FIELD=VALUE, got {text!r}")
    return name.strip(), value.strip()


def _reading_options(parser: argparse.ArgumentParser) -> None:
    """Options of every command that reads client data (detected automatically unless given)."""
    group = parser.add_argument_group("reading the data (detected automatically unless given)")
    group.add_argument("--sep", default=None, help="CSV field separator, e.g. ';' (default: detected)")
    group.add_argument("--decimal", default=None, choices=(".", ","), help="decimal mark (default: detected)")
    group.add_argument("--encoding", default=None, help="e.g. utf-8, cp1252, latin-1 (default: detected)")
    group.add_argument(
        "--on-bad-rows",
        default="error",
        choices=("error", "skip"),
        help="rows that fail validation: stop with the first one (default), or set them aside in a side file "
        "(--rejected) and go on",
    )
    group.add_argument(
        "--rejected", type=Path, default=None, metavar="CSV", help="side file of rows set aside (default: beside --out)"
    )


def _read_options(args: argparse.Namespace):
    from scoring.reading import ReadOptions

    sep = {"tab": "\t", "\\t": "\t"}.get(args.sep, args.sep) if args.sep else None
    if args.encoding:
        import codecs

        try:
            codecs.lookup(args.encoding)
        except LookupError:
            raise ScoringError(f"unknown encoding {args.encoding!r}") from None
    return ReadOptions(sep=sep, decimal=args.decimal, encoding=args.encoding)


def _report_loaded(args: argparse.Namespace, loaded, default_rejected: Path) -> None:
    """Say how the file was read, and write the rows set aside (never dropped silently)."""
    name = getattr(args.data, "name", str(args.data))
    _progress(f"{name}: {loaded.fmt.describe()}, {len(loaded.frame):,} rows")
    if len(loaded.rejected):
        path = args.rejected or default_rejected
        path.parent.mkdir(parents=True, exist_ok=True)
        loaded.rejected.to_csv(path, index=False)
        _progress(f"{name}: {len(loaded.rejected):,} rows fail validation, set aside with their reason in {path}")


def _train_command(sub) -> None:
    train = sub.add_parser("train", help="train the model and write the artifact folder")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="folder with application_train.csv (and optionally application_test.csv)")
    source.add_argument("--synthetic", type=_count, metavar="N", help="train on N synthetic clients")
    train.add_argument(
        "--synthetic-test",
        type=int,
        default=None,
        metavar="N",
        help="synthetic unlabelled clients added to the portfolio (default: N * 48744/307511)",
    )
    train.add_argument("--out", type=Path, required=True, help="artifact folder to write")
    _reading_options(train)
    train.add_argument("--cost-fn", type=_positive, default=10.0, help="cost of accepting a defaulter (default 10)")
    train.add_argument("--cost-fp", type=_positive, default=1.0, help="cost of refusing a good client (default 1)")
    train.add_argument("--seed", type=int, default=42)
    train.add_argument(
        "--holdout",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="share of the labelled clients set aside, never used for training, calibration or threshold, "
        "and measured at the end (default 0: every client is measured out of fold)",
    )
    train.add_argument(
        "--folds",
        type=_folds,
        default=None,
        metavar="K",
        help="cross-validation folds (default: 5, or 3 past 100,000 clients)",
    )
    train.add_argument(
        "--no-comparison",
        action="store_true",
        help="skip the plain baseline and the second-seed stability run (faster; metrics.json then lacks them)",
    )
    train.add_argument(
        "--protected",
        type=_protected,
        default=None,
        metavar="COLUMNS",
        help="comma-separated columns the model must never use, nor anything computed from them "
        "(default: CODE_GENDER,NAME_FAMILY_STATUS; 'none' for no protected column); kept for the fairness audit",
    )
    engine = train.add_argument_group("engine (dask: xgboost.dask on a Dask cluster, one validation and one test set)")
    engine.add_argument("--engine", choices=("local", "dask"), default="local")
    engine.add_argument("--scheduler", default=None, metavar="ADDRESS", help="tcp://HOST:8786 of a Dask cluster")
    engine.add_argument("--workers", type=_count, default=2, help="workers of the local Dask cluster (default 2)")
    engine.add_argument(
        "--partition-rows",
        type=_count,
        default=250_000,
        metavar="N",
        help="clients per synthetic partition generated on the workers (--engine dask --synthetic)",
    )


def _predict_command(sub) -> None:
    predict = sub.add_parser("predict", help="score a CSV in the application schema")
    predict.add_argument("--artifacts", type=Path, required=True)
    predict.add_argument("--data", type=Path, required=True, help="CSV (TARGET optional)")
    predict.add_argument("--out", type=Path, required=True, help="CSV to write: SK_ID_CURR, probability, decision")
    _reading_options(predict)


def _score_command(sub) -> None:
    score = sub.add_parser("score", help="score a file of clients with decisions and reasons (any size, flat memory)")
    score.add_argument("--artifacts", type=Path, required=True)
    score.add_argument("--data", type=Path, required=True, help="CSV or Parquet (file or folder of partitions)")
    score.add_argument("--out", type=Path, required=True, help="OUT.parquet or OUT.csv (.csv.gz)")
    score.add_argument("--engine", choices=("local", "dask"), default="local")
    score.add_argument("--scheduler", default=None, metavar="ADDRESS", help="tcp://HOST:8786 of a Dask cluster")
    score.add_argument("--workers", type=_count, default=2, help="workers of the local Dask cluster (default 2)")
    score.add_argument("--chunk-rows", type=_count, default=100_000, metavar="N", help="clients per chunk (default 100,000)")
    _reading_options(score)


def _explain_command(sub) -> None:
    explain = sub.add_parser("explain", help="explain the decision for one portfolio client")
    explain.add_argument("--artifacts", type=Path, required=True)
    explain.add_argument("--client", required=True, help="SK_ID_CURR")
    explain.add_argument("--json", action="store_true", help="print a JSON object")
    explain.add_argument("--top", type=_count, default=10, help="contributions shown without --json")


def _fairness_command(sub) -> None:
    fairness = sub.add_parser("fairness", help="fairness audit by sex, age band and family status")
    fairness.add_argument("--artifacts", type=Path, required=True)
    fairness.add_argument(
        "--data",
        type=Path,
        default=None,
        help="labelled CSV in the application schema (default: the audit stored at training)",
    )
    fairness.add_argument("--json", action="store_true", help="print a JSON object")
    _reading_options(fairness)
    fairness.add_argument("--n-boot", type=_count, default=None, metavar="N", help="bootstrap resamples (default 1000)")
    fairness.add_argument("--seed", type=int, default=0)


def _whatif_command(sub) -> None:
    whatif = sub.add_parser("whatif", help="score a portfolio client with other credit terms or corrected data")
    whatif.add_argument("--artifacts", type=Path, required=True)
    whatif.add_argument("--client", required=True, help="SK_ID_CURR")
    whatif.add_argument(
        "--set",
        dest="changes",
        action="append",
        default=[],
        type=_assignment,
        metavar="FIELD=VALUE",
        help="a credit term (AMT_CREDIT, CREDIT_DURATION_MONTHS or AMT_ANNUITY, AMT_GOODS_PRICE, NAME_CONTRACT_TYPE) "
        "or a declared value (AMT_INCOME_TOTAL, DAYS_EMPLOYED, CNT_FAM_MEMBERS, CNT_CHILDREN); repeatable",
    )
    whatif.add_argument("--json", action="store_true", help="print a JSON object")


def _advise_command(sub) -> None:
    advise = sub.add_parser("advise", help="smallest changes of the credit terms that get a client granted")
    advise.add_argument("--artifacts", type=Path, required=True)
    advise.add_argument("--client", required=True, help="SK_ID_CURR")
    advise.add_argument("--json", action="store_true", help="print a JSON object")
    advise.add_argument(
        "--max-effort-rate",
        type=_share,
        default=None,
        help="largest monthly instalment / monthly income an option may have (default: MAX_EFFORT_RATE or 0.35)",
    )


def _synthesize_command(sub) -> None:
    synth = sub.add_parser("synthesize", help="write a synthetic portfolio in the Kaggle schema (CSV or Parquet)")
    synth.add_argument("--train", type=_count, default=307_511)
    synth.add_argument("--test", type=int, default=48_744)
    synth.add_argument(
        "--clients",
        type=_count,
        default=None,
        metavar="N",
        help="a portfolio of N clients of any size, written partition by partition with flat memory "
        "(labelled and unlabelled at Kaggle's proportion; replaces --train/--test)",
    )
    synth.add_argument("--format", choices=("csv", "parquet"), default="csv", help="with --clients (default csv)")
    synth.add_argument(
        "--partition-rows", type=_count, default=250_000, metavar="N", help="clients per partition, with --clients"
    )
    synth.add_argument("--out", type=Path, required=True)
    synth.add_argument("--seed", type=int, default=42)
    synth.add_argument("--gzip", action="store_true", help="write .csv.gz")


def _profile_command(sub) -> None:
    profile = sub.add_parser("profile", help="rebuild the synthetic generator's profile from a real sample")
    profile.add_argument("--data", type=Path, required=True, help="application_train-like CSV with TARGET")
    profile.add_argument("--out", type=Path, default=None)
    _reading_options(profile)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scoring", description="Credit default scoring.")
    sub = parser.add_subparsers(dest="command", required=True)
    # One function per subcommand, in the order the help lists them.
    _train_command(sub)
    _predict_command(sub)
    _score_command(sub)
    _explain_command(sub)
    _fairness_command(sub)
    _whatif_command(sub)
    _advise_command(sub)
    _synthesize_command(sub)
    _profile_command(sub)
    _load_clients_command(sub)
    return parser


def _load_clients_command(sub) -> None:
    load = sub.add_parser("load-clients", help="load a file of clients into PostgreSQL (a new version, switched at once)")
    load.add_argument("--data", type=Path, required=True, help="Kaggle folder, CSV or Parquet (file or partitions)")
    load.add_argument("--database-url", default=os.environ.get("CLIENTS_DATABASE_URL", ""), metavar="URL",
                      help="PostgreSQL URL (default: $CLIENTS_DATABASE_URL; postgres:// accepted)")
    load.add_argument("--artifacts", type=Path, default=Path("artifacts/default"), help="model that scores the rows")
    load.add_argument("--chunk-rows", type=_count, default=100_000, metavar="N", help="clients per chunk (default 100,000)")


def cmd_load_clients(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from scoring.artifacts import Artifacts
    from scoring.stores.pg_load import input_files, load_clients

    if not args.database_url:
        raise ScoringError("no database: give --database-url or set CLIENTS_DATABASE_URL")
    input_files(args.data)  # a missing file fails before the model loads
    artifacts = Artifacts(args.artifacts)
    with tqdm(unit=" clients", unit_scale=True, file=sys.stderr, disable=None) as bar:
        result = load_clients(args.data, args.database_url, artifacts, rows=args.chunk_rows, progress=bar.update)
    served = f"model {result.model_version}, {result.seconds:.1f} s"
    _progress(f"{result.clients:,} clients in {result.table}, now served ({served})")
    return 0


def write_atomically(path: Path, write) -> None:
    """Write through a temporary file renamed at the end: a failure never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        write(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def cmd_train(args: argparse.Namespace) -> int:
    from scoring.loading import clean_anomalies, read_kaggle_folder
    from scoring.model import TrainConfig
    from scoring.pipeline import train_and_write
    from scoring.synthetic import KAGGLE_TEST_ROWS, KAGGLE_TRAIN_ROWS, generate_applications

    config = TrainConfig(
        cost_fn=args.cost_fn,
        cost_fp=args.cost_fp,
        seed=args.seed,
        holdout=args.holdout,
        folds=args.folds,
        baseline=not args.no_comparison,
        stability=not args.no_comparison,
    )
    if args.protected is not None:
        config = replace(config, protected=args.protected)
    if args.engine == "dask":
        return _train_dask(args, config)
    started = time.perf_counter()
    if args.synthetic:
        n_test = args.synthetic_test
        if n_test is None:
            n_test = round(args.synthetic * KAGGLE_TEST_ROWS / KAGGLE_TRAIN_ROWS)
        _progress(f"Generating a synthetic portfolio: {args.synthetic:,} labelled + {n_test:,} unlabelled clients")
        train, test = generate_applications(args.synthetic, n_test, seed=args.seed)
        train, _ = clean_anomalies(train)
        test, _ = clean_anomalies(test)
        source = "synthetic"
    else:
        _progress(f"Reading {args.data}")
        loaded_train, loaded_test = read_kaggle_folder(args.data, _read_options(args), args.on_bad_rows)
        rejected = args.out.with_name(f"{args.out.name}.rejected.csv")
        _report_loaded(args, loaded_train, rejected)
        train, test = loaded_train.frame, None
        if loaded_test is not None:
            _report_loaded(args, loaded_test, args.out.with_name(f"{args.out.name}.rejected-test.csv"))
            test = loaded_test.frame
        source = "kaggle"
    train_and_write(
        train, test if test is not None and len(test) else None, args.out, config, data_source=source, progress=_progress
    )
    _progress(f"Done in {time.perf_counter() - started:.1f} s")
    return 0


def _train_dask(args: argparse.Namespace, config) -> int:
    from scoring.engines import dask_training
    from scoring.engines.cluster import ClusterSpec
    from scoring.synthetic import KAGGLE_TEST_ROWS, KAGGLE_TRAIN_ROWS

    if args.holdout or args.folds:
        raise ScoringError("--holdout and --folds apply to the local engine; the Dask engine holds out its own test set")
    if any(getattr(args, name) for name in ("sep", "decimal", "encoding")):
        raise ScoringError("--sep/--decimal/--encoding apply to CSV; the Dask engine reads Parquet partitions")
    started = time.perf_counter()
    if args.synthetic:
        n_test = args.synthetic_test
        if n_test is None:
            n_test = round(args.synthetic * KAGGLE_TEST_ROWS / KAGGLE_TRAIN_ROWS)
        sources = dask_training.synthetic_sources(args.synthetic, max(n_test, 0), args.seed, args.partition_rows)
        _progress(f"Synthetic portfolio generated on the workers: {args.synthetic:,} labelled + {n_test:,} unlabelled")
        source = "synthetic"
    else:
        sources = dask_training.folder_sources(args.data)
        source = "kaggle"
    spec = ClusterSpec(scheduler=args.scheduler, workers=args.workers)
    dask_training.train_and_write(
        sources, args.out, config, data_source=source, spec=spec, on_bad_rows=args.on_bad_rows, progress=_progress
    )
    _progress(f"Done in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from scoring.artifacts import Artifacts
    from scoring.loading import read_application
    from scoring.model import margin
    from scoring.schema import ID_COLUMN

    artifacts = Artifacts(args.artifacts)
    loaded = read_application(args.data, require_target=None, options=_read_options(args), on_bad_rows=args.on_bad_rows)
    _report_loaded(args, loaded, args.out.with_name(f"{args.out.stem}.rejected.csv"))
    frame = loaded.frame
    features = artifacts.transform.transform(frame)
    proba = artifacts.decision.platt.proba(margin(artifacts.booster, features))
    threshold = artifacts.decision.threshold
    out = pd.DataFrame(
        {
            ID_COLUMN: frame[ID_COLUMN].to_numpy(),
            "probability": np.round(proba, 6),
            "decision": np.where(proba >= threshold, "refused", "granted"),
        }
    )
    write_atomically(args.out, lambda path: out.to_csv(path, index=False))
    _progress(f"Scored {len(out):,} clients -> {args.out} ({(proba >= threshold).mean():.1%} refused)")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from scoring.artifacts import Artifacts
    from scoring.engines import cluster, local
    from scoring.engines.output import output_kind
    from scoring.reading import count_rows, detect

    output_kind(args.out)  # a wrong suffix fails before any work
    artifacts = Artifacts(args.artifacts)
    options = _read_options(args)
    total = count_rows(args.data, detect(args.data, options))
    rejected = args.rejected or args.out.with_name(f"{args.out.name.split('.')[0]}.rejected.csv")
    common = {"rejected": rejected, "options": options, "on_bad_rows": args.on_bad_rows, "chunk_rows": args.chunk_rows}
    started = time.perf_counter()
    with tqdm(total=total, unit=" clients", unit_scale=True, file=sys.stderr, disable=None) as bar:
        if args.engine == "dask":
            spec = cluster.ClusterSpec(scheduler=args.scheduler, workers=args.workers)
            tally = cluster.score_file(artifacts, args.data, args.out, spec=spec, progress=bar.update, **common)
        else:
            tally = local.score_file(artifacts, args.data, args.out, progress=bar.update, **common)
    _progress(f"{args.data.name}: {tally.described}")
    if tally.rejected:
        _progress(f"{tally.rejected:,} rows fail validation, set aside with their reason in {rejected}")
    _progress(f"{tally.line()} -> {args.out} ({args.engine} engine, {time.perf_counter() - started:.1f} s)")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from scoring.artifacts import Artifacts
    from scoring.portfolio import Portfolio
    from scoring.reasons import family_reasons

    portfolio = Portfolio(Artifacts(args.artifacts))
    client = portfolio.explanation(parse_client_id(args.client))
    families = family_reasons(client)
    if args.json:
        reasons = [
            {
                "family": r.key,
                "points": r.points,
                "contribution": r.contribution,
                "missing": r.missing,
                "features": r.features,
            }
            for r in families
        ]
        print(json.dumps({**client.to_json(), "families": reasons}, indent=2, ensure_ascii=False))
        return 0
    print(
        f"Client {client.client_id}: probability of default {client.probability:.1%}, "
        f"threshold {client.threshold:.1%} -> {client.decision}"
    )
    print("Reason families (percentage points of probability, adding up from the average client):")
    for r in families:
        print(f"  {100 * r.points:+6.1f} pt  {r.key}{'  (not provided)' if r.missing else ''}")
    print("Features (calibrated log-odds):")
    for name, value in client.top_contributions(args.top):
        print(f"  {value:+.4f}  {name}")
    return 0


def cmd_fairness(args: argparse.Namespace) -> int:
    from scoring.artifacts import Artifacts
    from scoring.errors import ArtifactError
    from scoring.fairness import N_BOOT, as_text, audit_frame

    artifacts = Artifacts(args.artifacts)
    if args.data is None:
        result = artifacts.fairness
        if result is None:
            raise ArtifactError(f"{args.artifacts}: no stored fairness audit (retrain, or give --data FILE)")
    else:
        from scoring.loading import read_application

        loaded = read_application(args.data, require_target=True, options=_read_options(args), on_bad_rows=args.on_bad_rows)
        _report_loaded(args, loaded, args.data.with_name(f"{args.data.stem}.rejected.csv"))
        frame = loaded.frame
        _progress(f"Scoring and auditing {len(frame):,} labelled clients from {args.data.name}")
        result = audit_frame(artifacts, frame, n_boot=args.n_boot or N_BOOT, seed=args.seed)
        result["data"] = args.data.name
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print(as_text(result))
    return 0


def _simulation(args: argparse.Namespace):
    from scoring.affordability import MAX_EFFORT_RATE
    from scoring.artifacts import Artifacts
    from scoring.portfolio import Portfolio
    from scoring.simulate import Application, Simulator

    artifacts = Artifacts(args.artifacts)
    portfolio = Portfolio(artifacts)
    rate = getattr(args, "max_effort_rate", None)
    if rate is None:
        try:
            rate = _share(os.environ["MAX_EFFORT_RATE"]) if os.environ.get("MAX_EFFORT_RATE") else MAX_EFFORT_RATE
        except (ValueError, argparse.ArgumentTypeError) as exc:
            raise ScoringError(f"MAX_EFFORT_RATE {exc}") from None
    simulator = Simulator(artifacts, rate)
    return simulator, Application.from_portfolio(portfolio, parse_client_id(args.client))


def cmd_whatif(args: argparse.Namespace) -> int:
    from scoring.simulate import simulate

    if not args.changes:
        raise ScoringError("nothing to simulate: give at least one --set FIELD=VALUE")
    simulator, application = _simulation(args)
    changes = dict(args.changes)
    if len(changes) != len(args.changes):
        raise ScoringError("a field is set twice")
    outcome = simulate(simulator, application, changes)
    if args.json:
        print(json.dumps(outcome.to_json(), indent=2, ensure_ascii=False))
        return 0
    before, after = outcome.before, outcome.after
    print(
        f"Client {before.client_id}: probability of default {before.probability:.1%} ({before.decision}) -> "
        f"{after.probability:.1%} ({after.decision}{', grey zone' if after.in_grey_zone else ''})"
    )
    for name, change in outcome.changed.items():
        print(f"  {name}: {change['before']} -> {change['after']}")
    return 0


def cmd_advise(args: argparse.Namespace) -> int:
    from scoring.advice import advise

    simulator, application = _simulation(args)
    advice = advise(simulator, application)
    if args.json:
        print(json.dumps(advice.to_json(), indent=2, ensure_ascii=False))
        return 0
    print(f"Client {advice.client_id}: probability of default {advice.probability:.1%} ({advice.decision})")
    for option in advice.options:
        changes = ", ".join(f"{k}={v:g}" for k, v in option.changes.items())
        effort = "" if option.effort_rate is None else f", effort rate {option.effort_rate:.1%}"
        print(
            f"  {option.kind}: {changes} -> {option.probability:.1%} ({option.decision}); "
            f"monthly instalment {option.annuity:,.0f}{effort}"
        )
    if not advice.options:
        print(f"  {advice.message()}")
    return 0


def cmd_synthesize(args: argparse.Namespace) -> int:
    from scoring.synthetic import generate_applications

    if args.clients is not None:
        return _synthesize_partitions(args)
    started = time.perf_counter()
    train, test = generate_applications(args.train, max(args.test, 0), seed=args.seed)
    generated = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = ".csv.gz" if args.gzip else ".csv"
    train.to_csv(args.out / f"application_train{suffix}", index=False)
    if len(test):
        test.to_csv(args.out / f"application_test{suffix}", index=False)
    _progress(
        f"Generated {len(train):,} + {len(test):,} clients in {generated:.1f} s, "
        f"written in {time.perf_counter() - started - generated:.1f} s to {args.out}"
    )
    return 0


def _synthesize_partitions(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from scoring import synthetic_partitions as partitions

    if args.gzip:
        raise ScoringError("--gzip applies to --train/--test; with --clients use --format parquet (compressed)")
    parts = partitions.plan(args.clients, seed=args.seed, partition_rows=args.partition_rows)
    started = time.perf_counter()
    with tqdm(total=args.clients, unit=" clients", unit_scale=True, file=sys.stderr, disable=None) as bar:
        written = partitions.write(parts, args.out, args.format, progress=lambda part: bar.update(part.rows))
    _progress(
        f"Generated {args.clients:,} clients in {len(parts)} partitions in {time.perf_counter() - started:.1f} s: "
        + ", ".join(str(path) for path in written.values())
    )
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    from scoring.loading import read_checked, validate_rows
    from scoring.synthetic_profile import PROFILE_PATH, build_profile, write_profile

    frame, fmt = read_checked(args.data, _read_options(args))
    sample, rejected = validate_rows(
        frame, name=args.data.name, require_target=True, on_bad_rows=args.on_bad_rows, locate=fmt.locate
    )
    if len(rejected):
        _progress(f"{args.data.name}: {len(rejected):,} rows fail validation and are left out of the profile")
    out = args.out or PROFILE_PATH
    write_profile(build_profile(sample), out)
    _progress(f"Profile of {len(sample):,} clients written to {out}")
    return 0


COMMANDS = {
    "train": cmd_train,
    "predict": cmd_predict,
    "score": cmd_score,
    "explain": cmd_explain,
    "fairness": cmd_fairness,
    "whatif": cmd_whatif,
    "advise": cmd_advise,
    "synthesize": cmd_synthesize,
    "profile": cmd_profile,
    "load-clients": cmd_load_clients,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScoringError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head`: not an error
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
