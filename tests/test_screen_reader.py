"""What a blind advisor hears: the real Orca screen reader on a real Chromium (tests/screen_reader.py).

Assertions are on Orca's spoken text, in French (Orca's role names in French too), plus one path in English.
The expected words come from the app's own catalogues and formatters, never copied by hand. One Orca for the
module; one fresh Chromium per test; run serially (Orca runs once per user).
"""

from __future__ import annotations

import numpy as np
import pytest

from app.config import Config
from callbacks.whatif import fill_form
from layouts import explanation as why
from layouts import review
from layouts.formatting import money_unit
from layouts.i18n import language
from layouts.page import nav_links
from layouts.whatif import field_control
from scoring.simulate import REQUIRED
from wsgi import create_app

from .browser import live_server
from .screen_reader import ScreenReader, plain

pytestmark = pytest.mark.browser

# Messages that must never be heard on a deep link's first render (the empty states and prompts of issue 22).
EMPTY_STATE = (
    "No client selected.",
    "Choose a client first.",
    "Choose a client to compare them.",
    "Press “Search for options” to look for changes that would get this credit granted.",
)


@pytest.fixture(scope="module")
def served(synthetic_artifacts, tmp_path_factory):
    db = "sqlite:///" + str(tmp_path_factory.mktemp("reviews") / "reviews.db")
    app = create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False, database_url=db))
    with live_server(app.server) as url:
        yield url, app.server.config["services"]


@pytest.fixture(scope="module")
def site(served):
    return served[0], served[1].portfolio


@pytest.fixture(scope="module")
def reader():
    with ScreenReader("fr_FR.UTF-8") as sr:
        yield sr


def refused(portfolio, grey: bool) -> int:
    """A refused client, in the grey zone or well above it."""
    low, high = portfolio.decision.grey_zone
    threshold = portfolio.decision.threshold
    proba = np.asarray(portfolio.proba)
    among = (proba >= threshold) & (proba < high) if grey else (proba >= high) & (proba < 0.5)
    return int(portfolio.ids[np.flatnonzero(among)[0]])


def decision_start(client_id: int, lang: str = "fr") -> str:
    """The decision sentence up to the decision, from the catalogue ("Client 100003 : ")."""
    template = "Client {client}: {decision}, probability of default {proba}."
    return plain(language(lang)._(template, client=client_id, decision="\0", proba="")).split("\0")[0]


def count(heard: list[str], text: str) -> int:
    return sum(plain(line).count(plain(text)) for line in heard)


def go_to_section(sr: ScreenReader, anchor: str, lang: str = "fr") -> list[str]:
    """By keyboard from the top: Tab to the section's link in the navigation, Enter (focus start moves there)."""
    text = dict(nav_links(lang))[anchor]
    heard = sr.until("Tab", f"{text} lien")
    return heard + sr.key("Return")


def test_deep_link_says_the_title_then_the_decision_once(site, reader):
    url, portfolio = site
    tr = language("fr")
    client_id = refused(portfolio, grey=True)
    heard = reader.open(f"{url}/?client={client_id}")
    title = tr._("Credit dashboard — Prêt à dépenser")
    loaded = [i for i, line in enumerate(heard) if title in line]
    decisions = [i for i, line in enumerate(heard) if plain(line).startswith(decision_start(client_id))]
    assert loaded and len(decisions) == 1, heard
    assert loaded[0] < decisions[0], heard
    sentence = plain(heard[decisions[0]])
    assert tr._("credit refused") in sentence and "%" in sentence, sentence
    assert plain(tr._("Grey zone: review by an advisor required.")) in sentence, sentence  # the review is required
    for message in EMPTY_STATE:
        assert count(heard, tr._(message)) == 0, (message, heard)
    assert not any("Loading" in line for line in heard), heard
    assert not any("cliquable" in line for line in heard), heard


def test_first_tab_is_the_skip_link_and_headings_are_plain(site, reader):
    url, portfolio = site
    tr = language("fr")
    reader.open(f"{url}/")
    assert reader.key("Tab") == [tr._("Skip to main content") + " lien."]
    heard = reader.key("Return")  # no client: to <main>; the next Tab is the client search
    assert any(tr._("Choose a client") in line for line in heard), heard
    heard = reader.key("Tab")
    assert any(tr._("Client id") in line for line in heard), heard

    client_id = refused(portfolio, grey=False)
    reader.open(f"{url}/?client={client_id}")
    assert reader.key("Tab") == [tr._("Skip to main content") + " lien."]
    heard = reader.key("Return")  # a client: to their summary, the decision next
    assert any(tr._("Summary for client {client}", client=client_id) in line for line in heard), heard
    outline = [line for _ in range(14) for line in reader.key("h", quiet=0.4)]
    headings = [line for line in outline if "en-tête niveau" in line]
    for expected in (tr._("Advisor review"), tr._("Why this decision?"), tr._("Client card"),
                     tr._("Compare with other clients")):  # fmt: skip
        assert any(line.startswith(expected) and "en-tête niveau 2" in line for line in headings), (expected, outline)
    assert not any("cliquable" in line for line in outline), outline


def test_client_switch_by_keyboard_says_the_new_decision_once(site, reader):
    url, portfolio = site
    first, second = refused(portfolio, grey=False), refused(portfolio, grey=True)
    reader.open(f"{url}/?client={first}")
    go_to_section(reader, "#select")
    heard = reader.key("Tab")
    assert any(language("fr")._("Client id") in line for line in heard), heard
    reader.key("ctrl+a")
    reader.type(str(second))
    heard = reader.wait_for_speech(decision_start(second), reader.key("Return", quiet=1.0))
    assert count(heard, decision_start(second)) == 1, heard
    assert count(heard, decision_start(first)) == 0, heard  # nothing stale
    tr = language("fr")
    for message in EMPTY_STATE:
        assert count(heard, tr._(message)) == 0, (message, heard)


def test_what_if_result_once_and_a_wrong_value_said_on_its_field(site, reader):
    url, portfolio = site
    tr = language("fr")
    client_id = refused(portfolio, grey=False)
    reader.open(f"{url}/?client={client_id}")
    go_to_section(reader, "#whatif")
    heard = reader.key("Tab")
    assert any(tr._("Change the terms or the declared data") in line for line in heard), heard
    reader.key("Return", quiet=1.0)  # opens the form (built on demand), focus stays on its button
    amount = tr._("{label} ({unit})", label=tr.field("AMT_CREDIT"), unit=money_unit("fr"))
    heard = reader.until("Tab", amount)
    reader.key("ctrl+a")
    reader.type("200000")
    reader.until("Tab", tr._("Simulate") + " bouton")
    heard = reader.wait_for_speech("%", reader.key("Return", quiet=1.5))
    results = [line for line in heard if "%" in line]
    assert len(results) == 1 and tr._("credit refused").split()[0] in results[0], heard
    assert any(word in results[0] for word in ("passe de", "Rien n'a changé")), results

    # A wrong value: the status says so once, and the field's error is read when focus comes back to it.
    reader.until("shift+Tab", amount)
    reader.key("ctrl+a")
    reader.type("-5")
    reader.until("Tab", tr._("Simulate") + " bouton")
    heard = reader.key("Return", quiet=1.5)
    # What is wrong is said once, in the form's message (the status line must not repeat it).
    wrong = tr.ngettext(
        "{n} value needs correcting; the client's application is unchanged.",
        "{n} values need correcting; the client's application is unchanged.",
        1,
    )
    heard = reader.wait_for_speech(wrong, heard)
    assert count(heard, wrong) == 1, heard
    assert count(heard, tr._("Simulation not run: see the messages beside the fields.")) <= 1, heard
    heard = reader.until("shift+Tab", amount)
    field = [line for line in heard if amount in line]
    after = heard[heard.index(field[-1]):]
    assert any("-5" in line for line in field), field
    assert len(" ".join(after)) > len(field[-1]) and any(
        any(word in line.lower() for word in ("positif", "supérieur", "au moins", "entre", "valeur de")) for line in after
    ), after


def test_advice_search_is_announced_once(site, reader):
    url, portfolio = site
    tr = language("fr")
    client_id = refused(portfolio, grey=False)
    reader.open(f"{url}/?client={client_id}")
    go_to_section(reader, "#advice")
    reader.until("Tab", tr._("Search for options"))
    heard = reader.key("Return", quiet=2.0, limit=30)
    reader.wait_quiet(1.5, 30)
    heard += reader.spoken()
    assert len(heard) == 1, heard  # the advice's status, nothing else


def test_english_page_from_the_search_box(site, reader):
    """The English path: skip link, client search, the decision said once, in English."""
    url, portfolio = site
    client_id = refused(portfolio, grey=False)
    tr = language("en")
    reader.open(f"{url}/lang/en")  # sets the language cookie in this fresh profile, then the empty dashboard
    assert reader.key("Tab") == [tr._("Skip to main content") + " lien."]
    reader.key("Return")
    heard = reader.key("Tab")
    assert any(tr._("Client id") in line for line in heard), heard
    reader.type(str(client_id))
    heard = reader.wait_for_speech(decision_start(client_id, "en"), reader.key("Return", quiet=1.0))
    assert count(heard, decision_start(client_id, "en")) == 1, heard
    decision = [plain(line) for line in heard if plain(line).startswith(decision_start(client_id, "en"))][0]
    assert tr._("credit refused") in decision and "probability of default" in decision, decision


def test_recorded_review_is_announced_once(site, reader):
    """The review form by keyboard (a radio, the reason select with the arrows, the comment, the confirmation):
    its result is said once, and no error."""
    url, portfolio = site
    tr = language("fr")
    client_id = refused(portfolio, grey=True)
    reader.open(f"{url}/?client={client_id}")
    go_to_section(reader, "#review")
    grant = review.decision_labels("fr")["grant"]
    reader.until("Tab", grant)
    reader.key("space")
    heard = reader.key("Tab")
    assert any(tr._("Main reason") in line for line in heard), heard
    heard = reader.key("Down")  # from the prompt to the first reason: the arrows change the select
    assert any(review.reason_labels("fr")["documents_checked"] in line for line in heard), heard
    reader.key("Tab")
    reader.type("Justificatifs vérifiés avec le client.")
    confirm = tr._(
        "I confirm this final decision. Once recorded it cannot be changed; a later review is added to the history."
    )
    reader.until("Tab", confirm.split(".")[0])
    reader.key("space")
    reader.until("Tab", tr._("Record the review") + " bouton")
    recorded = tr._("Review recorded for client {client}: {decision}.", client=client_id, decision="\0")
    recorded = plain(recorded).split("\0")[0]
    heard = reader.wait_for_speech(recorded, reader.key("Return", quiet=1.5))
    assert count(heard, recorded) == 1, heard
    not_recorded = tr.ngettext(
        "Not recorded: {n} field to complete or correct.", "Not recorded: {n} fields to complete or correct.", 1
    ).split(":")[0]
    assert count(heard, not_recorded) == 0, heard


def test_new_application_is_announced_once(served, reader):
    """The new-application form by keyboard, its required select changed with the arrows: the result once."""
    url, services = served
    portfolio = services.portfolio
    tr = language("fr")
    client_id = next(
        int(c) for c in portfolio.ids[:200] if fill_form(services, int(c), "fr")["values"]["CREDIT_DURATION_MONTHS"]
    )
    typed = fill_form(services, client_id, "fr")  # a real client's amounts, as the form writes them
    labels = {n: field_control("x", n, "fr", help_text="").children[0].children for n in REQUIRED}
    reader.open(f"{url}/")
    go_to_section(reader, "#application")
    reader.until("Tab", tr._("Fill in a new application"))
    reader.key("Return", quiet=1.5)  # builds the form; focus stays on its disclosure
    entries = [
        ("DAYS_BIRTH", "40"),
        ("AMT_INCOME_TOTAL", typed["values"]["AMT_INCOME_TOTAL"]),
        ("NAME_CONTRACT_TYPE", None),
        ("AMT_CREDIT", typed["values"]["AMT_CREDIT"]),
    ]
    for name, text in entries:
        reader.until("Tab", labels[name])
        if text is None:  # the required select, from its prompt to the first contract type with one arrow
            heard = reader.key("Down")
            assert any(tr.category(name, "Cash loans") in line for line in heard), heard
        else:
            reader.key("ctrl+a")
            reader.type(str(text))
    reader.until("Tab", tr._("Credit duration (months)"))
    reader.key("ctrl+a")
    reader.type(str(typed["values"]["CREDIT_DURATION_MONTHS"]))
    reader.until("Tab", tr._("Score this application") + " bouton")
    scored = plain(tr._("Application scored: {decision}, probability of default {proba}.", decision="\0", proba=""))
    scored = scored.split("\0")[0]
    heard = reader.wait_for_speech(scored, reader.key("Return", quiet=1.5), limit=30)
    assert count(heard, scored) == 1, heard


def test_chart_label_summary_and_data_table_with_headers(site, reader):
    """The explanation's chart: an image named by its title, then the sentence that summarises it; its data
    table reached from the disclosure and read with its headers."""
    url, portfolio = site
    tr = language("fr")
    client_id = refused(portfolio, grey=False)
    explanation = portfolio.explanation(client_id)
    caption = words(why.waterfall_caption(explanation, why.factors(explanation, portfolio.category_levels, "fr"), "fr"))
    title = tr._("Contributions to the score")
    headers = [
        words(tr._(h)) for h in ("Reason", "This client", "Effect", "Percentage points", "Probability of default")
    ]
    reader.open(f"{url}/?client={client_id}")
    go_to_section(reader, "#why")
    reader.until("Tab", tr._("Data of the chart: {title}", title=title))
    reader.key("Return", quiet=1.5)  # opens the disclosure: the table is filled on demand
    # The table's scrollable region, focusable for the keyboard (Orca calls it "cliquable" even without a click
    # listener on it: disable_n_clicks did not change that, measured).
    heard = reader.key("Tab")
    assert any("région" in line for line in heard), heard
    said = words(" ".join(reader.key("t")))
    assert title in said and "tableau avec" in said and f"{headers[0]} en-tête de colonne" in said, said
    # Orca's table navigation along the header row: each column's header, in order.
    for text in headers[1:]:
        said = words(" ".join(reader.key("alt+shift+Right")))
        assert said.startswith(text), (text, said)
    said = words(" ".join(reader.key("alt+shift+Down")))  # a value of the first row, with where it sits
    assert "%" in said and "Ligne 2, colonne 5" in said, said
    heard = reader.key("shift+g")  # back to the chart, a graphic named by its title
    assert any(words(line).startswith(title) and "image" in line for line in heard), heard
    heard = [words(line) for line in reader.key("Down")]  # then its caption, the sentence that summarises it
    assert heard and len(heard[0]) > 20 and caption.startswith(heard[0][:40]), (heard, caption)


def words(text: str) -> str:
    """Speech or text with its spaces (non-breaking, narrow, repeated) as single plain spaces."""
    return " ".join(plain(text).split())
