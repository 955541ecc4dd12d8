"""The audit trail: one JSON line per event on the ``audit`` logger (and in ``AUDIT_LOG_PATH`` when set).

Who did what, when: client ids only, never client data.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

import flask

log = logging.getLogger("app.security")
audit_log = logging.getLogger("audit")


def current_advisor() -> str | None:
    """The signed-in advisor (the development stand-in without login), None outside a request."""
    if not flask.has_request_context() or getattr(flask.current_app, "login_manager", None) is None:
        return None
    from flask_login import current_user

    return current_user.name if current_user.is_authenticated else None


def audit(event: str, **fields) -> None:
    """One JSON line on the "audit" logger: who did what, when. Ids only, never client data."""
    record = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event, "advisor": current_advisor()}
    if flask.has_request_context():
        record["ip"] = flask.request.remote_addr
    record.update(fields)
    audit_log.info(json.dumps(record, sort_keys=True, ensure_ascii=False))


def audit_client_view(client_id: int, source: str = "") -> None:
    """Called by every callback that shows a client's data (``source``: which view)."""
    try:
        audit("client_view", client_id=int(client_id), source=source or None)
    except Exception:  # noqa: BLE001 - a broken audit sink must be seen, and must not hide the page
        log.exception("audit write failed")


def install_audit(path: str) -> None:
    """Audit lines at INFO, and appended to ``path`` when set (once per process, however many apps)."""
    audit_log.setLevel(logging.INFO)
    if not path:
        return
    target = os.path.abspath(path)
    # The logging registry is the one process-wide place that knows which files are attached already.
    if any(isinstance(h, logging.FileHandler) and h.baseFilename == target for h in audit_log.handlers):
        return
    # Each line is one write() in append mode: lines from several workers do not interleave.
    handler = logging.FileHandler(target, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(message)s"))
    audit_log.addHandler(handler)
