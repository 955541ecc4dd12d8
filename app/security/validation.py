"""Request checks before any view: same-origin POSTs, CSRF tokens on forms, well-formed Dash callbacks.

Dash callbacks (JSON POSTs to ``/_dash-*``) carry no CSRF token: the Origin check and the ``SameSite=Lax``
session cookie keep other sites out. Every other POST (the login form, any later Flask form) needs the
Flask-WTF token, so a new form is protected without anyone remembering to.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urlparse

import flask
from flask_wtf.csrf import CSRFProtect

CALLBACK_PATH = "/_dash-update-component"
DASH_PREFIX = "/_dash-"
MAX_BODY_BYTES = 1 << 20  # callback payloads are small; refuse megabyte bodies outright


def install_origin_check(server: flask.Flask) -> None:
    """Cross-site POSTs (CSRF on callbacks or the login form) never reach the app: 403 before anything."""
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @server.before_request
    def refuse_cross_origin():
        request = flask.request
        origin = request.headers.get("Origin")
        if request.method == "POST" and origin and urlparse(origin).netloc != request.host:
            return flask.jsonify(error="cross-origin request refused"), 403
        return None


def install_body_checks(server: flask.Flask, dash_app=None) -> CSRFProtect:
    """CSRF token on every non-Dash POST (CSRFError, 400), and 400 for malformed callback bodies."""
    server.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # checked below, for every path but Dash's JSON endpoints
        WTF_CSRF_FIELD_NAME="csrf",  # the login form's hidden field (layouts/login.py)
    )
    csrf = CSRFProtect(server)

    @server.before_request
    def check_body():
        request = flask.request
        if not request.path.startswith(DASH_PREFIX):
            csrf.protect()  # raises CSRFError on POST without a valid token
        elif request.path == CALLBACK_PATH and dash_app is not None and request.method == "POST":
            problem = callback_request_problem(request.get_json(silent=True), dash_app.callback_map)
            if problem:
                return flask.jsonify(error=f"malformed callback request: {problem}"), 400
        return None

    return csrf


def _is_prop(item) -> bool:
    return isinstance(item, dict) and isinstance(item.get("id"), str | dict) and isinstance(item.get("property"), str)


def _matches(item, spec_id: str) -> bool:
    """An input, state or output as the page sends it: one id and property, or for a pattern-matching id (the form
    fields, ``{"field":["ALL"],...}``) a list of them, each with an id of the pattern's keys."""
    if not spec_id.startswith("{"):
        return _is_prop(item)
    keys = sorted(json.loads(spec_id))
    return isinstance(item, list) and all(
        _is_prop(i) and isinstance(i["id"], dict) and sorted(i["id"]) == keys for i in item
    )


def callback_request_problem(body, callback_map: Mapping) -> str | None:
    """Why a /_dash-update-component body cannot be a request from our page (None when well formed).

    Dash answers malformed bodies with a 500 (KeyError, wrong argument count): we answer 400 before.
    """
    if not isinstance(body, dict):
        return "body is not a JSON object"
    spec = callback_map.get(body.get("output")) if isinstance(body.get("output"), str) else None
    if spec is None:
        return "unknown callback"
    outputs = body.get("outputs")
    outputs = outputs if isinstance(outputs, list) else [outputs]
    expected = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    if len(outputs) != len(expected) or not all(
        _matches(o, str(e).rsplit(".", 1)[0]) for o, e in zip(outputs, expected, strict=True)
    ):
        return "outputs do not match the callback"
    for part in ("inputs", "state"):
        items = body.get(part, [])
        if (
            not isinstance(items, list)
            or len(items) != len(spec[part])
            or not all(_matches(i, e["id"]) for i, e in zip(items, spec[part], strict=True))
        ):
            return f"{part} do not match the callback"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds is not a list of strings"
    return None
