/* Accessibility glue for props Dash components cannot carry (dbc.Input has no aria-* props):
 * - an element with data-error-for="ID" marks input #ID aria-invalid and describes it while it has text;
 * - an element with data-describes="ID [ID...]" always describes input #ID, each of them (help text).
 * An ID may be a pattern-matching id as Dash writes it ({"field":"AMT_CREDIT",...}, layouts/dom.py): looked up with
 * getElementById only, never in a CSS selector (it would need CSS.escape).
 * It only reads and sets attributes, so it can run on every DOM change. */
(function () {
  function addToken(list, token) {
    var parts = (list || "").split(/\s+/).filter(Boolean);
    if (parts.indexOf(token) < 0) parts.push(token);
    return parts.join(" ");
  }
  function removeToken(list, token) {
    return (list || "").split(/\s+/).filter(function (p) { return p && p !== token; }).join(" ");
  }
  var TEXT_TAGS = "#react-entry-point :is(p, h1, h2, h3, h4, h5, h6, div, section, span, strong, ul, ol, li, dl, dt, dd, figure, figcaption, table, tr, td, th)";
  function sync() {
    // Plotly measures text in a hidden SVG appended to <body>: keep it out of the accessibility tree.
    var tester = document.getElementById("js-plotly-tester");
    if (tester && tester.getAttribute("aria-hidden") !== "true") tester.setAttribute("aria-hidden", "true");
    document.querySelectorAll("[data-describes]").forEach(function (help) {
      help.getAttribute("data-describes").split(/\s+/).filter(Boolean).forEach(function (target) {
        var input = document.getElementById(target);
        if (input && help.id) {
          var wanted = addToken(input.getAttribute("aria-describedby"), help.id);
          if (input.getAttribute("aria-describedby") !== wanted) input.setAttribute("aria-describedby", wanted);
        }
      });
    });
    document.querySelectorAll(".wf-markers .marker-label").forEach(keepInside);
    // React gives every Dash html element with an id a no-op onclick (for n_clicks); Chromium then exposes a click
    // action and Orca says "clickable" on plain text and headings. React listens at its root, so n_clicks still
    // counts without it.
    document.querySelectorAll(TEXT_TAGS).forEach(function (node) { if (node.onclick) node.onclick = null; });
    document.querySelectorAll("[data-error-for]").forEach(function (error) {
      var input = document.getElementById(error.getAttribute("data-error-for"));
      if (!input || !error.id) return;
      var hasError = error.textContent.trim().length > 0;
      var current = input.getAttribute("aria-describedby");
      var wanted = hasError ? addToken(current, error.id) : removeToken(current, error.id);
      if (current !== wanted) {
        if (wanted) input.setAttribute("aria-describedby", wanted); else input.removeAttribute("aria-describedby");
      }
      if (hasError && input.getAttribute("aria-invalid") !== "true") input.setAttribute("aria-invalid", "true");
      if (!hasError && input.hasAttribute("aria-invalid")) input.removeAttribute("aria-invalid");
    });
  }
  // A waterfall's marker label near an edge can be wider than the room left there (320 px, text spacing):
  // shift it back inside its chart instead of letting its first or last letters be cut (WCAG 1.4.10, 1.4.12).
  // Only a margin is set: no size changes, so the ResizeObserver below does not loop.
  var resized = window.ResizeObserver ? new ResizeObserver(function () { schedule(); }) : null;
  var watched = new WeakSet();
  function keepInside(label) {
    var chart = label.closest(".chart-drawing");
    if (!chart) return;
    if (resized && !watched.has(label)) { watched.add(label); resized.observe(label); }
    label.style.marginLeft = "";
    var box = chart.getBoundingClientRect(), r = label.getBoundingClientRect();
    if (r.width === 0) return;
    var shift = r.left < box.left ? box.left - r.left : (r.right > box.right ? box.right - r.right : 0);
    if (shift) label.style.marginLeft = Math.ceil(shift) + "px";
  }
  var scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    window.requestAnimationFrame(function () { scheduled = false; sync(); });
  }
  function start() {
    sync();
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true, characterData: true });
    window.addEventListener("resize", schedule);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

/* An expired advisor session makes callbacks answer 401: go to the login page (and back afterwards)
 * instead of leaving a page that silently stops updating. */
(function () {
  if (!window.fetch) return;
  var original = window.fetch.bind(window);
  window.fetch = function () {
    return original.apply(null, arguments).then(function (response) {
      if (response.status === 401 && String(response.url).indexOf("/_dash-") >= 0) {
        var here = window.location.pathname + window.location.search;
        window.location.assign("/login?next=" + encodeURIComponent(here));
      }
      return response;
    });
  };
})();

/* Session time limit (RGAA 13.1, WCAG 2.2.1): two minutes before an idle advisor session ends, say so and offer
 * to extend it. Any request to the server renews the session, so activity restarts the countdown. */
(function () {
  var box = null, timer = null;
  function seconds(name) { return parseInt(box.getAttribute(name), 10) || 0; }
  function arm() {
    if (!box) return;
    window.clearTimeout(timer);
    box.hidden = true;
    var wait = Math.max(seconds("data-seconds") - seconds("data-warn"), 1) * 1000;
    timer = window.setTimeout(function () {
      box.hidden = false;
      var button = document.getElementById("session-extend");
      if (button) button.focus();
    }, wait);
  }
  function extend() {
    window.fetch("/session/extend", { credentials: "same-origin", cache: "no-store" }).then(arm);
  }
  function start() {
    box = document.getElementById("session-warning");
    if (!box) { window.setTimeout(start, 500); return; }  // the page is drawn by Dash after load
    arm();
    document.addEventListener("click", function (event) {
      if (event.target && event.target.id === "session-extend") extend();
    });
    var original = window.fetch.bind(window);
    window.fetch = function () {
      return original.apply(null, arguments).then(function (response) {
        if (String(response.url).indexOf("/_dash-") >= 0 && response.ok) arm();
        return response;
      });
    };
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

/* An in-page link with data-opens="ID" also opens the closed disclosure whose <summary> is #ID (the
 * summary band's "full client card" lands on the card already open, built as on a click of its summary). */
(function () {
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[data-opens]") : null;
    if (!link) return;
    var summary = document.getElementById(link.getAttribute("data-opens"));
    if (summary && summary.parentElement && summary.parentElement.tagName === "DETAILS" && !summary.parentElement.open) {
      summary.click();
    }
  });
})();

/* Start-up, live regions and the skip link, as heard with Orca (issue 22, tests/test_screen_reader.py).
 * - The page is aria-busy with a translated "loading" line until Dash has drawn the layout.
 * - Live-region policy (layouts/status.py): only the status region of the view the advisor works in speaks.
 *   A region [data-status] is polite while focus is inside its view (a section.view), off otherwise; before any
 *   focus, only the client selection's (data-status="start", the decision sentence) speaks.
 * - The skip link leads to the decision when a client is shown, else to <main>. */
(function () {
  var active = null;  // the section.view the advisor last moved focus into
  function viewOf(node) { return node && node.closest ? node.closest("section.view") : null; }
  function applyPolicy() {
    document.querySelectorAll("[data-status]").forEach(function (region) {
      var speaks = active ? viewOf(region) === active : region.getAttribute("data-status") === "start";
      var wanted = speaks ? "polite" : "off";
      if (region.getAttribute("aria-live") !== wanted) region.setAttribute("aria-live", wanted);
    });
  }
  function ready() {
    if (!document.getElementById("main")) return;
    var entry = document.getElementById("react-entry-point");
    if (entry && entry.hasAttribute("aria-busy")) entry.removeAttribute("aria-busy");
    var loading = document.getElementById("page-loading");
    if (loading) loading.remove();
  }
  function decisionShown() {
    var body = document.getElementById("summary-body"), decision = document.getElementById("summary-decision");
    return body && !body.hidden && decision && decision.textContent.trim() ? decision : null;
  }
  document.addEventListener("focusin", function (event) {
    var view = viewOf(event.target);
    if (view && view !== active) { active = view; applyPolicy(); }
  });
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a.skip-link") : null;
    var decision = link && decisionShown();
    if (!decision) return;  // no client: the link's own #main
    event.preventDefault();
    // The summary's heading names the client; the decision follows it. Heard with Orca: focusing the decision
    // paragraph made it say the decision twice (name, then text), its block read the whole block as one line.
    var target = document.getElementById("summary-heading") || decision;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
    target.scrollIntoView({ block: "center" });
  });
  function start() {
    ready();
    applyPolicy();
    new MutationObserver(function () { ready(); applyPolicy(); }).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
