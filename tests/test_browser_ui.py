"""Issue 23 in real headless Chromium: French number entry by keyboard, the risk curves, small screens, 200 % zoom,
the waterfall's reference labels and the print stylesheet.

Headless Chromium keeps ``navigator.language`` en-US (FACTS.md): the number tests pass because the app reads the
text, not because the browser happens to be French.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from layouts.whatif import ids as whatif_ids

from .browser import chrome, text_of, wait_for, wait_idle
from .test_accessibility import CONTAINED_JS, CONTRAST_JS
from .test_browser_whatif import (
    active_id,
    assert_axe_clean,
    by_dom_id,
    field_dom_id,
    open_client,
    refused_with_options,
    tab_to,
)

pytestmark = pytest.mark.browser

DECISION_BOX_JS = """
const e = document.getElementById('summary-decision'), r = e.getBoundingClientRect();
return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: innerHeight, width: innerWidth,
        text: e.textContent, scroll: document.documentElement.scrollWidth - document.documentElement.clientWidth};
"""

# Every reference line of a waterfall against every label (reference labels and factor names): where a line's x
# falls inside a label's text, the label must be what is painted there (the line passes behind it), and a reference
# label must lie wholly on one side of its own line.
LINES_JS = """
document.querySelectorAll('.wf-markers, .wf-markers *').forEach(e => e.style.pointerEvents = 'auto');
const crossed = [], across = [];
document.querySelectorAll('.waterfall-chart').forEach(chart => {
  if (chart.offsetParent === null) return;
  [...chart.querySelectorAll('.marker-label, .wf-label')].forEach(label => {
    label.scrollIntoView({block: 'center', behavior: 'instant'});  // elementFromPoint sees the viewport only
    const lines = [...chart.querySelectorAll('.marker-line')].map(l => {
      const r = l.getBoundingClientRect(); return {line: l, x: r.left + 1, top: r.top, bottom: r.bottom}; });
    const range = document.createRange(); range.selectNodeContents(label);
    [...range.getClientRects()].forEach(box => lines.forEach(l => {
      const y = box.top + box.height / 2;
      if (l.x <= box.left + 1 || l.x >= box.right - 1 || l.top > y || l.bottom < y) return;
      const hit = document.elementFromPoint(l.x, y);
      if (!hit || !label.contains(hit)) crossed.push([label.textContent.trim().slice(0, 30), hit && hit.className]);
    }));
    if (label.classList.contains('marker-label')) {
      const own = lines.find(l => l.line.contains(label)), r = label.getBoundingClientRect();
      if (own && r.left < own.x - 1 && r.right > own.x + 1) across.push(label.textContent.trim());
    }
  });
});
document.querySelectorAll('.wf-markers, .wf-markers *').forEach(e => e.style.pointerEvents = '');
return [crossed, across];
"""


@pytest.fixture()
def driver():
    browser = chrome()
    yield browser
    browser.quit()


def emulate(driver, width: int, height: int, scale: float = 1) -> None:
    """The viewport of a small screen, or of a desktop window zoomed (1280 x 800 at 200 % is 640 x 400 CSS px)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False}
    )


def open_whatif(driver) -> None:
    opener = driver.find_element(By.ID, "whatif-open")
    driver.execute_script("arguments[0].focus()", opener)
    opener.send_keys(Keys.ENTER)
    wait_for(
        driver,
        lambda d: "Valeur du client" in text_of(d, field_dom_id(whatif_ids, "AMT_CREDIT", "help")),
        message="form not filled",
    )
    wait_idle(driver)


def retype(driver, element_id: str, text: str, backwards: bool = False) -> None:
    """Reach a field by Tab (Shift+Tab ``backwards``), select all and type, as an advisor does."""
    tab_to(driver, element_id, limit=30, backwards=backwards)
    box = driver.switch_to.active_element
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(text)


def test_french_decimal_comma_and_letters_by_keyboard_whatever_the_browser_locale(server, driver):
    url, portfolio = server
    client_id = refused_with_options(portfolio)
    open_client(driver, url, client_id, "fr")
    assert driver.execute_script("return navigator.language").startswith("en")  # the trap: an English browser
    open_whatif(driver)
    years = field_dom_id(whatif_ids, "DAYS_EMPLOYED")
    assert by_dom_id(driver, years).get_attribute("type") == "text"
    assert by_dom_id(driver, years).get_attribute("inputmode") == "decimal"
    # "1,5" then Enter in the field: the simulation runs, reads 1.5 years (not 15), shows the value back as "1,5".
    retype(driver, years, "1,5")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(
        driver, lambda d: "La probabilité de défaut passe de" in text_of(d, "whatif-status"), message="Enter ran nothing"
    )
    wait_idle(driver)
    assert "1,5 an" in text_of(driver, "whatif-changes")
    assert by_dom_id(driver, years).get_attribute("value") == "1,5"
    assert active_id(driver) == years  # focus stays in the field
    # "1.5" is read as 1.5 too and shown back in French format; a grouped amount is one number.
    retype(driver, field_dom_id(whatif_ids, "AMT_CREDIT"), "", backwards=True)
    driver.switch_to.active_element.send_keys("300 000", Keys.ENTER)
    wait_for(driver, lambda d: "300\u202f000" in text_of(d, "whatif-changes"), message="grouped amount not read")
    wait_idle(driver)
    assert by_dom_id(driver, field_dom_id(whatif_ids, "AMT_CREDIT")).get_attribute("value") == "300\u202f000"
    # Letters: an error tied to the field, what was typed stays in the box, the result goes.
    box = by_dom_id(driver, field_dom_id(whatif_ids, "AMT_CREDIT"))
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("12ab", Keys.ENTER)
    wait_for(
        driver,
        lambda d: "saisissez un nombre" in text_of(d, field_dom_id(whatif_ids, "AMT_CREDIT", "error")),
        message="no field error",
    )
    wait_idle(driver)
    assert box.get_attribute("value") == "12ab"
    assert box.get_attribute("aria-invalid") == "true"
    assert field_dom_id(whatif_ids, "AMT_CREDIT", "error") in box.get_attribute("aria-describedby")
    assert_axe_clean(driver, "fr: number error")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_risk_curves_by_keyboard_accessible_and_contained(server, driver, lang):
    url, portfolio = server
    client_id = refused_with_options(portfolio)
    open_client(driver, url, client_id, lang)
    # From the navigation link to the section, then Enter on its disclosure: the curves are built on opening.
    link = driver.find_element(By.CSS_SELECTOR, ".site-nav a[href='#curve']")
    driver.execute_script("arguments[0].focus()", link)
    link.send_keys(Keys.ENTER)
    tab_to(driver, "curve-open", limit=10)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#curve-amount-figure .main-svg"), 30, "no curve drawn")
    wait_idle(driver)
    assert active_id(driver) == "curve-open"
    words = ("Courbes du client", "Probabilité de défaut de") if lang == "fr" else ("Curves of client", "Probability of")
    assert words[0] in text_of(driver, "curve-status")
    assert text_of(driver, "curve-amount-caption").startswith(words[1])
    legend = driver.execute_script(
        "return [...document.querySelectorAll('#curve-amount-figure .legendtext')].map(t => t.textContent).join('|')"
    )
    assert ("Seuil" if lang == "fr" else "Threshold") in legend
    assert driver.find_element(By.ID, "curve-amount-img").get_attribute("role") == "img"
    assert_axe_clean(driver, f"{lang}: risk curves")
    for width in (320, 1280):
        emulate(driver, width, 900)
        driver.execute_script("return new Promise(r => setTimeout(r, 400))")
        bad, overflow = driver.execute_script(CONTAINED_JS)
        assert bad == [] and overflow <= 0, (width, bad, overflow)
    assert driver.execute_script(CONTRAST_JS) == []


@pytest.mark.parametrize(
    ("width", "height", "scale"),
    [(320, 800, 1), (640, 400, 2)],  # a phone; a 1280 x 800 window at 200 % zoom
    ids=["320px", "zoom200"],
)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_decision_on_the_first_screen(server, driver, width, height, scale, lang):
    url, portfolio = server
    client_id = refused_with_options(portfolio)
    emulate(driver, width, height, scale)
    open_client(driver, url, client_id, lang)
    box = driver.execute_script(DECISION_BOX_JS)
    assert box["text"].strip(), box
    assert box["top"] >= 0 and box["bottom"] <= box["height"], f"decision below the first screen: {box}"
    assert box["scroll"] <= 0, f"horizontal scrolling: {box}"
    # The compact header hides nothing from assistive technology: the search's label and help still name the box.
    search = driver.find_element(By.ID, "client-input")
    assert "client-help" in search.get_attribute("aria-describedby")
    assert_axe_clean(driver, f"{lang}: decision at {width}px x{scale}")
    # Without a client the header is not compacted: the tagline is shown.
    driver.get(f"{url}/")
    wait_idle(driver)
    assert driver.find_element(By.CSS_SELECTOR, ".subtitle").is_displayed()


@pytest.mark.parametrize("width", [320, 640, 1280])
def test_waterfall_reference_labels_never_cross_lines(server, driver, width):
    url, portfolio = server
    emulate(driver, width, 900)
    for client_id in (refused_with_options(portfolio), int(portfolio.ids[3]), int(portfolio.ids[40])):
        open_client(driver, url, client_id, "fr")
        driver.execute_script("return new Promise(r => setTimeout(r, 300))")
        crossed, across = driver.execute_script(LINES_JS)
        assert crossed == [], (width, client_id, crossed)
        assert across == [], (width, client_id, across)


def test_print_shows_the_decision_reasons_and_facts_without_navigation_or_forms(server, driver):
    url, portfolio = server
    open_client(driver, url, refused_with_options(portfolio), "fr")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    shown = driver.execute_script(
        "return arguments[0].map(s => { const e = document.querySelector(s); return e && getComputedStyle(e).display; })",
        [".site-nav", ".skip-link", "#select", "#review", "#whatif", "#curve", "#advice", "#application", "#compare"],
    )
    assert shown == ["none"] * 9, shown
    for element_id in ("summary-decision", "summary-reasons", "summary-facts"):
        assert driver.find_element(By.ID, element_id).is_displayed(), element_id
    assert "Crédit refusé" in text_of(driver, "summary-decision")
    assert driver.execute_script("return document.querySelectorAll('main input, main select, main button').length") > 0
    visible_controls = driver.execute_script(
        "return [...document.querySelectorAll('input, select, textarea, button')]"
        ".filter(e => e.offsetParent !== null).length"
    )
    assert visible_controls == 0
