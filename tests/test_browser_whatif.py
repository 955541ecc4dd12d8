"""The advisor's conversation in real headless Chromium, keyboard only: what-if, advice, letter, new application.

axe-core (WCAG 2.x A/AA) must find no violation in each new state, in French and in English.
"""

from __future__ import annotations

import numpy as np
import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from layouts.application import ids as app_ids
from layouts.dom import companion_id, dom_id
from layouts.whatif import ids as whatif_ids

from .browser import (
    chrome,
    console_errors,
    describe,
    open_every_disclosure,
    run_axe,
    set_viewport,
    text_of,
    wait_for,
    wait_idle,
)
from .test_accessibility import CONTAINED_JS, CONTRAST_JS, TEXT_SPACING

pytestmark = pytest.mark.browser

ALLOWED_INCOMPLETE = {
    "color-contrast": "text over pattern-filled bars: background not computable; palette tested separately",
}


@pytest.fixture()
def driver():
    browser = chrome()
    yield browser
    browser.quit()


def refused_with_options(portfolio) -> int:
    """A refused client just above the threshold (advice usually finds options for them)."""
    proba = np.asarray(portfolio.proba)
    index = np.flatnonzero(proba >= portfolio.decision.threshold)
    return int(portfolio.ids[index[np.argsort(proba[index])][2]])


def assert_axe_clean(driver, state: str) -> None:
    """axe with every disclosure open (those built on demand are built by a click), then closed again."""
    opened = open_every_disclosure(driver)
    result = run_axe(driver)
    for details in opened:
        driver.execute_script("arguments[0].open = false", details)
    assert not result["violations"], f"axe violations in state '{state}':\n{describe(result['violations'])}"
    unexpected = [r for r in result["incomplete"] if r["id"] not in ALLOWED_INCOMPLETE]
    assert not unexpected, f"axe needs-review results in state '{state}':\n{describe(unexpected)}"


def field_dom_id(view_ids, name: str, part: str | None = None) -> str:
    """The DOM id of a form field (or of its "help" or "error"): a pattern-matching id as Dash writes it."""
    component_id = view_ids.field(name)
    return dom_id(companion_id(component_id, part) if part else component_id)


def by_dom_id(driver, element_id: str):
    """The element with this id: selenium's By.ID builds a CSS selector, which a pattern-matching id's quotes break."""
    element = driver.execute_script("return document.getElementById(arguments[0])", element_id)
    assert element is not None, f"no element #{element_id}"
    return element


def active_id(driver) -> str:
    return driver.switch_to.active_element.get_attribute("id") or ""


def tab_to(driver, element_id: str, limit: int = 150, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab backwards), nothing else, until ``element_id`` has the focus; fail if never reached."""
    keys = (Keys.SHIFT, Keys.TAB) if backwards else (Keys.TAB,)
    for _ in range(limit):
        if active_id(driver) == element_id:
            return
        driver.switch_to.active_element.send_keys(*keys)
    pytest.fail(f"Tab never reached #{element_id}")


def open_form(driver, opener: str, ready) -> None:
    """Open a form built when its disclosure is first opened (a click on its summary), until ``ready(driver)``."""
    driver.execute_script("arguments[0].click()", driver.find_element(By.ID, opener))
    wait_for(driver, ready, message=f"#{opener} did not open its form")
    wait_idle(driver)


def open_client(driver, url: str, client_id: int, lang: str) -> None:
    driver.get(f"{url}/lang/{lang}")
    driver.get(f"{url}/?client={client_id}")
    wait_for(driver, lambda d: str(client_id) in text_of(d, "status"), message="client never shown")
    wait_idle(driver)


def other_amount(dash_app, portfolio, client_id: int) -> int:
    """Half the client's amount, or 1.5 times it when half would be below the product's smallest amount (its
    bounds are the data's own percentiles: a client at the bottom of the portfolio cannot borrow less)."""
    credit = float(portfolio.raw_value("AMT_CREDIT", portfolio.index_of(client_id)))
    low, high = dash_app.server.config["services"].simulator.rules.bound("AMT_CREDIT")
    return int(credit * 0.5) if credit * 0.5 >= low else int(min(credit * 1.5, high))


def test_keyboard_journey_whatif_advice_letter_application(server, driver, dash_app):
    url, portfolio = server
    client_id = refused_with_options(portfolio)
    open_client(driver, url, client_id, "fr")

    # From the top of the page: Tab to the "What if" link of the navigation, Enter, Tab into the form.
    driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    for _ in range(30):
        if (driver.switch_to.active_element.get_attribute("href") or "").endswith("#whatif"):
            break
        driver.switch_to.active_element.send_keys(Keys.TAB)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    # The form is built when its disclosure is opened, then filled with the client's values.
    tab_to(driver, "whatif-open", limit=10)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(
        driver,
        lambda d: "Valeur du client" in text_of(d, field_dom_id(whatif_ids, "AMT_CREDIT", "help")),
        message="the what-if form was not built and filled",
    )
    wait_idle(driver)
    assert active_id(driver) == "whatif-open"  # focus stays where the advisor is
    tab_to(driver, field_dom_id(whatif_ids, "AMT_CREDIT"), limit=10)

    # An absurd amount: the error is said beside the field, linked to it; the client's result stays away.
    box = driver.switch_to.active_element
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("-5")
    tab_to(driver, "whatif-submit", limit=20)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(
        driver,
        lambda d: "saisissez une valeur" in text_of(d, field_dom_id(whatif_ids, "AMT_CREDIT", "error")),
        message="no field error",
    )
    wait_for(driver, lambda d: box.get_attribute("aria-invalid") == "true", message="aria-invalid not set")
    assert field_dom_id(whatif_ids, "AMT_CREDIT", "error") in box.get_attribute("aria-describedby")
    assert active_id(driver) == "whatif-submit"  # focus is not lost to <body>
    assert_axe_clean(driver, "fr: what-if, field error")

    # Half the amount, by keyboard: the result sits beside the original, with the difference in words.
    tab_to(driver, field_dom_id(whatif_ids, "AMT_CREDIT"), limit=20, backwards=True)
    amount = other_amount(dash_app, portfolio, client_id)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(amount))
    tab_to(driver, "whatif-submit", limit=20)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: "La probabilité de défaut passe de" in text_of(d, "whatif-status"), message="no result")
    wait_idle(driver)
    assert text_of(driver, field_dom_id(whatif_ids, "AMT_CREDIT", "error")) == ""
    assert "Montant du crédit" in text_of(driver, "whatif-changes")
    assert "Demande simulée" in text_of(driver, "whatif-after")
    assert active_id(driver) == "whatif-submit"
    assert_axe_clean(driver, "fr: what-if result")

    # Advice: the button, then the options (each checked by the model).
    tab_to(driver, "advice-submit")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(
        driver,
        lambda d: (
            "vérifiée par le modèle" in text_of(d, "advice-status") or "Aucune modification" in text_of(d, "advice-status")
        ),
        message="no advice",
    )
    wait_idle(driver)
    assert active_id(driver) == "advice-submit"
    assert_axe_clean(driver, "fr: advice")

    # New application: open its form (built on demand, every field empty), type an ordinary loan by keyboard
    # (six months of the portfolio's median monthly income over 36 months) and score it.
    tab_to(driver, "application-open", limit=250)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: d.find_elements(By.ID, "application-submit"), message="the form did not open")
    wait_idle(driver)
    assert active_id(driver) == "application-open"  # focus stays where the advisor is
    assert by_dom_id(driver, field_dom_id(app_ids, "EXT_SOURCE_2")).get_attribute("value") == ""  # nothing pre-filled
    income = int(np.median(np.asarray(server[1].raw("AMT_INCOME_TOTAL"))))
    typed = {
        field_dom_id(app_ids, "DAYS_BIRTH"): "40",
        field_dom_id(app_ids, "AMT_INCOME_TOTAL"): str(income),
        field_dom_id(app_ids, "NAME_CONTRACT_TYPE"): "Prêt personnel",
        field_dom_id(app_ids, "AMT_CREDIT"): str(6 * income),
        field_dom_id(app_ids, "CREDIT_DURATION_MONTHS"): "36",
    }
    for field_id, text in typed.items():
        tab_to(driver, field_id, limit=250)
        driver.switch_to.active_element.send_keys(text)
    tab_to(driver, "application-submit", limit=250)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: "Demande évaluée" in text_of(d, "application-status"), message="application not scored")
    wait_idle(driver)
    assert "Probabilité de défaut" in text_of(driver, "application-proba")
    assert "Taux d’effort" in text_of(driver, "application-terms")
    assert "Score externe 1" in text_of(driver, "application-missing")  # not provided, and said
    assert_axe_clean(driver, "fr: new application scored")

    # The letter: back to its link by Shift+Tab, Enter opens it.
    tab_to(driver, "letter-link", limit=250, backwards=True)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: "/lettre?client=" in d.current_url, message="letter not opened")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert driver.find_element(By.TAG_NAME, "h1").text == "Votre demande de crédit"
    assert_axe_clean(driver, "fr: letter")
    pdf = driver.find_element(By.PARTIAL_LINK_TEXT, "PDF").get_attribute("href")
    response = requests.get(pdf, timeout=60)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert console_errors(driver) == []


def test_english_what_if_and_letter_are_axe_clean(server, driver):
    url, portfolio = server
    client_id = refused_with_options(portfolio)
    open_client(driver, url, client_id, "en")
    opener = driver.find_element(By.ID, "whatif-open")
    driver.execute_script("arguments[0].focus()", opener)
    opener.send_keys(Keys.ENTER)
    wait_for(
        driver,
        lambda d: "Client's value" in text_of(d, field_dom_id(whatif_ids, "AMT_CREDIT", "help")),
        message="form not filled",
    )
    wait_idle(driver)
    submit = driver.find_element(By.ID, "whatif-submit")
    box = by_dom_id(driver, field_dom_id(whatif_ids, "CREDIT_DURATION_MONTHS"))
    driver.execute_script("arguments[0].focus()", box)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("80")
    tab_to(driver, "whatif-submit", limit=20)
    submit.send_keys(Keys.ENTER)
    wait_for(
        driver,
        lambda d: (
            "The probability of default goes from" in text_of(d, "whatif-status")
            or "Simulation not run" in text_of(d, "whatif-status")
        ),
        message="no result",
    )
    wait_idle(driver)
    assert_axe_clean(driver, "en: what-if result")
    driver.get(f"{url}/lettre?client={client_id}")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert_axe_clean(driver, "en: letter")


def test_what_if_and_application_at_320_px_with_text_spacing(server, driver, dash_app):
    """RGAA 10.11/10.12/3.2 on the new views: at 320 px, then with the four text-spacing overrides, no text of
    the client's, the simulated or the new application's waterfall leaves its chart (this client's "average
    client" marker sits near the right edge: its label used to be cut by 12-17 px), no sideways scrolling,
    and every visible text keeps its contrast."""
    url, portfolio = server
    client_id = refused_with_options(portfolio)
    set_viewport(driver, 320, 900)
    open_client(driver, url, client_id, "fr")
    open_form(
        driver, "whatif-open", lambda d: "Valeur du client" in text_of(d, field_dom_id(whatif_ids, "AMT_CREDIT", "help"))
    )
    box = by_dom_id(driver, field_dom_id(whatif_ids, "AMT_CREDIT"))
    driver.execute_script("arguments[0].focus()", box)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(other_amount(dash_app, portfolio, client_id)), Keys.TAB)
    driver.execute_script("document.getElementById('whatif-submit').click()")
    wait_for(driver, lambda d: "La probabilité de défaut passe de" in text_of(d, "whatif-status"), message="no result")
    open_form(driver, "application-open", lambda d: d.find_elements(By.ID, "application-submit"))
    income = int(np.median(np.asarray(portfolio.raw("AMT_INCOME_TOTAL"))))
    for field_id, text in (
        (field_dom_id(app_ids, "DAYS_BIRTH"), "40"),
        (field_dom_id(app_ids, "AMT_INCOME_TOTAL"), str(income)),
        (field_dom_id(app_ids, "NAME_CONTRACT_TYPE"), "Prêt personnel"),
        (field_dom_id(app_ids, "AMT_CREDIT"), str(6 * income)),
        (field_dom_id(app_ids, "CREDIT_DURATION_MONTHS"), "36"),
    ):
        field = by_dom_id(driver, field_id)
        driver.execute_script("arguments[0].focus()", field)
        field.send_keys(text, Keys.TAB)
    driver.execute_script("document.getElementById('application-submit').click()")
    wait_for(driver, lambda d: "Demande évaluée" in text_of(d, "application-status"), message="application not scored")
    wait_idle(driver)
    charts = ("waterfall-figure", "whatif-waterfall-figure", "application-waterfall-figure")
    shown = driver.execute_script(
        "return arguments[0].filter(id => document.getElementById(id).offsetParent !== null)", list(charts)
    )
    assert shown == list(charts)
    bad, overflow = driver.execute_script(CONTAINED_JS)
    assert bad == [] and overflow <= 0, ("320 px", bad, overflow)
    assert driver.execute_script(CONTRAST_JS) == []
    driver.execute_script(TEXT_SPACING)
    driver.execute_script("return new Promise(r => setTimeout(r, 300))")
    bad, overflow = driver.execute_script(CONTAINED_JS)
    assert bad == [] and overflow <= 0, ("320 px, text spacing", bad, overflow)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_letter_keyboard_reflow_spacing_and_print(server, driver, lang):
    """The letter page as an RGAA auditor walks it: skip link first and visible, then the two links in order
    with a visible focus; no sideways scrolling at 320 px, even with text spacing; contrast; and in print the
    tools are not printed (the PDF is made from the same page without them)."""
    url, portfolio = server
    client_id = refused_with_options(portfolio)
    driver.get(f"{url}/lang/{lang}")
    set_viewport(driver, 320, 800)
    driver.get(f"{url}/lettre?client={client_id}")
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    stops = []
    for _ in range(6):
        element = driver.switch_to.active_element
        if element.tag_name == "body":
            break
        info = driver.execute_script(
            """const e = arguments[0], s = getComputedStyle(e), r = e.getBoundingClientRect();
               return [e.getAttribute('href'), parseFloat(s.outlineWidth) || 0, s.outlineStyle,
                       r.left >= 0 && r.right <= innerWidth && r.height > 0];""",
            element,
        )
        assert info[1] >= 2 and info[2] != "none" and info[3], f"focus not visible on {info}"
        stops.append(info[0])
        element.send_keys(Keys.TAB)
    assert stops == ["#main", f"/lettre.pdf?client={client_id}", f"/?client={client_id}"], stops
    driver.find_element(By.CSS_SELECTOR, ".skip-link").send_keys(Keys.ENTER)
    assert driver.switch_to.active_element.get_attribute("id") == "main"
    assert driver.execute_script(CONTRAST_JS) == []
    for state in ("320 px", "320 px, text spacing"):
        if state.endswith("spacing"):
            driver.execute_script(TEXT_SPACING)
        width = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert width <= 0, (state, width)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    hidden = driver.execute_script(
        "return ['.letter-tools', '.skip-link'].map(s => getComputedStyle(document.querySelector(s)).display)"
    )
    assert hidden == ["none", "none"]
