"""What an advisor may decide, and which reasons fit which decision (domain rules, no database, no UI).

A review is final: it overrides the model's recommendation on the summary and in the letter, so the reason
recorded with it must be one that can justify that decision. Granting a credit "because the application is
incomplete" or "because the debt burden is too high" is a contradiction a form must refuse, not store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

GRANT, REFUSE, DOCUMENTS = "grant", "refuse", "documents"
DECISIONS: tuple[str, ...] = (GRANT, REFUSE, DOCUMENTS)
COMMENT_MIN = 10
COMMENT_MAX = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # PostgreSQL refuses NUL in text; none is meant

# Reason -> the decisions it can justify, in the form's order.
FITTING: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        # Documents were checked: they confirm the file one way or the other; nothing left to ask for.
        "documents_checked": frozenset({GRANT, REFUSE}),
        # Income or a guarantee the model does not see only ever speaks for the client.
        "income_or_guarantee": frozenset({GRANT}),
        # A recent change can go either way, or call for proof of it.
        "situation_changed": frozenset({GRANT, REFUSE, DOCUMENTS}),
        # The client's history with the bank: good or bad, it is known, so no documents.
        "bank_history": frozenset({GRANT, REFUSE}),
        # Missing or inconsistent pieces: refuse, or ask for them; never a reason to grant.
        "incomplete_file": frozenset({REFUSE, DOCUMENTS}),
        # A debt burden too high is a reason to refuse only.
        "debt_burden": frozenset({REFUSE}),
        "other": frozenset({GRANT, REFUSE, DOCUMENTS}),
    }
)
REASONS: tuple[str, ...] = tuple(FITTING)


def fits(decision: str, reason: str) -> bool:
    """Whether ``reason`` can justify ``decision`` (False for unknown codes)."""
    return decision in FITTING.get(reason, frozenset())


def reasons_for(decision: str) -> tuple[str, ...]:
    """The reasons that fit a decision, in the form's order."""
    return tuple(r for r in REASONS if fits(decision, r))


def clean_comment(text) -> str:
    """The explanation as stored: control characters out, ends trimmed; anything but text is no text."""
    return _CONTROL.sub("", text).strip() if isinstance(text, str) else ""


def check_review(decision, reason, comment) -> dict[str, str]:
    """What is wrong with a submitted review, per field ({} when it can be recorded): error codes."""
    errors = {}
    if decision not in DECISIONS:
        errors["decision"] = "missing"
    if reason not in REASONS:
        errors["reason"] = "missing"
    elif decision in DECISIONS and not fits(decision, reason):
        errors["reason"] = "mismatch"  # the final decision overrides the model: its reason must be able to justify it
    text = clean_comment(comment)
    if len(text) < COMMENT_MIN:
        errors["comment"] = "short"
    elif len(text) > COMMENT_MAX:
        errors["comment"] = "long"
    return errors


@dataclass(frozen=True)
class ReviewRecord:
    """One recorded review, detached from the database."""

    id: int
    client_id: int
    advisor: str
    decision: str
    reason: str
    comment: str
    created_at: datetime  # UTC
    model_version: str
    model_probability: float
    model_decision: str
