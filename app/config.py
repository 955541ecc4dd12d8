"""Configuration from environment variables (12-factor: the same code runs locally and on Heroku)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from layouts.formatting import CURRENCY_VARIABLE, check_currency
from layouts.i18n import LANGUAGES
from scoring.affordability import AMOUNT, INSTALMENT, MAX_EFFORT_RATE, MONTHS

ROOT = Path(__file__).resolve().parents[1]
# "production" requires advisor logins; "development" runs without (and says so). Anything else is a
# typo that must not silently run without login (APP_ENV=prod, Production, ...).
APP_ENVS = ("development", "production")
LENDER_NAME = "Prêt à dépenser"


class ConfigError(ValueError):
    """A setting the app cannot run with. One line, never a secret: entry points print it and exit."""


@dataclass(frozen=True)
class Config:
    artifacts_dir: Path = ROOT / "artifacts" / "default"
    language: str = "fr"  # default UI language; users switch with the header link
    env: str = "development"  # APP_ENV, one of APP_ENVS: "production" turns on login and strict settings
    cache_type: str = "SimpleCache"  # SimpleCache (per process), FileSystemCache or RedisCache
    cache_dir: str = ""
    redis_url: str = ""
    cache_timeout: int = 3600
    build_default: bool = True  # build the synthetic default portfolio when no artifacts exist
    default_clients: int = 307_511  # full Kaggle scale (+ 48,744 unlabelled clients)
    # Security (app/security/). Secrets never appear in repr(), hence never in logs.
    secret_key: str = field(default="", repr=False)  # SECRET_KEY: signs the session cookie
    advisor_credentials: str = field(default="", repr=False)  # ADVISOR_CREDENTIALS: "name:hash;name:hash"
    audit_log_path: str = ""  # AUDIT_LOG_PATH: optional JSON-lines file, besides the "audit" logger
    session_hours: float = 8.0  # SESSION_HOURS: an advisor logs in again after this
    # DATABASE_URL: PostgreSQL for the human reviews (Heroku Postgres sets it); empty = an SQLite file.
    database_url: str = field(default="", repr=False)  # may hold a password
    # CLIENTS_DATABASE_URL: PostgreSQL holding the clients (scoring load-clients); empty = the artifact's portfolio.
    clients_database_url: str = field(default="", repr=False)
    # Money (README, "Money"). CURRENCY: ISO 4217 code the data's amounts are in ("EUR"); empty = the data's own
    # unit, shown as plain numbers. MAX_EFFORT_RATE: the largest instalment / income the lender accepts.
    currency: str = ""  # validated from the environment; layouts.formatting reads the same variable when rendering
    max_effort_rate: float = MAX_EFFORT_RATE
    # Product bounds, "LOW-HIGH"; unset = the data's central percentiles (scoring/affordability.py).
    product_bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    # LENDER_CONTACT: the letter's sender block, lines separated by "|" (name, address, phone, e-mail).
    lender_contact: tuple[str, ...] = (LENDER_NAME,)

    def __post_init__(self):
        if self.env not in APP_ENVS:
            raise ConfigError(f"APP_ENV must be {' or '.join(APP_ENVS)}, not {self.env!r}")

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        redis_url = env.get("REDIS_URL", "")
        cache_type = env.get("CACHE_TYPE") or ("RedisCache" if redis_url else "SimpleCache")
        language = env.get("UI_LANG", "fr")
        if language not in LANGUAGES:
            raise ConfigError(f"UI_LANG must be one of {', '.join(LANGUAGES)}, not {language!r}")
        return cls(
            artifacts_dir=Path(env.get("ARTIFACTS_DIR", str(cls.artifacts_dir))),
            language=language,
            env=env.get("APP_ENV", "development"),
            cache_type=cache_type,
            cache_dir=env.get("CACHE_DIR", ""),
            redis_url=redis_url,
            cache_timeout=int(env.get("CACHE_TIMEOUT", "3600")),
            build_default=env.get("BUILD_DEFAULT_ARTIFACTS", "1") == "1",
            default_clients=int(env.get("DEFAULT_CLIENTS", "307511")),
            secret_key=env.get("SECRET_KEY", ""),
            advisor_credentials=env.get("ADVISOR_CREDENTIALS", ""),
            audit_log_path=env.get("AUDIT_LOG_PATH", ""),
            session_hours=float(env.get("SESSION_HOURS", "8")),
            database_url=_database_url(env.get("DATABASE_URL", "")),
            clients_database_url=_clients_database_url(env.get("CLIENTS_DATABASE_URL", "")),
            currency=check_currency(env.get(CURRENCY_VARIABLE, "")),
            max_effort_rate=_effort_rate(env.get("MAX_EFFORT_RATE", "")),
            lender_contact=_lender_contact(env.get("LENDER_CONTACT", "")),
            product_bounds={
                name: bounds
                for name, variable in BOUND_VARIABLES.items()
                if (bounds := _bounds(variable, env.get(variable, ""))) is not None
            },
        )

    def redis_options(self) -> dict:
        """redis-py client options shared by the cache and the login limiter."""
        # A dead Redis must cost milliseconds, not the request: the app then runs uncached.
        options: dict = {"socket_timeout": 0.25, "socket_connect_timeout": 0.25}
        if self.redis_url.startswith("rediss://"):
            # Heroku Redis serves TLS with a self-signed certificate (Heroku's documented setting).
            options["ssl_cert_reqs"] = None
        return options

    def flask_caching(self) -> dict:
        """Flask-Caching settings for the chosen backend."""
        settings: dict = {"CACHE_TYPE": self.cache_type, "CACHE_DEFAULT_TIMEOUT": self.cache_timeout}
        if self.cache_type == "FileSystemCache":
            settings["CACHE_DIR"] = self.cache_dir or str(ROOT / "cache")
        if self.cache_type == "RedisCache":
            settings["CACHE_REDIS_URL"] = self.redis_url
            settings["CACHE_OPTIONS"] = self.redis_options()
        return settings


def _database_url(value: str) -> str:
    value = value.strip()
    if value and not value.startswith(("postgres://", "postgresql://", "postgresql+psycopg://", "sqlite:///")):
        # Never echo the value: it may carry a password.
        raise ValueError("DATABASE_URL must be a PostgreSQL URL (postgres://...) or sqlite:///PATH")
    return value


def _clients_database_url(value: str) -> str:
    value = value.strip()
    if value and not value.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
        raise ConfigError("CLIENTS_DATABASE_URL must be a PostgreSQL URL (postgres://...)")  # never the value
    return value


MAX_CONTACT_LINES, MAX_CONTACT_CHARS = 6, 80  # what fits the letter's header on one A4 page


def _lender_contact(value: str) -> tuple[str, ...]:
    """LENDER_CONTACT as the letter's sender lines; empty = the lender's name only (no invented address)."""
    lines = tuple(line.strip() for line in value.split("|") if line.strip())
    if not lines:
        return (LENDER_NAME,)
    if len(lines) > MAX_CONTACT_LINES or any(len(line) > MAX_CONTACT_CHARS for line in lines):
        raise ConfigError(
            f"LENDER_CONTACT must be at most {MAX_CONTACT_LINES} lines separated by '|', "
            f"each at most {MAX_CONTACT_CHARS} characters"
        )
    if any(not line.isprintable() for line in lines):
        raise ConfigError("LENDER_CONTACT must be printable text (lines separated by '|')")
    return lines


BOUND_VARIABLES = {AMOUNT: "CREDIT_AMOUNT_RANGE", INSTALMENT: "INSTALMENT_RANGE", MONTHS: "CREDIT_MONTHS_RANGE"}


def _effort_rate(value: str) -> float:
    """MAX_EFFORT_RATE as a share ("0.35") or a percentage ("35 %", "35%"); empty = the default."""
    text = value.strip().replace(",", ".")
    if not text:
        return MAX_EFFORT_RATE
    percent = text.endswith("%")
    try:
        rate = float(text.rstrip("%").strip()) / (100 if percent else 1)
    except ValueError:
        rate = math.nan
    if not 0 < rate < 1:  # NaN fails too
        raise ConfigError(f"MAX_EFFORT_RATE must be a share between 0 and 1 (e.g. 0.35 or 35 %), not {value!r}")
    return rate


def _bounds(variable: str, value: str) -> tuple[float, float] | None:
    """"LOW-HIGH" (positive numbers, LOW < HIGH); empty = None (the data's percentiles)."""
    text = value.strip().replace(" ", "").replace("_", "")
    if not text:
        return None
    parts = text.split("-")
    try:
        low, high = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        low = high = math.nan
    if not (0 < low < high < math.inf):
        raise ConfigError(f"{variable} must be LOW-HIGH with 0 < LOW < HIGH (e.g. 1000-75000), not {value!r}")
    return low, high
