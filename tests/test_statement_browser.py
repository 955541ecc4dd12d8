"""The accessibility statement in real headless Chromium: axe-core, keyboard, reflow, and the audit's numbers."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from app.accessibility_audit import conformity_rate, load_audit
from app.config import Config
from layouts.i18n import language
from wsgi import create_app

from .browser import AXE_JS, chrome, describe, live_server, run_axe, set_viewport

pytestmark = pytest.mark.browser

PATHS = {"fr": "/accessibilite", "en": "/accessibility"}


@pytest.fixture(scope="module")
def url(synthetic_artifacts):
    if not AXE_JS.is_file():
        pytest.fail("axe-core missing: run `npm install` (make test does it)")
    app = create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False))
    with live_server(app.server) as base:
        yield base


@pytest.fixture(scope="module")
def driver():
    browser = chrome()
    yield browser
    browser.quit()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_statement_page_passes_axe_in_both_languages(url, driver, lang):
    set_viewport(driver, 1280, 900)
    driver.get(url + PATHS[lang])
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    result = run_axe(driver)
    assert not result["violations"], describe(result["violations"])
    assert not result["incomplete"], describe(result["incomplete"])

    # Keyboard: the skip link comes first and leads to <main>; every focusable element shows its outline.
    driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip = driver.switch_to.active_element
    assert "skip-link" in skip.get_attribute("class") and skip.is_displayed()
    focusable = driver.execute_script("return document.querySelectorAll('a[href], [tabindex=\"0\"]').length")
    seen = set()
    for _ in range(focusable + 5):
        element = driver.switch_to.active_element
        outline = driver.execute_script("return parseFloat(getComputedStyle(arguments[0]).outlineWidth) || 0", element)
        assert outline >= 2, element.get_attribute("outerHTML")[:120]
        seen.add(element.get_attribute("outerHTML"))
        element.send_keys(Keys.TAB)
        if driver.execute_script("return document.activeElement === document.body"):
            break
    assert len(seen) >= focusable  # every link and the scrollable table were reached, and Tab left the page

    driver.execute_script("document.querySelector('.skip-link').focus()")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    assert driver.switch_to.active_element.get_attribute("id") == "main"

    # The other language's statement is one link away, announced in its language.
    other = "en" if lang == "fr" else "fr"
    switch = driver.find_element(By.CSS_SELECTOR, f"a[hreflang='{other}']")
    assert switch.get_attribute("lang") == other and switch.get_attribute("href").endswith(PATHS[other])

    # 320 CSS pixels: no sideways scrolling of the page (the results table scrolls in its own focusable region).
    set_viewport(driver, 320, 800)
    assert driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert not run_axe(driver)["violations"]
    set_viewport(driver, 1280, 900)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_statement_page_shows_the_audit_rate_and_non_conformities(url, driver, lang):
    audit = load_audit()
    driver.get(url + PATHS[lang])
    result = " ".join(driver.find_element(By.ID, "audit-result").text.split())
    assert " ".join(language(lang).percent(float(conformity_rate(audit)), 1).split()) in result
    listed = [li.get_attribute("data-criterion") for li in driver.find_elements(By.CSS_SELECTOR, "li[data-criterion]")]
    assert listed == [c.number for c in audit.criteria if c.status == "NC"]
    texts = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "li[data-criterion]")]
    for criterion, text in zip((c for c in audit.criteria if c.status == "NC"), texts, strict=True):
        assert " ".join(criterion.defect[lang].split()) in " ".join(text.split())
    # The totals row of the results table adds up to the audit's counts.
    total = driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")[-1].find_elements(By.TAG_NAME, "td")
    counts = audit.counts
    assert [int(cell.text) for cell in total] == [counts["C"], counts["NC"], counts["NA"]]
