"""The one shape of a view's status message: a live region read whole when its text changes (WCAG 4.1.3).

Live-region policy (heard with Orca, issue 22): one status region per view, and only the view the advisor is
working in speaks. Every region is rendered silent (``aria-live="off"``) except the client selection's, which
carries the decision sentence: on a deep link's first render that sentence is the only thing announced.
assets/a11y.js turns a view's region polite when focus enters that view, and the others off, so a client switch
says the new decision once instead of every view's reset message, and a what-if or an advice search speaks its
own result. Regions start empty or with static text: inserting a region with text is not a change.
"""

from __future__ import annotations

from dash import html

# data-status values read by assets/a11y.js
SPEAKS_AT_START = "start"
SPEAKS_IN_VIEW = "view"


def status_line(
    element_id: str, text: str | None = None, class_name: str = "status-line", *, speaks_at_start: bool = False
) -> html.P:
    return html.P(
        text,
        id=element_id,
        role="status",
        className=class_name,
        # No n_clicks handler: Chromium would expose a click action and Orca say "clickable".
        disable_n_clicks=True,
        **{
            "aria-live": "polite" if speaks_at_start else "off",
            "aria-atomic": "true",
            "data-status": SPEAKS_AT_START if speaks_at_start else SPEAKS_IN_VIEW,
        },
    )
