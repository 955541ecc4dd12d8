"""Shared fixtures: paths to the real sample data and small synthetic artifact folders.

The real Home Credit rows are Kaggle competition data, not ours to redistribute: they are not in the
repository. Tests that need them run where ``SHARED_DATA`` (or ``../shared/data`` beside the project)
holds them, as on the team's machines and in CI, and are skipped with one reason everywhere else (a bare
clone). Every other test needs nothing outside the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# OpenMP threads that spin while they wait for a core stall XGBoost when browsers and servers share the two
# cores (set before xgboost loads libgomp; the scoring CLI sets the same).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data"))
HOME_CREDIT = SHARED_DATA / "home_credit"
REAL_TRAIN = HOME_CREDIT / "application_train_sample1000.csv"
REAL_TEST = HOME_CREDIT / "application_test_sample49.csv"
REAL_DATA_REASON = (
    "needs the real Home Credit sample (Kaggle data, not in the repository): "
    "set SHARED_DATA to the folder holding home_credit/ or place it at ../shared/data"
)


def pytest_report_header(config) -> str:
    found = REAL_TRAIN.is_file() and REAL_TEST.is_file()
    return f"real Home Credit sample: {HOME_CREDIT if found else 'absent, the tests that need it skip'}"


def real_sample(path: Path) -> Path:
    if not (REAL_TRAIN.is_file() and REAL_TEST.is_file()):
        pytest.skip(REAL_DATA_REASON)
    return path


@pytest.fixture(scope="session")
def real_train_path() -> Path:
    return real_sample(REAL_TRAIN)


@pytest.fixture(scope="session")
def real_test_path() -> Path:
    return real_sample(REAL_TEST)


@pytest.fixture(scope="session")
def kaggle_folder(tmp_path_factory, real_train_path, real_test_path) -> Path:
    """A folder shaped like the Kaggle download, pointing at the real sample files (no copy)."""
    folder = tmp_path_factory.mktemp("kaggle")
    (folder / "application_train.csv").symlink_to(real_train_path)
    (folder / "application_test.csv").symlink_to(real_test_path)
    return folder


@pytest.fixture(scope="session")
def synthetic_artifacts(tmp_path_factory) -> Path:
    """A small trained synthetic portfolio, shared by scoring and dashboard tests."""
    from scoring.loading import clean_anomalies
    from scoring.model import TrainConfig
    from scoring.pipeline import train_and_write
    from scoring.synthetic import generate_applications

    out = tmp_path_factory.mktemp("artifacts") / "synthetic"
    train, test = generate_applications(12_000, 1_500, seed=7)
    train_and_write(
        clean_anomalies(train)[0],
        clean_anomalies(test)[0],
        out,
        # One fold draw, one tree per round: the suite tests behaviour, not the model's last point of AUC.
        TrainConfig(seed=7, repeats=1, parallel_trees=1, final_tree_factor=1),
        data_source="synthetic",
        progress=lambda _: None,
    )
    return out


@pytest.fixture(scope="module")
def dash_app(synthetic_artifacts):
    """The dashboard on the small synthetic portfolio (one per test module: caches do not leak across modules)."""
    from app.config import Config
    from wsgi import create_app

    return create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False))


@pytest.fixture(scope="module")
def server(dash_app):
    """(base URL, portfolio) of the dashboard served on a loopback port for real-browser tests."""
    from tests.browser import AXE_JS, live_server

    if not AXE_JS.is_file():
        pytest.fail("axe-core missing: run `npm install` (make test does it)")
    with live_server(dash_app.server) as url:
        yield url, dash_app.server.config["services"].portfolio


@pytest.fixture(scope="module")
def postgres():
    """A real PostgreSQL server of its own for one test module (tests/postgres.py), removed at the end."""
    from tests.postgres import remove_server, start_server

    server = start_server()
    if server is None:
        pytest.skip("PostgreSQL server not installed (Debian: apt-get install postgresql; .ci/run does it)")
    yield server
    remove_server(server)
