"""The letter for the client: HTML and tagged PDF, plain words without internal jargon, access and audit."""

from __future__ import annotations

import html
import logging
import re
import sys
import zlib
from html.parser import HTMLParser

import numpy as np
import pytest
from werkzeug.security import generate_password_hash

from app.config import Config
from tests.letter_text import letter_sentences
from wsgi import create_app

# Words that belong to the analyst, not to the client (scores, method, thresholds, other clients).
JARGON = (
    "shap",
    "log-odds",
    "logit",
    "xgboost",
    "threshold",
    "seuil",
    "probabilit",
    "score",
    "grey zone",
    "zone grise",
    "portfolio",
    "portefeuille",
    "median",
    "médiane",
    "contribution",
    "amt_",
    "ext_source",
    "days_",
    "model",
    "modèle",
)


@pytest.fixture(scope="module")
def app(synthetic_artifacts):
    return create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False))


@pytest.fixture(scope="module")
def portfolio(app):
    return app.server.config["services"].portfolio


def pick(portfolio, kind: str) -> int:
    proba = np.asarray(portfolio.proba)
    low, high = portfolio.decision.grey_zone
    mask = {"refused": proba >= high, "review": (proba >= low) & (proba < high), "granted": proba < low * 0.7}[kind]
    index = np.flatnonzero(mask)
    return int(portfolio.ids[index[len(index) // 3]])


class Text(HTMLParser):
    """Visible text, heading levels and the lang attribute of an HTML document."""

    def __init__(self):
        super().__init__()
        self.parts, self.headings, self.lang, self._skip = [], [], None, 0

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag in ("style", "script"):
            self._skip += 1
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def read(html: str) -> Text:
    parser = Text()
    parser.feed(html)
    return parser


def body_text(html: str) -> str:
    """The letter itself (main), as a client reads it."""
    return " ".join(read(html[html.index("<main") :]).parts)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("kind", ["refused", "review", "granted"])
def test_letter_is_plain_words_without_jargon(app, portfolio, lang, kind):
    client = app.server.test_client()
    client.set_cookie("lang", lang)
    client_id = pick(portfolio, kind)
    response = client.get(f"/lettre?client={client_id}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert html.startswith("<!DOCTYPE html>")  # RGAA 8.1
    parsed = read(html)
    assert parsed.lang == lang
    assert parsed.headings[0] == 1 and all(b - a <= 1 for a, b in zip(parsed.headings, parsed.headings[1:], strict=False))
    text = body_text(html)
    lowered = text.lower()
    found = [word for word in JARGON if word in lowered]
    assert not found, (found, text)
    assert str(client_id) in text
    # The only percentages are signed changes of the amount ("−21 %"), never a probability or a threshold.
    assert all(sign for sign in re.findall(r"([−+]?)\d+(?:[,.]\d+)?\s?%", text)), text
    words = {
        "fr": {"refused": "ne pouvons pas accepter", "review": "un conseiller l'examine", "granted": "est acceptée"},
        "en": {"refused": "cannot accept", "review": "an advisor is reviewing it", "granted": "is accepted"},
    }[lang][kind]
    assert words in text
    rights = "donner votre point de vue" if lang == "fr" else "give your point of view"
    assert rights in text and ("article 22" in text)
    reasons = re.findall(r"(?:weighed|a pesé)", text)
    assert 1 <= len(reasons) <= 4
    if kind == "refused":
        assert ("Ce qui pourrait changer la réponse" if lang == "fr" else "What could change the answer") in text
    # The amount asked appears, written for the language (no raw float).
    assert not re.search(r"\d+\.\d{3,}", text)


def test_letter_pdf_is_tagged_with_the_language(app, portfolio):
    client = app.server.test_client()
    response = client.get(f"/lettre.pdf?client={pick(portfolio, 'refused')}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.data
    assert data.startswith(b"%PDF-")
    # Object streams are compressed: inflate every stream and look for the tagging entries.
    plain = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            plain.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    everything = b"\n".join(plain)
    assert b"/StructTreeRoot" in everything and b"/MarkInfo" in everything
    assert re.search(rb"/Lang\s*\(fr", everything)
    assert b"pdfuaid" in everything  # the PDF/UA identification in the XMP metadata
    # Made in a child process: the web worker (here, the test process) never holds WeasyPrint.
    assert "weasyprint" not in sys.modules


def test_a_failed_pdf_says_so_and_keeps_the_html_letter(app, portfolio, tmp_path, monkeypatch, caplog):
    broken = tmp_path / "broken_render.py"
    broken.write_text("import sys\nsys.stderr.write('Traceback: pango exploded\\n')\nsys.exit(3)\n")
    monkeypatch.setattr("app.letter.PDF_SCRIPT", broken)
    client = app.server.test_client()
    refused = pick(portfolio, "refused")
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/lettre.pdf?client={refused}")
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 503 and "text/html" in response.content_type
    assert "Le PDF n'a pas pu être créé" in text and "Traceback" not in text
    assert "exit 3" in caplog.text  # the cause is logged for the team, not shown
    assert client.get(f"/lettre?client={refused}").status_code == 200  # the HTML letter still works


def test_unknown_or_missing_client_is_a_404_page(app):
    client = app.server.test_client()
    for query in ("", "?client=abc", "?client=1", "?client=99999999999999"):
        for path in ("/lettre", "/lettre.pdf"):
            response = client.get(path + query)
            assert response.status_code == 404, (path, query)
            assert "text/html" in response.content_type and "Traceback" not in response.get_data(as_text=True)


def test_letter_needs_login_in_production_and_is_audited(synthetic_artifacts, portfolio, caplog):
    config = Config(
        artifacts_dir=synthetic_artifacts,
        build_default=False,
        env="production",
        secret_key="s" * 40,
        advisor_credentials="alice:" + generate_password_hash("a long password here"),
    )
    production = create_app(config)
    client = production.server.test_client()
    client_id = pick(portfolio, "refused")
    for path in ("/lettre", "/lettre.pdf"):
        response = client.get(f"{path}?client={client_id}")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    client.post("/login", data={"csrf": token, "username": "alice", "password": "a long password here", "next": "/"})
    with caplog.at_level(logging.INFO, logger="audit"):
        response = client.get(f"/lettre?client={client_id}")
    assert response.status_code == 200
    assert "alice" in response.get_data(as_text=True)  # the advisor's reference
    lines = [r.getMessage() for r in caplog.records if r.name == "audit"]
    assert any('"source": "letter"' in line and f'"client_id": {client_id}' in line for line in lines)


def test_french_letter_readability(app, portfolio):
    """Kandel-Moles (French Flesch) on the letters; the figures are reported by benchmarks/letter_readability.py."""
    textstat = pytest.importorskip("textstat")
    textstat.set_lang("fr")
    client = app.server.test_client()
    client.set_cookie("lang", "fr")
    for kind in ("refused", "review", "granted"):
        text = letter_sentences(client.get(f"/lettre?client={pick(portfolio, kind)}").get_data(as_text=True))
        assert textstat.flesch_reading_ease(text) >= 60, kind  # 60-70 standard, 70-80 fairly easy


def tagged_text(pdf: bytes) -> tuple[list[str], str]:
    """(structure types in reading order, text of the marked content in the order of the structure tree).

    The text each marked-content id (MCID) draws on each page is collected from the content streams; the
    structure tree is then walked depth first, which is the order assistive technologies read a tagged PDF in.
    """
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    reader = PdfReader(BytesIO(pdf))
    drawn: dict[tuple[int, int | None], list[str]] = {}
    for number, page in enumerate(reader.pages):
        stack: list[int | None] = []

        def before(operator, operands, cm, tm, stack=stack):
            if operator == b"BDC":
                properties = operands[1] if len(operands) > 1 else None
                stack.append(properties.get("/MCID") if isinstance(properties, DictionaryObject) else None)
            elif operator == b"BMC":
                stack.append(None)
            elif operator == b"EMC" and stack:
                stack.pop()

        def text(value, cm, tm, font, size, stack=stack, number=number):
            mcid = next((m for m in reversed(stack) if m is not None), None)
            drawn.setdefault((number, mcid), []).append(value)

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    kinds, parts = [], []

    def walk(node, page=None):
        node = node.get_object() if isinstance(node, IndirectObject) else node
        if isinstance(node, ArrayObject):
            for child in node:
                walk(child, page)
        elif isinstance(node, DictionaryObject):
            if node.get("/Pg") is not None:
                page = reader.get_page_number(node["/Pg"].get_object())
            if node.get("/Type") == "/MCR":
                parts.append("".join(drawn.pop((page, int(node["/MCID"])), [])))
                return
            if node.get("/S") is not None:
                kinds.append(str(node["/S"]))
            if node.get("/K") is not None:
                walk(node["/K"], page)
        else:  # an integer: a marked-content id on the current page
            parts.append("".join(drawn.pop((page, int(node)), [])))

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    untagged = "".join("".join(v) for v in drawn.values()).strip()
    assert not untagged, f"text drawn outside the structure tree: {untagged[:80]!r}"
    return kinds, "".join(parts)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_letter_pdf_structure_title_and_reading_order(app, portfolio, lang):
    """RGAA 13.3/13.4 on the PDF: tagged, language and title shown, every word in the structure tree, read in
    the order of the HTML letter, headings and lists tagged as such, and no figure without alternative."""
    from io import BytesIO

    from pypdf import PdfReader

    client = app.server.test_client()
    client.set_cookie("lang", lang)
    client_id = pick(portfolio, "refused")
    pdf = client.get(f"/lettre.pdf?client={client_id}").data
    html = client.get(f"/lettre?client={client_id}").get_data(as_text=True)
    root = PdfReader(BytesIO(pdf)).trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert str(root["/Lang"]) == lang
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert PdfReader(BytesIO(pdf)).metadata.title == title and str(client_id) not in title
    kinds, text = tagged_text(pdf)
    assert kinds.count("/H1") == 1 and kinds.count("/H2") == read(html).headings.count(2)
    assert kinds.count("/L") == html.count("<ul") and kinds.count("/LI") == html.count("<li")
    assert "/Figure" not in kinds  # no image in the letter: nothing needs an alternative
    # Same words in the same order as the web page's letter (bullets are the list labels, drawn as text).
    pdf_words = "".join(text.replace("•", "").split())
    html_words = "".join(body_text(html).split())
    assert pdf_words == html_words


def test_letter_carries_the_configured_lender_contact(synthetic_artifacts, portfolio):
    contact = "Prêt à dépenser|12 rue de la Paix, 75002 Paris|01 23 45 67 89|conseil@pret-a-depenser.example"
    config = Config.from_env({"LENDER_CONTACT": contact, "ARTIFACTS_DIR": str(synthetic_artifacts)})
    config = Config(**{**config.__dict__, "build_default": False})
    client = create_app(config).server.test_client()
    page = client.get(f"/lettre?client={pick(portfolio, 'refused')}").get_data(as_text=True)
    sender = page[page.index("<address") : page.index("</address>")]
    assert [html.unescape(line) for line in re.findall(r'class="sender-line">([^<]+)<', sender)] == contact.split("|")
    assert Config.from_env({}).lender_contact == ("Prêt à dépenser",)  # nothing configured: no invented address


@pytest.mark.parametrize("contact", ["|".join(["a line"] * 7), "Prêt à dépenser|" + "x" * 81, "Prêt\tà dépenser"])
def test_a_lender_contact_that_does_not_fit_the_letter_is_refused(contact):
    from app.config import ConfigError

    with pytest.raises(ConfigError, match="LENDER_CONTACT"):
        Config.from_env({"LENDER_CONTACT": contact})


@pytest.mark.parametrize(("lang", "words"), [("fr", "observation statistique"), ("en", "statistical observation")])
def test_education_is_told_to_the_client_as_a_statistical_observation(lang, words):
    from layouts.letter import Reason, reason_sentence
    from scoring.reasons import FAMILIES

    education = next(f for f in FAMILIES if f.key == "education")
    sentence = reason_sentence(Reason(education.topic, against=True), lang)
    judgement = {"fr": "pas un jugement", "en": "not a judgement"}[lang]
    assert words in sentence and judgement in sentence, sentence
