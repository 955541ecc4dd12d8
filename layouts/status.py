"""The one shape of a view's status message: a polite live region read whole when its text changes (WCAG 4.1.3)."""

from __future__ import annotations

from dash import html


def status_line(element_id: str, text: str | None = None, class_name: str = "status-line") -> html.P:
    return html.P(
        text,
        id=element_id,
        role="status",
        className=class_name,
        **{"aria-live": "polite", "aria-atomic": "true"},
    )
