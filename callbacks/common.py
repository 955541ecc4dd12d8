"""Shared callback plumbing: no callback error ever reaches the browser as a 500."""

from __future__ import annotations

import functools
import logging

from dash import no_update

from layouts.i18n import t
from scoring.errors import UnknownClientError

log = logging.getLogger("app.callbacks")


def guarded(n_outputs: int, message_at: int | None = None):
    """On an unexpected exception: log it, leave the page as it is, and say so in one output."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args):
            try:
                return func(*args)
            except Exception:  # noqa: BLE001 - the page must survive any bug
                log.exception("callback %s failed", func.__name__)
                lang = args[-1] if args and args[-1] in ("fr", "en") else "fr"
                out = [no_update] * n_outputs
                if message_at is not None:
                    out[message_at] = t("error.internal", lang)
                return out[0] if n_outputs == 1 else tuple(out)

        return wrapper

    return decorate


def viewed_client(services, value, view: str) -> int | None:
    """The client a data callback may show, with an audit line; None for no client or a forged id.

    Every callback that shows client data goes through here, so the audit trail is complete even for
    requests that did not come from the selection box.
    """
    from app.security import audit_client_view

    if value is None or isinstance(value, bool) or not str(value).strip().isdigit() or len(str(value).strip()) > 12:
        return None
    client_id = int(str(value).strip())
    try:
        services.portfolio.index_of(client_id)
    except UnknownClientError:
        return None
    audit_client_view(client_id, view)
    return client_id
