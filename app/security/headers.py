"""Security headers and the Content-Security-Policy on every response.

Kept by hand (a dozen lines) rather than Flask-Talisman 1.1.0: Talisman sends HSTS only over HTTPS,
has no Cross-Origin-Opener/Resource-Policy, takes a fixed CSP at start (ours needs the hashes of the
inline scripts Dash registers later) and redirects plain HTTP by default.
"""

from __future__ import annotations

from functools import cache

import flask

# Dash 4 needs: its inline renderer script (allowed by hash, computed from the app), inline styles
# (React style attributes, plotly's injected <style>), data: images and fonts (plotly, Bootstrap).
# The JSON config block <script type="application/json"> is data, not script: CSP does not apply.
CSP_TEMPLATE = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
STATIC_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: the language switch sends the user back to the page they were on.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Static files may be cached; everything else can carry client data.
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/vendor/")


def content_security_policy(script_hashes: list[str]) -> str:
    return CSP_TEMPLATE.format(hashes="".join(f" {h}" for h in script_hashes))


def install_headers(server: flask.Flask, dash_app=None) -> None:
    @cache
    def csp() -> str:
        # Computed on first use: the clientside callbacks (inline scripts) are registered after this call.
        return content_security_policy(dash_app.csp_hashes() if dash_app is not None else [])

    @server.after_request
    def security_headers(response: flask.Response) -> flask.Response:
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", csp())
        if "Cache-Control" not in response.headers and not flask.request.path.startswith(STATIC_PREFIXES):
            # Pages and callback answers carry client data: no browser or proxy keeps a copy.
            response.headers["Cache-Control"] = "no-store"
        return response
