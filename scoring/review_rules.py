"""What an advisor may decide, and which reasons fit which decision (domain rules, no database, no UI).

A review is final: it overrides the model's recommendation on the summary and in the letter, so the reason
recorded with it must be one that can justify that decision. Granting a credit "because the application is
incomplete" or "because the debt burden is too high" is a contradiction a form must refuse, not store.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

GRANT, REFUSE, DOCUMENTS = "grant", "refuse", "documents"
DECISIONS: tuple[str, ...] = (GRANT, REFUSE, DOCUMENTS)

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
