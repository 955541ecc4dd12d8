"""The small synthetic portfolio of the test session (conftest's ``synthetic_artifacts``: same generator, same
seed) as an application file, loaded into a real PostgreSQL by ``scoring load-clients``."""

from __future__ import annotations

from pathlib import Path

from scoring.cli import main as cli

TRAIN, TEST = 12_000, 1_500  # conftest.synthetic_artifacts
SEED = 7


def write_portfolio_files(folder: Path) -> Path:
    """application_train.csv and application_test.csv of the artifacts' clients (before cleaning, as a user has them)."""
    from scoring.synthetic import generate_applications

    folder.mkdir(parents=True, exist_ok=True)
    train, test = generate_applications(TRAIN, TEST, seed=SEED)
    train.to_csv(folder / "application_train.csv", index=False)
    test.to_csv(folder / "application_test.csv", index=False)
    return folder


def load(data: Path, url: str, artifacts: Path, *extra: str) -> int:
    return cli(["load-clients", "--data", str(data), "--database-url", url, "--artifacts", str(artifacts), *extra])


def table_digest(connection, relation: str = "clients") -> tuple[int, str]:
    """(rows, md5 of every row in id order): two loads of the same input give the same pair."""
    return connection.execute(
        f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t.\"SK_ID_CURR\")) FROM {relation} t"
    ).fetchone()
