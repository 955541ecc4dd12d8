"""RGAA 4.1 / WCAG 2.2 checks beyond axe-core, in real headless Chromium (what an auditor would check by hand).

- text contrast of every visible text, opacity and stacked backgrounds included (1.4.3);
- no chart text outside its chart at 320, 640 and 1280 px, and with the four text-spacing overrides
  (1.4.10, 1.4.12);
- one contentinfo landmark, Plotly's measuring SVG out of the accessibility tree (1.3.1);
- the grey zone said in the status announcement (4.1.3);
- forced colours (Windows high contrast): charts take the system colours (1.4.11 in forced-colours mode);
- words are not broken anywhere: break at word boundaries, hyphenate by the page's language (1.4.10).
"""

from __future__ import annotations

import numpy as np
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from .browser import chrome, open_every_disclosure, set_viewport, text_of, wait_for, wait_idle

pytestmark = pytest.mark.browser

# Contrast of every visible text node's element: effective colour (opacity of the ancestors included)
# against the first opaque background behind it (semi-transparent ones composited on the way).
CONTRAST_JS = """
function parse(c) { const m = c.match(/[\\d.]+/g); if (!m) return [0, 0, 0, 0];
  return [+m[0], +m[1], +m[2], m.length > 3 ? +m[3] : 1]; }
function lum(rgb) { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(rgb[0]) + 0.7152 * f(rgb[1]) + 0.0722 * f(rgb[2]); }
function over(top, below) { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + below[i] * (1 - a)).concat([1]); }
function background(e) { const layers = [];
  for (let n = e; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor);
    if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
  let bg = [255, 255, 255, 1]; for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg); return bg; }
function opacity(e) { let o = 1; for (let n = e; n; n = n.parentElement) o *= parseFloat(getComputedStyle(n).opacity); return o; }
function hidden(e) { for (let n = e; n; n = n.parentElement) { const s = getComputedStyle(n);
    if (s.display === 'none' || s.visibility === 'hidden' || n.hidden) return true;
    if (s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clipPath === 'inset(50%)') return true;
    if (n.tagName === 'DETAILS' && !n.open && n !== e && !e.closest('summary')) return true; }
  const r = e.getBoundingClientRect(); return r.width < 2 || r.height < 2; }
const out = []; const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const seen = new Set();
while (walker.nextNode()) { const t = walker.currentNode; if (!t.textContent.trim()) continue;
  const e = t.parentElement; if (!e || seen.has(e) || e.closest('svg, script, style, .skip-link')) continue; seen.add(e);
  if (hidden(e)) continue;
  const s = getComputedStyle(e); const bg = background(e); const fg = over(parse(s.color).slice(0, 3).concat([parse(s.color)[3] * opacity(e)]), bg);
  const a = lum(fg), b = lum(bg); const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  if (ratio < (large ? 3 : 4.5)) out.push([e.id || e.className || e.tagName, t.textContent.trim().slice(0, 40), ratio.toFixed(2)]); }
return out;
"""

# Every piece of text of a chart inside the chart's own box: Plotly's SVG text inside its SVG, the HTML
# charts' labels inside the chart (tables scroll in their own focusable region, so they are not counted).
CONTAINED_JS = """
const bad = [];
document.querySelectorAll('.chart').forEach(chart => {
  if (chart.offsetParent === null) return;
  const svg = chart.querySelector('.main-svg');
  const box = (svg || chart.querySelector('.chart-drawing')).getBoundingClientRect();
  if (box.width === 0) return;
  const texts = svg ? chart.querySelectorAll('svg text') : chart.querySelectorAll('.chart-drawing span, .chart-drawing li');
  texts.forEach(t => { if (!t.textContent.trim()) return; const r = t.getBoundingClientRect();
    if (r.width === 0) return;
    if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
      bad.push([chart.id, t.textContent.trim().slice(0, 30), Math.round(r.left - box.left), Math.round(box.right - r.right),
                Math.round(r.top - box.top), Math.round(box.bottom - r.bottom)]); });
});
return [bad, document.documentElement.scrollWidth - document.documentElement.clientWidth];
"""

TEXT_SPACING = (
    "var s = document.createElement('style'); s.id = 'wcag-spacing';"
    "s.textContent = '* { line-height: 1.5 !important; letter-spacing: 0.12em !important;"
    " word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }';"
    "document.head.appendChild(s);"
)


@pytest.fixture()
def driver():
    browser = chrome()
    yield browser
    browser.quit()


def grey_client(portfolio) -> int:
    proba = np.asarray(portfolio.proba)
    low, high = portfolio.decision.grey_zone
    return int(portfolio.ids[int(np.flatnonzero((proba >= low) & (proba < high))[0])])


def open_client(driver, url: str, client_id: int) -> None:
    driver.get(f"{url}/?client={client_id}")
    wait_for(driver, lambda d: str(client_id) in text_of(d, "status"), message="status never named the client")
    wait_idle(driver)


def open_all_details(driver) -> None:
    open_every_disclosure(driver)  # by a click: data tables, the card and the forms are built when first opened


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_visible_text_has_enough_contrast_in_every_state(server, driver, lang):
    url, portfolio = server
    driver.get(f"{url}/lang/{lang}")
    wait_idle(driver)
    assert driver.execute_script(CONTRAST_JS) == [], "no client"
    open_client(driver, url, grey_client(portfolio))
    open_all_details(driver)
    assert driver.execute_script(CONTRAST_JS) == [], "grey-zone client, tables open"
    box = driver.find_element(By.ID, "client-input")
    box.clear()
    box.send_keys("12ab", Keys.ENTER)
    wait_for(driver, lambda d: text_of(d, "client-error").strip())
    assert driver.execute_script(CONTRAST_JS) == [], "input error"
    driver.get(f"{url}/{'accessibilite' if lang == 'fr' else 'accessibility'}")
    assert driver.execute_script(CONTRAST_JS) == [], "statement"


@pytest.mark.parametrize("width", [320, 640, 1280])
def test_chart_text_stays_inside_its_chart(server, driver, width):
    url, portfolio = server
    set_viewport(driver, width, 900)
    open_client(driver, url, int(portfolio.ids[3]))
    bad, overflow = driver.execute_script(CONTAINED_JS)
    assert bad == [] and overflow <= 0, (bad, overflow)


def test_text_spacing_overrides_cut_no_chart_text(server, driver):
    url, portfolio = server
    for width in (320, 1280):
        set_viewport(driver, width, 900)
        open_client(driver, url, int(portfolio.ids[6]))
        driver.execute_script(TEXT_SPACING)
        # Plotly measures its labels when it lays the chart out: a resize lets it measure the new spacing.
        set_viewport(driver, width - 1, 900)
        wait_idle(driver)
        driver.execute_script("return new Promise(r => setTimeout(r, 400))")
        bad, overflow = driver.execute_script(CONTAINED_JS)
        assert bad == [] and overflow <= 0, (width, bad, overflow)
        # The gauge's ticks and labels do not touch one another either.
        touching = driver.execute_script(
            """const items = Array.from(document.querySelectorAll('#gauge-img .hbar-tick, #gauge-img .marker-label,'
                 + ' #gauge-img .gauge-client-label')).map(e => [e.textContent, e.getBoundingClientRect()]);
               const out = [];
               for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
                 const a = items[i][1], b = items[j][1];
                 if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
                   out.push([items[i][0], items[j][0]]); }
               return out;"""
        )
        assert touching == [], (width, touching)
        clipped = driver.execute_script(
            """return Array.from(document.querySelectorAll('main *')).filter(e => {
                 const s = getComputedStyle(e); if (s.overflow !== 'hidden' && s.overflowY !== 'hidden') return false;
                 if (e.closest('.visually-hidden, svg, .js-plotly-plot')) return false;
                 if (s.clip === 'rect(0px, 0px, 0px, 0px)') return false;  // visually hidden on purpose, read aloud
                 return e.scrollHeight > e.clientHeight + 1 && e.textContent.trim(); }).map(e => e.id || e.className);"""
        )
        assert clipped == [], (width, clipped)


def test_one_contentinfo_and_no_stray_image_outside_landmarks(server, driver):
    url, portfolio = server
    open_client(driver, url, int(portfolio.ids[1]))
    landmarks = driver.execute_script(
        """return Array.from(document.querySelectorAll('footer, [role=contentinfo]'))
             .filter(e => !e.closest('article, aside, main, nav, section')).length"""
    )
    assert landmarks == 1
    stray = driver.execute_script(
        """return Array.from(document.querySelectorAll('svg, [role=img], img'))
             .filter(e => !e.closest('header, nav, main, footer, [aria-hidden=true]')).map(e => e.id || e.tagName)"""
    )
    assert stray == []


def test_grey_zone_is_announced_and_shown(server, driver):
    url, portfolio = server
    open_client(driver, url, grey_client(portfolio))
    status = driver.find_element(By.ID, "status")
    assert status.get_attribute("role") == "status"
    assert "zone grise : examen par un conseiller requis" in text_of(driver, "status").lower()
    assert "zone grise" in text_of(driver, "summary-grey").lower()


def test_forced_colours_give_charts_system_colours(server, driver):
    url, portfolio = server
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "forced-colors", "value": "active"}]})
    open_client(driver, url, int(portfolio.ids[2]))
    colours = driver.execute_script(
        """const probe = document.createElement('span'); probe.style.color = 'CanvasText'; document.body.appendChild(probe);
           const text = getComputedStyle(probe).color; probe.style.color = 'Canvas'; const canvas = getComputedStyle(probe).color;
           probe.remove();
           const up = document.querySelector('#waterfall-img .wf-up');
           const svgText = document.querySelector('#compare-hist .main-svg text');
           const layers = Array.from(document.querySelectorAll('#compare-hist .main-svg'));
           return {forced: matchMedia('(forced-colors: active)').matches, text, canvas,
                   up: getComputedStyle(up).backgroundColor, svgText: getComputedStyle(svgText).fill,
                   backgrounds: layers.map(l => getComputedStyle(l).backgroundColor)};"""
    )
    assert colours["forced"]
    assert colours["up"] == colours["text"]  # bars drawn in the system text colour
    assert colours["svgText"] == colours["text"]  # chart words too
    first, *others = colours["backgrounds"]
    assert first == colours["canvas"]  # on the system background, not a white block
    assert others and all(b == "rgba(0, 0, 0, 0)" for b in others), colours["backgrounds"]  # upper layers see-through
    # And on screen the histogram shows its bars in the text colour (an opaque upper layer would blank it).
    from io import BytesIO

    from PIL import Image

    box = driver.execute_script(
        """const e = document.getElementById('compare-hist'); window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 50);
           const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, devicePixelRatio];"""
    )
    scale = box[4]
    shot = Image.open(BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    chart = shot.crop(tuple(int(v * scale) for v in box[:4]))
    ink = tuple(int(v) for v in colours["text"][4:-1].split(","))
    marked = sum(1 for pixel in chart.getdata() if pixel == ink)
    assert marked > 0.03 * chart.width * chart.height, marked


def test_words_break_at_boundaries_and_hyphenate_by_language(server, driver):
    url, portfolio = server
    set_viewport(driver, 320, 800)
    open_client(driver, url, int(portfolio.ids[8]))
    open_all_details(driver)
    styles = driver.execute_script(
        """const cell = document.querySelector('#card-content dd');
           return [document.documentElement.lang, getComputedStyle(document.body).overflowWrap,
                   getComputedStyle(cell).overflowWrap, getComputedStyle(cell).hyphens,
                   Array.from(document.querySelectorAll('*')).filter(e => getComputedStyle(e).overflowWrap === 'anywhere').length];"""
    )
    assert styles[0] == "fr" and styles[1] == "break-word" and styles[2] == "break-word"
    assert styles[3] == "auto" and styles[4] == 0


def test_charts_still_read_right_without_styles(server, driver):
    """RGAA 10.3: with every style sheet off, labels, values and ticks do not run together."""
    url, portfolio = server
    open_client(driver, url, int(portfolio.ids[7]))
    driver.execute_script("for (const s of document.styleSheets) s.disabled = true;")
    texts = driver.execute_script("return Array.from(document.querySelectorAll('.chart-drawing')).map(e => e.innerText)")
    assert len(texts) >= 3
    import re

    for text in texts:
        assert not re.search(r"%\d|\d[↑↓▲]|[a-zé]\d,\d", text), text
