"""A scored new application saved as a client of the PostgreSQL store, against a real server.

The saved row, probability and decision are the scored form's; the new client is found by id at once and its
views render; the advisor's review is recorded; a double click saves once; a bad review or a form that does not
score saves nothing; a server that is down leaves a message and nothing saved. The memory-mapped store's view
says that saving needs the clients database.
"""

from __future__ import annotations

import time

import psycopg
import pytest

from app.config import Config
from callbacks import application, save_client, selection, summary
from layouts.application import ids as application_ids
from layouts.i18n import language
from layouts.whatif import input_text
from scoring.form_units import shown_value
from scoring.simulate import DURATION, terms_of
from scoring.stores.pg_save import KEYS
from scoring.stores.pg_schema import RAW_COLUMNS, libpq_url
from wsgi import create_app

from .pg_clients import load, write_portfolio_files

REVIEW = {"decision": "grant", "reason": "documents_checked", "comment": "Payslips and bank statements checked."}


@pytest.fixture(scope="module")
def url(postgres, tmp_path_factory, synthetic_artifacts) -> str:
    url = postgres.create_database("clients_save")
    assert load(write_portfolio_files(tmp_path_factory.mktemp("clients")), url, synthetic_artifacts) == 0
    return url


def make_app(synthetic_artifacts, tmp_path_factory, clients_url: str):
    db = tmp_path_factory.mktemp("reviews") / "reviews.sqlite3"
    config = Config(
        artifacts_dir=synthetic_artifacts,
        build_default=False,
        database_url=f"sqlite:///{db}",
        clients_database_url=clients_url,
    )
    return create_app(config)


@pytest.fixture(scope="module")
def pg_app(url, synthetic_artifacts, tmp_path_factory):
    return make_app(synthetic_artifacts, tmp_path_factory, url)


@pytest.fixture(scope="module")
def memmap_app(synthetic_artifacts, tmp_path_factory):
    return make_app(synthetic_artifacts, tmp_path_factory, "")


def sql(url: str, query: str, params: tuple = ()):
    with psycopg.connect(libpq_url(url)) as connection:
        return connection.execute(query, params).fetchall()


def form_of(services, client_id: int, lang: str = "en") -> dict:
    """The new-application form as an advisor would type a portfolio client's values."""
    values = dict(services.application(client_id).values)
    values[DURATION] = terms_of(values).months
    return {name: input_text(name, shown_value(name, values), lang) for name in application.APPLICATION_COLUMNS}


def scored(services, form: dict, monkeypatch, lang: str = "en") -> dict:
    monkeypatch.setattr(application, "triggered", lambda: application_ids.submit)
    return application.score_application(services, clicks=1, enters=None, lang=lang, region="", values=form)


def save(app, form: dict, key, lang: str = "en", **review) -> dict:
    services = app.server.config["services"]
    with app.server.test_request_context():  # development: the stand-in advisor is signed in
        return save_client.save_application(
            services, clicks=1, key=key, region="", values=form, lang=lang, **{**REVIEW, **review}
        )


def new_ids(url: str, above: int) -> list[int]:
    return [r[0] for r in sql(url, 'SELECT "SK_ID_CURR" FROM clients WHERE "SK_ID_CURR" > %s', (above,))]


@pytest.fixture(scope="module")
def loaded_max(url) -> int:
    return sql(url, 'SELECT max("SK_ID_CURR") FROM clients')[0][0]


def test_a_saved_application_is_a_client_at_once(pg_app, url, loaded_max, monkeypatch):
    services = pg_app.server.config["services"]
    source = services.portfolio.ids[17]
    form = form_of(services, int(source))
    out = scored(services, form, monkeypatch)
    assert out["save_key"] and out["save_disabled"] is False and out["result"] is False
    expected = loaded_max + 1
    assert selection.suggest(services, typed=str(expected))["options"] == []  # cached: no such client yet

    started = time.perf_counter()
    saved = save(pg_app, form, out["save_key"])
    latency = time.perf_counter() - started
    assert latency < 5, latency
    assert new_ids(url, loaded_max) == [expected]
    assert saved["disabled"] is True and saved["message"] == ""
    assert saved["status"] == f"Application saved as client {expected}, review recorded."
    assert saved["saved"].href == f"/?client={expected}"

    # The row, probability and decision are the scored form's.
    app_values = application.form_application(services, form, "", "en").values
    explained = services.simulator.explain(application.form_application(services, form, "", "en"))
    row = services.clients.get(expected)
    for column in RAW_COLUMNS[1:]:
        if column in app_values:
            want, got = app_values[column], row.values[column]
            assert (want is None) == (got is None), column
            if isinstance(want, float):
                assert got == pytest.approx(want, rel=1e-12, abs=1e-9), column
            elif want is not None:
                assert got == want, column
    stored = services.clients.scored(expected)
    assert stored.probability == pytest.approx(explained.probability, abs=1e-12)
    assert stored.decision == explained.decision and stored.model_version == services.artifacts.version
    again = services.clients.explanation(expected)  # recomputed from the stored row
    assert abs(again.probability - explained.probability) <= 1e-9 and again.decision == explained.decision
    assert language("en").percent(explained.probability, 1) in out["proba"]  # what the view showed

    # Found by id (the cached empty search is forgotten) and by the page's URL; its views render.
    assert [o.value for o in selection.suggest(services, typed=str(expected))["options"]] == [str(expected)]
    chosen = selection.select_client(services, url_search=f"?client={expected}", clicks=0, submits=0, typed=None, lang="en")
    assert chosen["client"] == expected and chosen["error"] == ""
    page = summary.show_summary(services, client_id=expected, lang="en")
    assert page["final_hidden"] is False  # the advisor's review is the final decision
    assert pg_app.server.test_client().get(f"/lettre?client={expected}").status_code == 200

    # The review is the same record the review view writes.
    (record,) = services.reviews.history(expected)
    assert (record.decision, record.reason, record.comment) == (REVIEW["decision"], REVIEW["reason"], REVIEW["comment"])
    assert record.model_probability == pytest.approx(explained.probability) and record.model_decision == explained.decision

    # A double click (the same scored form): the same client, nothing new.
    twice = save(pg_app, form, out["save_key"])
    assert twice["saved"].href == f"/?client={expected}" and new_ids(url, loaded_max) == [expected]
    assert len(services.reviews.history(expected)) == 1
    # Scored again: a new key, a new client with a new id.
    third = save(pg_app, form, scored(services, form, monkeypatch)["save_key"])
    assert third["saved"].href == f"/?client={expected + 1}" and new_ids(url, loaded_max) == [expected, expected + 1]


def test_nothing_is_saved_from_a_bad_review_or_form(pg_app, url, loaded_max, monkeypatch):
    services = pg_app.server.config["services"]
    form = form_of(services, int(services.portfolio.ids[40]))
    before = new_ids(url, loaded_max)
    key = scored(services, form, monkeypatch)["save_key"]
    short = save(pg_app, form, key, comment="ok")
    assert short["status"].startswith("Not saved:") and "saved" not in short
    mismatch = save(pg_app, form, key, decision="grant", reason="debt_burden")
    assert mismatch["status"].startswith("Not saved:")
    broken = {**form, "AMT_INCOME_TOTAL": "-5"}
    out = scored(services, broken, monkeypatch)
    assert out["save_key"] is None and out["save_disabled"] is True
    assert save(pg_app, broken, out["save_key"])["status"] == "Not saved: score the application first."
    assert save(pg_app, broken, key)["status"].startswith("Not saved: some values need correcting")
    assert new_ids(url, loaded_max) == before


def test_database_down_says_so_and_saves_nothing(pg_app, postgres, url, loaded_max, monkeypatch):
    services = pg_app.server.config["services"]
    form = form_of(services, int(services.portfolio.ids[60]))
    key = scored(services, form, monkeypatch)["save_key"]
    before = new_ids(url, loaded_max)
    postgres.stop()
    try:
        down = save(pg_app, form, key)
    finally:
        postgres.start()
        postgres.wait_ready()
    assert down["status"].startswith("The clients database does not answer: nothing was saved.")
    assert down["message"] == down["status"] and "saved" not in down and "disabled" not in down
    assert new_ids(url, loaded_max) == before and sql(url, f"SELECT 1 FROM {KEYS} WHERE key = %s", (key,)) == []
    time.sleep(services.clients.pool.retry_after + 0.2)  # the pool's fast-fail window
    back = save(pg_app, form, key)  # the form kept its values: the same press now saves
    assert back["status"].startswith("Application saved as client") and len(new_ids(url, loaded_max)) == len(before) + 1


def test_review_register_down_after_the_save_says_where_to_record_it(pg_app, url, loaded_max, monkeypatch):
    from app.reviews import ReviewStoreUnavailable

    services = pg_app.server.config["services"]
    form = form_of(services, int(services.portfolio.ids[80]))
    key = scored(services, form, monkeypatch)["save_key"]
    before = new_ids(url, loaded_max)

    def down(**_):
        raise ReviewStoreUnavailable("down")

    monkeypatch.setattr(services.reviews, "add", down)
    out = save(pg_app, form, key)
    (client,) = [i for i in new_ids(url, loaded_max) if i not in before]
    assert out["status"].startswith(f"Application saved as client {client}, but the review register does not answer")
    assert out["message"] == out["status"] and out["saved"].href == f"/?client={client}"


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "Saving an application as a client needs the clients database"),
        ("fr", "Enregistrer une demande comme client nécessite la base des clients"),
    ],
)
def test_memmap_store_says_saving_needs_the_database(memmap_app, lang, sentence, monkeypatch):
    services = memmap_app.server.config["services"]
    body = repr(application.show_form(services, clicks=1, shown="", lang=lang)["body"])
    assert sentence in body and "disabled=True" in body
    form = form_of(services, int(services.portfolio.ids[5]), lang)
    out = scored(services, form, monkeypatch, lang)
    assert out["save_disabled"] is True and out["result"] is False
    assert save(memmap_app, form, out["save_key"], lang)["status"].startswith(sentence)


@pytest.mark.browser
def test_keyboard_save_is_announced_and_axe_clean(pg_app, url, loaded_max):
    """By keyboard only: score an application, give the review, save; the status line says so; axe stays clean."""
    import numpy as np
    from selenium.webdriver.common.keys import Keys

    from layouts.review import decision_labels, reason_labels
    from layouts.save_client import ids as save_ids

    from .browser import AXE_JS, chrome, live_server, text_of, wait_for, wait_idle
    from .test_accessibility import CONTRAST_JS
    from .test_browser_whatif import assert_axe_clean, by_dom_id, field_dom_id, tab_to

    if not AXE_JS.is_file():
        pytest.fail("axe-core missing: run `npm install` (make test does it)")
    services = pg_app.server.config["services"]
    income = int(np.median(np.asarray(services.portfolio.raw("AMT_INCOME_TOTAL"))))
    before = new_ids(url, loaded_max)
    with live_server(pg_app.server) as base:
        driver = chrome()
        try:
            driver.get(base + "/")
            wait_idle(driver)
            tab_to(driver, application_ids.open, limit=250)
            driver.switch_to.active_element.send_keys(Keys.ENTER)
            wait_for(driver, lambda d: d.find_elements("id", application_ids.submit), message="the form did not open")
            wait_idle(driver)
            typed = {
                field_dom_id(application_ids, "DAYS_BIRTH"): "40",
                field_dom_id(application_ids, "AMT_INCOME_TOTAL"): str(income),
                field_dom_id(application_ids, "NAME_CONTRACT_TYPE"): "Prêt personnel",
                field_dom_id(application_ids, "AMT_CREDIT"): str(6 * income),
                field_dom_id(application_ids, "CREDIT_DURATION_MONTHS"): "36",
            }
            for field_id, text in typed.items():
                tab_to(driver, field_id, limit=250)
                driver.switch_to.active_element.send_keys(text)
            tab_to(driver, application_ids.submit, limit=250)
            driver.switch_to.active_element.send_keys(Keys.ENTER)
            wait_for(driver, lambda d: "Demande évaluée" in text_of(d, application_ids.status), message="not scored")
            wait_idle(driver)
            assert by_dom_id(driver, save_ids.submit).is_enabled()
            review = {
                save_ids.decision: decision_labels("fr")["grant"],
                save_ids.reason: reason_labels("fr")["documents_checked"],
                save_ids.comment: "Bulletins de salaire vérifiés.",
            }
            for element_id, text in review.items():
                tab_to(driver, element_id, limit=250)
                driver.switch_to.active_element.send_keys(text)
            tab_to(driver, save_ids.submit, limit=250)
            driver.switch_to.active_element.send_keys(Keys.ENTER)
            saved = "Demande enregistrée comme client"
            wait_for(driver, lambda d: saved in text_of(d, application_ids.status), message="not saved")
            wait_idle(driver)
            (client,) = [i for i in new_ids(url, loaded_max) if i not in before]
            assert text_of(driver, application_ids.status) == f"{saved} {client}, examen enregistré."
            link = driver.find_element("css selector", f"#{save_ids.saved} a")
            assert link.get_attribute("href").endswith(f"/?client={client}")
            assert not by_dom_id(driver, save_ids.submit).is_enabled()  # saved: a second press cannot save again
            assert driver.execute_script(CONTRAST_JS) == []  # the disabled button too
            assert_axe_clean(driver, "fr: application saved as a client")
        finally:
            driver.quit()


def test_the_new_id_is_read_from_the_primary_key_not_a_scan(url):
    """max(id) at every save: one step down the primary key's index, whatever the number of clients."""
    plan = "\n".join(r[0] for r in sql(url, 'EXPLAIN SELECT max("SK_ID_CURR") FROM clients'))
    assert "Index Only Scan Backward" in plan and "Seq Scan" not in plan, plan
