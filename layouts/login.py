"""Advisor login page (production only): a plain, accessible HTML form served by Flask."""

from __future__ import annotations

from markupsafe import escape

from layouts.i18n import t


def login_page(lang: str, *, csrf: str, next_url: str, message: str = "", error: bool = False, username: str = "") -> str:
    other = "en" if lang == "fr" else "fr"
    described = ' aria-describedby="login-message"' if message else ""
    invalid = ' aria-invalid="true"' if error else ""
    notice = ""
    if message:
        kind = "alert-danger" if error else "alert-info"
        notice = f'<div id="login-message" class="alert {kind}" role="alert">{escape(message)}</div>'
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(t("login.title", lang))}</title>
<link rel="stylesheet" href="/vendor/bootstrap.min.css">
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<a href="#main" class="skip-link">{escape(t("skip.main", lang))}</a>
<header class="statement">
<a class="lang-switch" href="/lang/{other}" lang="{other}" hreflang="{other}">{escape(t("lang.switch", lang))}</a>
</header>
<main id="main" class="statement" tabindex="-1">
<h1>{escape(t("login.heading", lang))}</h1>
<p>{escape(t("login.intro", lang))}</p>
{notice}
<form method="post" action="/login" class="login-form">
<input type="hidden" name="csrf" value="{escape(csrf)}">
<input type="hidden" name="next" value="{escape(next_url)}">
<div class="mb-3">
<label for="username" class="form-label">{escape(t("login.user", lang))}</label>
<input id="username" name="username" class="form-control" autocomplete="username" autocapitalize="none"
 spellcheck="false" required maxlength="64" value="{escape(username)}"{described}{invalid}>
</div>
<div class="mb-3">
<label for="password" class="form-label">{escape(t("login.password", lang))}</label>
<input id="password" name="password" type="password" class="form-control" autocomplete="current-password"
 required maxlength="200"{described}{invalid}>
</div>
<button type="submit" class="btn btn-primary">{escape(t("login.submit", lang))}</button>
</form>
<p class="mt-4"><a href="{t("path.statement", lang)}">{escape(t("statement.link", lang))}</a></p>
</main>
</body>
</html>"""
