"""Advisor login page (production only): a plain, accessible HTML form, rendered from app/templates/login.html."""

from __future__ import annotations

from layouts.i18n import language, other_language
from layouts.page import statement_path


def login_context(
    lang: str, *, csrf: str, next_url: str, message: str = "", error: bool = False, username: str = ""
) -> dict:
    """Everything the login template shows, in ``lang`` (the link to the other language in that language)."""
    other = other_language(lang)
    return {
        "csrf": csrf,
        "next_url": next_url,
        "message": message,
        "error": error,
        "username": username,
        "other": other,
        "other_name": language(other).locale.get_display_name(other).capitalize(),
        "statement_path": statement_path(lang),
    }


def login_messages(lang: str) -> dict[str, str]:
    """The login page's notices, by situation."""
    tr = language(lang)
    return {
        "out": tr._("You are logged out."),
        "expired": tr._("The form expired: please try again."),
        "throttled": tr._("Too many attempts: try again in a few minutes."),
        "bad": tr._("Wrong username or password."),
    }
