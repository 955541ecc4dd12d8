"""Human review of a client's file, kept in a database: who decided what, when, and why.

The model recommends; an advisor records the final decision (grant, refuse, ask for documents) with a
reason from a short list and a few words of their own. Each review is one row, never updated: the history
of a client is the list of its rows. The model's probability, decision and artifact version at the time
are stored with it, so an auditor sees where people overrode the model.

Storage is SQLAlchemy 2: an SQLite file by default (``instance/reviews.sqlite3``: ``make run`` needs
nothing else), PostgreSQL when ``DATABASE_URL`` is set (Heroku's ``postgres://`` form is accepted). The
table is created at start when missing; there is no migration yet (the first change of columns would
bring Alembic).

What must hold:
- two workers writing at once lose nothing: every review is a single INSERT in its own transaction
  (SQLite: WAL journal and a busy timeout so writers wait instead of failing);
- the database down costs the review form only: every failure becomes ``ReviewStoreUnavailable`` with a
  message for people, reported fast (short connect timeout, then no new attempt for a few seconds);
- reasons and free text never reach a log: the engine hides statement parameters, and failures are
  logged by exception type only;
- connections are never shared across a fork (Gunicorn preloads the app): each process opens its own.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app.config import ROOT
from app.security.audit import current_advisor
from scoring.review_rules import DECISIONS, REASONS, ReviewRecord, check_review, clean_comment

log = logging.getLogger("app.reviews")

DEFAULT_SQLITE = ROOT / "instance" / "reviews.sqlite3"
# DECISIONS and REASONS, and which reasons fit which decision, are domain rules (scoring/review_rules.py).
HISTORY_LIMIT = 50
RETRY_AFTER_S = 10.0  # after a failure, the form says "unavailable" at once for this long


LOGGING_NAME = "reviews"


def _below_info(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.INFO


def _keep_rows_out_of_logs() -> None:
    """Statements are logged (at INFO, only when someone turns SQLAlchemy's logging on) with their parameters
    hidden; result rows, which SQLAlchemy logs at DEBUG, are dropped for this engine whatever the level."""
    engine_log = logging.getLogger(f"sqlalchemy.engine.Engine.{LOGGING_NAME}")
    if _below_info not in engine_log.filters:
        engine_log.addFilter(_below_info)


class ReviewStoreUnavailable(Exception):
    """The review database cannot be reached or refused the operation (message safe to log and show)."""


class Base(DeclarativeBase):
    pass


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint(f"decision IN ({', '.join(repr(d) for d in DECISIONS)})", name="ck_reviews_decision"),
        CheckConstraint(f"reason IN ({', '.join(repr(r) for r in REASONS)})", name="ck_reviews_reason"),
    )

    # BIGINT on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    client_id: Mapped[int] = mapped_column(BigInteger, index=True)
    advisor: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    model_version: Mapped[str] = mapped_column(String(64))
    model_probability: Mapped[float] = mapped_column(Float)
    model_decision: Mapped[str] = mapped_column(String(16))


def record_of(row: Review) -> ReviewRecord:
    """The review as the rest of the app sees it, detached from the database."""
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)  # SQLite: naive
    return ReviewRecord(
        id=int(row.id),
        client_id=int(row.client_id),
        advisor=row.advisor,
        decision=row.decision,
        reason=row.reason,
        comment=row.comment,
        created_at=created.astimezone(UTC),
        model_version=row.model_version,
        model_probability=float(row.model_probability),
        model_decision=row.model_decision,
    )


def database_url(value: str | None) -> str:
    """The SQLAlchemy URL for ``DATABASE_URL``: empty -> the SQLite file; Heroku's postgres:// -> psycopg 3."""
    value = (value or "").strip()
    if not value:
        return f"sqlite:///{DEFAULT_SQLITE}"
    for prefix in ("postgres://", "postgresql://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix) :]
    return value


def signed_in_advisor() -> str | None:
    """Who is recording: the signed-in advisor (development: the stand-in), None without a session.

    The one place that asks the security layer.
    """
    return current_advisor()


class ReviewStore:
    """Reads and writes reviews; one engine per process, created on first use."""

    def __init__(self, url: str, *, connect_timeout: float = 3.0, retry_after: float = RETRY_AFTER_S):
        self.url = database_url(url)
        self.connect_timeout = connect_timeout
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._engine = None
        self._engine_pid: int | None = None
        self._schema_ready = False
        self._down_until = 0.0

    @property
    def backend(self) -> str:
        return self.url.split(":", 1)[0].split("+", 1)[0]

    def _make_engine(self):
        _keep_rows_out_of_logs()
        if self.backend == "sqlite":
            path = self.url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                self.url,
                hide_parameters=True,
                logging_name=LOGGING_NAME,
                connect_args={"timeout": 15, "check_same_thread": False},
            )

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()

            return engine
        connect_args = {}
        if self.backend == "postgresql":
            connect_args = {
                "connect_timeout": max(int(self.connect_timeout), 1),
                "options": "-c statement_timeout=5000",
                # Which worker holds a connection, as the database sees it (pg_stat_activity).
                "application_name": f"pad-reviews-{os.getpid()}",
            }
        return create_engine(
            self.url,
            hide_parameters=True,
            logging_name=LOGGING_NAME,
            pool_pre_ping=True,  # a restarted server: stale pooled connections are replaced, not failed
            pool_size=2,
            max_overflow=2,
            pool_timeout=self.connect_timeout,
            connect_args=connect_args,
        )

    @property
    def engine(self):
        with self._lock:
            if self._engine is None or self._engine_pid != os.getpid():
                if self._engine is not None:
                    self._engine.dispose(close=False)  # the parent's connections stay the parent's
                self._engine = self._make_engine()
                self._engine_pid = os.getpid()
                self._schema_ready = False
            return self._engine

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            self._engine = None
            self._engine_pid = None

    def prepare(self) -> bool:
        """Create the table if missing; False (and one warning line) when the database is unreachable."""
        try:
            self._ensure_schema()
        except ReviewStoreUnavailable:
            return False
        return True

    def _failed(self, exc: Exception) -> ReviewStoreUnavailable:
        self._down_until = time.monotonic() + self.retry_after
        # The type only: a driver's message can carry the statement, and the statement the review's text.
        log.warning("review database unavailable (%s, %s)", self.backend, type(exc).__name__)
        return ReviewStoreUnavailable("the review database is unavailable")

    def _check_available(self) -> None:
        if time.monotonic() < self._down_until:
            raise ReviewStoreUnavailable("the review database is unavailable")

    def _ensure_schema(self) -> None:
        self._check_available()
        try:
            engine = self.engine  # an SQLite folder that cannot be created fails here (OSError)
        except (SQLAlchemyError, OSError) as exc:
            raise self._failed(exc) from None
        if self._schema_ready:
            return
        try:
            Base.metadata.create_all(engine)
        except SQLAlchemyError as exc:
            # Another process may have created it between the check and the CREATE: fine if it is there now.
            try:
                if not inspect(engine).has_table(Review.__tablename__):
                    raise self._failed(exc) from None
            except SQLAlchemyError as again:
                raise self._failed(again) from None
        self._schema_ready = True

    def add(
        self,
        *,
        client_id: int,
        advisor: str,
        decision: str,
        reason: str,
        comment: str,
        model_version: str,
        model_probability: float,
        model_decision: str,
    ) -> ReviewRecord:
        """Record one review (validated by ``check_review`` first); raises ReviewStoreUnavailable."""
        problems = check_review(decision, reason, comment)
        if problems:
            raise ValueError(f"invalid review: {', '.join(sorted(problems))}")
        if not advisor:
            raise ValueError("a review needs an advisor")
        self._ensure_schema()
        row = Review(
            client_id=int(client_id),
            advisor=str(advisor)[:64],
            decision=decision,
            reason=reason,
            comment=clean_comment(comment),
            created_at=datetime.now(UTC),
            model_version=str(model_version)[:64],
            model_probability=float(model_probability),
            model_decision=str(model_decision)[:16],
        )
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                session.add(row)
            return record_of(row)
        except SQLAlchemyError as exc:
            raise self._failed(exc) from None

    def history(self, client_id: int, limit: int = HISTORY_LIMIT) -> list[ReviewRecord]:
        """The client's reviews, newest first."""
        self._ensure_schema()
        query = select(Review).where(Review.client_id == int(client_id)).order_by(Review.created_at.desc(), Review.id.desc())
        try:
            with Session(self.engine) as session:
                return [record_of(row) for row in session.scalars(query.limit(limit))]
        except SQLAlchemyError as exc:
            raise self._failed(exc) from None
