"""The letter for the client: ``/lettre?client=ID`` (HTML, printable on A4) and ``/lettre.pdf?client=ID`` (tagged PDF).

Same access rules as the dashboard: in production the login check of ``app.security`` covers these paths
(they are not public), and every letter shown writes the client-view audit line. The PDF is made server side
by WeasyPrint (``pdf_variant="pdf/ua-1"``: tagged, with the document language) in the warm renderer that
Gunicorn's master owns, else in a child process.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from datetime import date

import flask

from app import pdf_renderer
from app.pdf_renderer import RendererUnavailable, RenderingFailed, WarmRenderer
from app.queries import client_advice
from app.rendering import current_services, page_language, render_page
from app.reviews import ReviewStoreUnavailable
from app.security import audit_client_view
from app.security.audit import current_advisor
from app.services import INVALID_ROW, STORE_DOWN
from layouts.i18n import language
from layouts.letter import decision_kind, letter_context, offers_changes
from scoring.affordability import affordable
from scoring.errors import UnknownClientError
from scoring.ids import parse_client_id
from scoring.simulate import terms_of
from scoring.stores import InvalidClientRow, StoreUnavailable


def letter_html(services, client_id: int, lang: str, *, pdf: bool = False) -> str:
    """The letter of a portfolio client as a full HTML document (UnknownClientError for an unknown id).

    It gives the final decision: the advisor's latest recorded review, else the model's recommendation.
    ReviewStoreUnavailable when the review register does not answer: a letter that may contradict a decision
    already taken is not made.
    """
    explanation = services.explanation(client_id)
    latest = services.reviews.history(client_id, limit=1)
    final = latest[0] if latest else None
    terms = terms_of(services.application(client_id).values)
    max_rate = services.config.max_effort_rate
    wants_advice = offers_changes(decision_kind(explanation, final))
    if wants_advice or affordable(terms.annuity, terms.income, max_rate) is False:
        advice = client_advice(services, client_id)
    else:
        advice = None
    context = letter_context(
        explanation,
        terms,
        advice,
        advisor=current_advisor() or "—",
        today=date.today(),
        lang=lang,
        final=final,
        max_rate=max_rate,
    )
    return render_page("letter.html", lang, letter=context, sender=services.config.lender_contact, pdf=pdf)


PDF_SCRIPT = pdf_renderer.SCRIPT
PDF_TIMEOUT_S = 30  # Heroku's router gives up at 30 s anyway
PDF_AT_ONCE = 1  # renderings in flight per worker: a child process holds ~45 MB while it works


class PdfError(RuntimeError):
    """The PDF could not be made (the HTML letter still can)."""


def pdf_bytes(html: str, renderer: WarmRenderer | None = None) -> bytes:
    """A tagged PDF (PDF/UA-1: structure tree, document language) of a self-contained HTML document.

    Made by the warm renderer that Gunicorn's master owns (app/pdf_renderer.py) when there is one and it
    answers, else by a child process (app/pdf_render.py): no web worker ever holds WeasyPrint in memory.
    """
    if renderer is not None:
        try:
            return renderer.render(html, PDF_TIMEOUT_S)
        except RendererUnavailable as exc:  # killed, or still starting: nothing was made, the old way works
            logging.getLogger(__name__).warning("PDF renderer unavailable (%s): one child process instead", exc)
        except (RenderingFailed, TimeoutError) as exc:
            raise PdfError(f"renderer: {type(exc).__name__} {exc}") from None
    return pdf_in_child(html)


def pdf_in_child(html: str) -> bytes:
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(PDF_SCRIPT)],  # -I: the script's folder is not put on sys.path
            input=html.encode("utf-8"),
            capture_output=True,
            timeout=PDF_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PdfError(type(exc).__name__) from None
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise PdfError(f"exit {done.returncode}: {last[0][:200]}")
    return done.stdout


RENDERINGS = "letter_pdf_renderings"  # key in app.extensions

letter = flask.Blueprint("letter", __name__)


@letter.record_once
def _renderings(state) -> None:
    # Renderings in flight, this process's: a forked worker starts with it free.
    state.app.extensions[RENDERINGS] = threading.BoundedSemaphore(PDF_AT_ONCE)


def client_or_404(services, lang: str):
    try:
        client_id = parse_client_id(flask.request.args.get("client", ""))
        services.client_row(client_id)
    except (StoreUnavailable, InvalidClientRow) as exc:
        return None, clients_down(lang, exc)
    except UnknownClientError:
        tr = language(lang)
        page = render_page(
            "error.html",
            lang,
            heading=tr._("No letter for this address"),
            text=tr._("The client id is missing or is not in the portfolio. Open the letter from the dashboard."),
        )
        return None, flask.Response(page, status=404, mimetype="text/html")
    audit_client_view(client_id, "letter")
    return client_id, None


def clients_down(lang: str, exc: Exception) -> flask.Response:
    """The client database down or slow (503), or the client's stored row impossible (422), said in words."""
    tr = language(lang)
    down = isinstance(exc, StoreUnavailable)
    logging.getLogger(__name__).warning("letter: %s", exc)
    text = tr._(STORE_DOWN if down else INVALID_ROW)
    page = render_page("error.html", lang, heading=tr._("The letter cannot be made right now"), text=text)
    return flask.Response(page, status=503 if down else 422, mimetype="text/html")


def register_down(lang: str) -> flask.Response:
    tr = language(lang)
    page = render_page(
        "error.html",
        lang,
        heading=tr._("The letter cannot be made right now"),
        text=tr._(
            "The review register does not answer, so the letter cannot say whether an advisor has taken the "
            "final decision. Please retry in a moment."
        ),
    )
    return flask.Response(page, status=503, mimetype="text/html")


@letter.get("/lettre")
def letter_page():
    services, lang = current_services(), page_language()
    client_id, problem = client_or_404(services, lang)
    if problem is not None:
        return problem
    try:
        return flask.Response(letter_html(services, client_id, lang), mimetype="text/html")
    except ReviewStoreUnavailable:
        return register_down(lang)
    except (StoreUnavailable, InvalidClientRow) as exc:
        return clients_down(lang, exc)


@letter.get("/lettre.pdf")
def letter_pdf():
    services, lang = current_services(), page_language()
    client_id, problem = client_or_404(services, lang)
    if problem is not None:
        return problem
    try:
        html = letter_html(services, client_id, lang, pdf=True)
    except ReviewStoreUnavailable:
        return register_down(lang)
    except (StoreUnavailable, InvalidClientRow) as exc:
        return clients_down(lang, exc)
    try:
        with flask.current_app.extensions[RENDERINGS]:
            pdf = pdf_bytes(html, flask.current_app.extensions.get(pdf_renderer.EXTENSION))
    except PdfError as exc:
        logging.getLogger(__name__).error("letter PDF failed: %s", exc)  # never the letter's text: client data
        tr = language(lang)
        page = render_page(
            "error.html",
            lang,
            heading=tr._("The PDF could not be made"),
            text=tr._("Nothing is lost: the letter can still be printed from its page. Please retry in a moment."),
        )
        return flask.Response(page, status=503, mimetype="text/html")
    response = flask.Response(pdf, mimetype="application/pdf")
    name = ("lettre" if lang == "fr" else "letter") + f"-{client_id}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
