"""Reasons in words and the advisor's final decision, in real headless Chromium: no jargon on the French page,
three reason families with their help by keyboard, the reason select by arrow keys, and a recorded review that
changes the summary and the tab's title (axe-core clean throughout)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from app.config import Config
from app.reviews import ReviewStore
from wsgi import create_app

from .browser import AXE_JS, chrome, console_errors, live_server, open_every_disclosure, text_of, wait_for, wait_idle
from .test_browser_model_review import assert_axe_clean

pytestmark = pytest.mark.browser

# Internal names and analyst's jargon that must not reach the advisor's French page.
JARGON = ("SHAP", "logit", "log-odds", "SK_ID_CURR", "XGBoost", "EXT_SOURCE", "AMT_", "DAYS_")
SI_TICK = re.compile(r"\b\d+(?:[.,]\d+)?[kMG]\b")  # "100k": Plotly's SI suffixes


@pytest.fixture(scope="module")
def server(synthetic_artifacts, tmp_path_factory):
    if not AXE_JS.is_file():
        pytest.fail("axe-core missing: run `npm install` (make test does it)")
    db = f"sqlite:///{tmp_path_factory.mktemp('browser-final') / 'reviews.sqlite3'}"
    app = create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False, database_url=db))
    with live_server(app.server) as url:
        yield url, app.server.config["services"], db


@pytest.fixture()
def driver():
    browser = chrome()
    yield browser
    browser.quit()


def clients(portfolio) -> dict[str, int]:
    proba = np.asarray(portfolio.proba)
    low, high = portfolio.decision.grey_zone
    ids = np.asarray(portfolio.ids)
    masks = {"refused": proba >= high, "grey": (proba >= low) & (proba < high), "granted": proba < low}
    return {kind: int(ids[np.flatnonzero(mask)[len(np.flatnonzero(mask)) // 2]]) for kind, mask in masks.items()}


def open_client(driver, url: str, client_id: int) -> None:
    driver.get(f"{url}/?client={client_id}")
    wait_for(driver, lambda d: str(client_id) in text_of(d, "status"), message="status never named the client")
    wait_idle(driver)


def page_text(driver) -> str:
    """What the page says, shown or not: every text node of the document but scripts and styles, and the title."""
    return driver.execute_script(
        """const skip = n => n.parentElement.closest('script, style');
           const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
               acceptNode: n => skip(n) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
           const parts = [document.title];
           while (walker.nextNode()) parts.push(walker.currentNode.nodeValue);
           document.querySelectorAll('[aria-label], [title]').forEach(
               e => parts.push(e.getAttribute('aria-label') || '', e.getAttribute('title') || ''));
           return parts.join(' ');"""
    )


def test_french_page_has_no_jargon_and_three_reason_families_in_words(server, driver):
    url, services, _ = server
    for kind, client_id in clients(services.portfolio).items():
        open_client(driver, url, client_id)
        open_every_disclosure(driver)  # data tables, card, forms: everything a view can show
        wait_for(driver, lambda d: "Points de pourcentage" in text_of(d, "waterfall-table"), message="table not built")
        text = page_text(driver)
        found = [word for word in JARGON if word.lower() in text.lower()]
        assert not found, (kind, found)
        assert not SI_TICK.search(text), (kind, SI_TICK.search(text).group(0))
        # Three different families, in words, each with its effect in points and its help.
        items = driver.find_elements(By.CSS_SELECTOR, "#summary-reasons > li")
        assert len(items) == 3
        labels = [i.find_element(By.CSS_SELECTOR, ".reason-label").text for i in items]
        assert len(set(labels)) == 3, labels
        for item in items:
            effect = item.find_element(By.CSS_SELECTOR, "summary").text
            assert re.search(r"(augmente le risque de |diminue le risque de |pèse [+−])\d+,\d points?", effect), effect
            assert item.find_element(By.CSS_SELECTOR, ".reason-help").text  # opened above: shown
        # The waterfall speaks in percentage points, with units.
        values = [v.text for v in driver.find_elements(By.CSS_SELECTOR, "#waterfall-img .wf-value")][:-1]
        assert values and all(re.fullmatch(r"[↑↓] [+−]\d+,\d points?", v) for v in values), values
        assert driver.title.startswith(f"Client {client_id} : crédit ")
    assert console_errors(driver) == []


def test_a_reason_help_opens_with_the_keyboard(server, driver):
    url, services, _ = server
    open_client(driver, url, clients(services.portfolio)["refused"])
    first = driver.find_element(By.CSS_SELECTOR, "#summary-reasons > li details")
    summary = first.find_element(By.TAG_NAME, "summary")
    help_text = first.find_element(By.CSS_SELECTOR, ".reason-help")
    assert first.get_attribute("open") is None and not help_text.is_displayed()
    driver.execute_script("arguments[0].focus()", summary)
    summary.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: help_text.is_displayed(), message="help not shown by Enter")
    assert driver.execute_script("return arguments[0].getAttribute('role') || arguments[0].tagName", summary) == "SUMMARY"
    assert_axe_clean(driver, "a reason's help open")


def test_a_review_recorded_by_keyboard_becomes_the_final_decision(server, driver):
    url, services, db = server
    target = clients(services.portfolio)["refused"]
    open_client(driver, url, target)
    assert driver.title == f"Client {target} : crédit refusé — Prêt à dépenser"
    assert not driver.find_element(By.ID, "summary-final").is_displayed()

    # The reason select shows its prompt and moves with the arrow keys.
    select = driver.find_element(By.ID, "review-reason")
    prompt = driver.execute_script("const s = arguments[0]; return s.options[s.selectedIndex].text", select)
    assert prompt == "Choisir une raison" and select.get_attribute("value") == ""
    driver.execute_script("arguments[0].focus()", select)
    select.send_keys(Keys.ARROW_DOWN)
    wait_for(driver, lambda d: select.get_attribute("value") == "documents_checked", message="arrow down did not move")
    select.send_keys(Keys.ARROW_DOWN)
    wait_for(driver, lambda d: select.get_attribute("value") == "income_or_guarantee", message="second arrow stuck")
    select.send_keys(Keys.ARROW_UP)
    wait_for(driver, lambda d: select.get_attribute("value") == "documents_checked", message="arrow up did not move")

    # Granting with "incomplete application" is refused, at the reason's field.
    grant = driver.find_element(By.CSS_SELECTOR, "#review-decision input[value='grant']")
    driver.execute_script("arguments[0].click()", grant)
    for _ in range(4):
        select.send_keys(Keys.ARROW_DOWN)  # documents_checked -> incomplete_file
    wait_for(driver, lambda d: select.get_attribute("value") == "incomplete_file")
    driver.find_element(By.ID, "review-comment").send_keys("Pièces vérifiées avec le client en agence.")
    driver.execute_script("arguments[0].click()", driver.find_element(By.ID, "review-confirm"))
    driver.execute_script("arguments[0].click()", driver.find_element(By.ID, "review-submit"))
    wait_for(driver, lambda d: "ne peut pas justifier" in text_of(d, "review-reason-error"), message="no mismatch error")
    wait_for(driver, lambda d: select.get_attribute("aria-invalid") == "true")
    assert ReviewStore(db).history(target) == []
    assert_axe_clean(driver, "decision and reason disagree", "document.getElementById('review')")

    for _ in range(4):
        select.send_keys(Keys.ARROW_UP)  # back to documents_checked
    wait_for(driver, lambda d: select.get_attribute("value") == "documents_checked")
    driver.execute_script("arguments[0].click()", driver.find_element(By.ID, "review-submit"))
    wait_for(driver, lambda d: "review-ok" in d.find_element(By.ID, "review-message").get_attribute("class"))

    # Without reloading: the summary shows the final decision beside the model's, and the title follows.
    wait_for(driver, lambda d: "Crédit accordé" in text_of(d, "summary-final"), message="summary did not follow")
    final = text_of(driver, "summary-final")
    assert "Décision finale" in final and "Pièces justificatives vérifiées" in final
    assert driver.find_element(By.ID, "summary-final").is_displayed()
    assert "Recommandation du modèle" in text_of(driver, "summary-decision")
    wait_for(driver, lambda d: d.title == f"Client {target} : crédit accordé par le conseiller — Prêt à dépenser")
    assert_axe_clean(driver, "final decision shown")
    assert console_errors(driver) == []
