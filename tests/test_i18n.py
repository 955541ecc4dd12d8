"""Real translations: complete catalogues, and no word of the other language on a rendered page."""

import html
import json
import re

import numpy as np
import pytest

from layouts.catalogues import problems
from layouts.i18n import LANGUAGES, language
from scoring.fields import FIELDS

from .dash_requests import call

# Proper nouns and technical names that are the same in every language.
KEEP = ("Prêt à dépenser", "Défenseur des droits", "SK_ID_CURR", "XGBoost", "SHAP", "log-odds", "RGAA", "WCAG", "axe-core")
ENGLISH_WORDS = {
    "the",
    "and",
    "of",
    "with",
    "is",
    "are",
    "this",
    "to",
    "client's",
    "not",
    "from",
    "which",
    "refused",
    "granted",
}
FRENCH_WORDS = {
    "le",
    "la",
    "les",
    "des",
    "du",
    "est",
    "et",
    "pour",
    "avec",
    "une",
    "dans",
    "sur",
    "qui",
    "aucun",
    "refusé",
    "accordé",
}


def test_every_message_is_translated_in_every_language():
    assert problems() == []


def strings(node) -> list[str]:
    """Every user-visible string of a Dash layout or callback answer (children, labels, ARIA names)."""
    found = []
    if isinstance(node, str):
        found.append(node)
    elif isinstance(node, list):
        for item in node:
            found += strings(item)
    elif isinstance(node, dict):
        props = node.get("props", node)
        for key, value in props.items():
            if (
                key in ("children", "label", "aria-label", "title", "placeholder", "caption", "text", "name")
                or key in ("options", "data", "layout", "xaxis", "yaxis")
                or isinstance(value, dict | list)
                and key not in ("style", "figure", "id", "className")
            ):
                found += strings(value)
        if "figure" in props:
            found += strings(props["figure"])
    return found


def words(texts: list[str]) -> set[str]:
    joined = " ".join(texts)
    for name in KEEP:
        joined = joined.replace(name, " ")
    return {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ']+", joined)}


def kaggle_levels(lang: str) -> set[str]:
    """Raw Kaggle level names that this language shows differently (e.g. "Cash loans", "Laborers")."""
    tr = language(lang)
    return {
        level
        for field in FIELDS.values()
        for level, shown in field.categories.items()
        if len(level) > 3
        and tr.label(shown) != level
        and level not in tr.label(shown)  # "Lower secondary" inside its own label "Lower secondary education"
        and not level.isupper()
        # In English, one-word levels are ordinary words ("Other", "Family"): only multi-word ones are telling.
        and (lang != "en" or " " in level or ":" in level)
    }


def shown(outputs: dict) -> list[str]:
    """Texts of callback outputs (class names and flags are not read by anyone)."""
    return strings([v for k, v in outputs.items() if not k.endswith((".className", ".hidden", ".style"))])


def rendered_texts(dash_app, lang: str) -> list[str]:
    """What an advisor reads in ``lang``: the layout and every view for a refused and a granted client."""
    client = dash_app.server.test_client()
    client.set_cookie("lang", lang)
    texts = strings(client.get("/_dash-layout").get_json())
    portfolio = dash_app.server.config["services"].portfolio
    proba = np.asarray(portfolio.proba)
    for index in (int(np.argmax(proba)), int(np.argmin(proba)), 11):
        cid = int(portfolio.ids[index])
        # Every disclosure opened: data tables, the card and the forms are built when first opened.
        opened = {
            f"{name}.n_clicks": 1
            for name in (
                "gauge-summary",
                "waterfall-summary",
                "compare-hist-summary",
                "compare-cross-summary",
                "card-open",
                "curve-open",
            )
        }
        base = {"client-id.data": cid, "lang.data": lang, **opened}
        for first in ("summary-empty.hidden", "why-paragraph.children", "card-content.children", "curve-status.children"):
            status, out = call(client, dash_app, first, base, ["client-id.data"])
            assert status == 200
            texts += shown(out)
        compare = {
            **base,
            "compare-feature.value": "AMT_CREDIT",
            "compare-feature-y.value": "AGE_YEARS",
            "compare-group.value": "all",
            "compare-k.value": 500,
            "filter-gender.value": "any",
            "filter-age.value": "same",
            "filter-income.value": "any",
            "filter-contract.value": "same",
        }
        status, out = call(client, dash_app, "compare-size.children", compare, ["client-id.data"])
        assert status == 200
        texts += shown(out)
    # What disclosures build when first opened, whoever the client: the forms and the general importance table.
    for first, opener in (
        ("application-body.children", "application-open"),
        ("whatif-body.children", "whatif-open"),
        ("card-body.children", "card-open"),
        ("why-paragraph.children", "importance-summary"),
    ):
        status, out = call(client, dash_app, first, {"lang.data": lang, f"{opener}.n_clicks": 1}, [f"{opener}.n_clicks"])
        assert status == 200 and out, first
        texts += shown(out)
    letters = [f"/lettre?client={int(portfolio.ids[i])}" for i in (int(np.argmax(proba)), int(np.argmin(proba)))]
    pages = ("/accessibilite" if lang == "fr" else "/accessibility", "/modele", *letters, "/assets/no-such-file.css")
    for path in pages:
        page = html.unescape(client.get(path).get_data(as_text=True))
        page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)  # code and style sheets are not read
        texts += re.sub(r"<[^>]+>", " ", page).split("\n")
    return texts


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_word_of_the_other_language_on_rendered_pages(dash_app, lang):
    texts = rendered_texts(dash_app, lang)
    assert len(texts) > 200  # the scan really read the pages
    found = words(texts)
    foreign = (ENGLISH_WORDS if lang == "fr" else FRENCH_WORDS) & found
    assert not foreign, f"{lang} page contains {sorted(foreign)}"
    joined = json.dumps(texts, ensure_ascii=False)
    raw = sorted(level for level in kaggle_levels(lang) if re.search(rf"\b{re.escape(level)}\b", joined))
    assert not raw, f"untranslated Kaggle category values on the {lang} page: {raw}"
    if lang == "fr":
        english_only = {language("en").label(shown) for f in FIELDS.values() for shown in f.categories.values()} - {
            language("fr").label(shown) for f in FIELDS.values() for shown in f.categories.values()
        }
        leaked = sorted(e for e in english_only if len(e) > 4 and re.search(rf"\b{re.escape(e)}\b", joined))
        assert not leaked, leaked
