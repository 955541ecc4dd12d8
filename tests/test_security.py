"""Advisor login, refusal to start unsafely, security headers, CSRF/origin checks, audit trail, no secrets in logs."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from app.config import ROOT, Config, ConfigError
from app.rendering import LANG_COOKIE
from app.security import check_production_settings, parse_credentials, safe_next
from app.security.cli import main as security_cli
from layouts.i18n import language
from layouts.login import login_messages
from wsgi import create_app

from .dash_requests import post

PASSWORD = "correct horse battery staple"
SECRET = "s" * 48
HEADERS = (
    "Content-Security-Policy",
    "Strict-Transport-Security",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
)


@pytest.fixture(scope="module")
def credentials() -> str:
    return f"alice:{generate_password_hash(PASSWORD)};bob.martin:{generate_password_hash('another long password')}"


@pytest.fixture(scope="module")
def prod_config(synthetic_artifacts, credentials) -> Config:
    return Config(
        artifacts_dir=synthetic_artifacts,
        build_default=False,
        env="production",
        secret_key=SECRET,
        advisor_credentials=credentials,
    )


@pytest.fixture(scope="module")
def prod_app(prod_config):
    return create_app(prod_config)


@pytest.fixture(scope="module")
def dev_app(synthetic_artifacts):
    return create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False))


@pytest.fixture(scope="module")
def client_ids(prod_app) -> list[int]:
    return [int(i) for i in prod_app.server.config["services"].portfolio.ids[:5]]


def csrf_of(response) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def login(client, username="alice", password=PASSWORD, next_url="/"):
    token = csrf_of(client.get("/login"))
    return client.post("/login", data={"csrf": token, "username": username, "password": password, "next": next_url})


def select(client, app, client_id: int):
    return post(client, app, "client-id.data", {"url.search": f"?client={client_id}", "lang.data": "fr"}, ["url.search"])


def view_card(client, app, client_id):
    return post(client, app, "card-content.children", {"client-id.data": client_id, "lang.data": "fr"}, ["client-id.data"])


# ------------------------------------------------------------------ refusing to start


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"advisor_credentials": ""}, "ADVISOR_CREDENTIALS"),
        ({"secret_key": ""}, "SECRET_KEY"),
        ({"secret_key": "short"}, "SECRET_KEY"),
        ({"advisor_credentials": "alice:hunter2-plaintext"}, "not NAME:HASH"),
    ],
)
def test_production_refuses_to_start_unsafely(prod_config, changes, needle):
    with pytest.raises(SystemExit) as stop:
        create_app(replace(prod_config, **changes))
    message = str(stop.value.code)
    assert message.startswith("cannot start:") and needle in message and "\n" not in message
    assert "hunter2" not in message  # a misplaced password is never echoed


@pytest.mark.parametrize(
    ("app_env", "line"),
    [
        ("production", "cannot start: APP_ENV=production needs ADVISOR_CREDENTIALS"),
        ("prod", "cannot start: APP_ENV must be development or production, not 'prod'"),
    ],
)
def test_gunicorn_exits_with_one_line_without_credentials(synthetic_artifacts, app_env, line):
    env = {
        **os.environ,
        "APP_ENV": app_env,
        "ARTIFACTS_DIR": str(synthetic_artifacts),
        "BUILD_DEFAULT_ARTIFACTS": "0",
        "WEB_CONCURRENCY": "1",
        "SECRET_KEY": SECRET,
    }
    env.pop("ADVISOR_CREDENTIALS", None)
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "app/gunicorn_conf.py",
            "--bind",
            "127.0.0.1:0",
            "wsgi:server",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith(line), done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("value", ["prod", "Production", "staging", "", " production"])
def test_app_env_accepts_only_known_values(value, monkeypatch):
    # Before: any value but "production" ran without login (APP_ENV=prod was a silent open door).
    with pytest.raises(ConfigError) as error:
        Config.from_env({"APP_ENV": value})
    assert str(error.value) == f"APP_ENV must be development or production, not {value!r}"
    with pytest.raises(ConfigError):
        Config(env=value)  # built in code: the same rule
    monkeypatch.setenv("APP_ENV", value)
    with pytest.raises(SystemExit) as stop:
        create_app()  # the entry point turns it into one line
    assert stop.value.code == f"cannot start: APP_ENV must be development or production, not {value!r}"
    assert Config.from_env({}).env == "development" and not Config.from_env({}).production
    assert Config.from_env({"APP_ENV": "production"}).production


def test_library_code_raises_and_only_the_entry_point_exits(prod_config):
    bare = replace(prod_config, advisor_credentials="")
    with pytest.raises(ConfigError) as error:  # a typed error a caller can handle, not SystemExit
        check_production_settings(bare)
    assert not isinstance(error.value, SystemExit) and "cannot start" not in str(error.value)
    with pytest.raises(ConfigError):
        parse_credentials("alice:plain")
    with pytest.raises(SystemExit) as stop:  # create_app is the entry point: one line, the same reason
        create_app(bare)
    assert stop.value.code == f"cannot start: {error.value}"
    assert "\n" not in stop.value.code


def test_credentials_parsing():
    hashed = generate_password_hash("x" * 12)
    assert parse_credentials(f" alice:{hashed} ;\nbob:{hashed}\n") == {"alice": hashed, "bob": hashed}
    assert parse_credentials("") == {}
    for bad in ("alice", "alice:", f"al ice:{hashed}", f"alice:{hashed};alice:{hashed}", "alice:md5$x$y"):
        with pytest.raises(ValueError):
            parse_credentials(bad)


def test_hash_password_cli(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough password\n"))
    assert security_cli(["hash-password", "carol"]) == 0
    line = capsys.readouterr().out.strip()
    name, hashed = line.split(":", 1)
    assert name == "carol" and check_password_hash(hashed, "a long enough password")
    assert parse_credentials(line) == {"carol": hashed}
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert security_cli(["hash-password", "carol"]) == 1


def test_hash_password_runs_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "app.security", "hash-password", "dora"],
        input="another long enough password\n", cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    name, hashed = done.stdout.strip().split(":", 1)
    assert name == "dora" and check_password_hash(hashed, "another long enough password")


# ------------------------------------------------------------------ login


def test_everything_needs_login_in_production(prod_app, client_ids):
    client = prod_app.server.test_client()
    page = client.get(f"/?client={client_ids[0]}")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    for path in ("/_dash-layout", "/_dash-dependencies", "/_dash-component-suites/dash/deps/polyfill@7.v4_4_1m1.js"):
        assert client.get(path).status_code == 401, path
    response = select(client, prod_app, client_ids[0])
    assert response.status_code == 401 and str(client_ids[0]) not in response.get_data(as_text=True)
    assert client.get("/some/unknown/page").status_code == 302
    for public in ("/login", "/healthz", "/vendor/bootstrap.min.css", "/assets/style.css", "/accessibilite"):
        assert client.get(public).status_code == 200, public


def test_login_logout_round_trip(prod_app, client_ids):
    client = prod_app.server.test_client()
    target = f"/?client={client_ids[1]}"
    response = login(client, next_url=target)
    assert response.status_code == 302 and response.headers["Location"] == target
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    answer = select(client, prod_app, client_ids[1])
    assert answer.status_code == 200 and answer.get_json()["response"]["client-id"]["data"] == client_ids[1]
    assert client.get("/logout").headers["Location"] == "/login?out=1"
    assert client.get("/").status_code == 302
    assert select(client, prod_app, client_ids[1]).status_code == 401


def test_wrong_password_unknown_user_and_throttle(prod_app):
    client = prod_app.server.test_client()
    assert login(client, password="wrong password").status_code == 401
    response = login(client, username="mallory")
    assert response.status_code == 401 and "incorrect" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    throttled = prod_app.server.test_client()
    throttled.environ_base["REMOTE_ADDR"] = "10.0.0.66"  # the other tests log in from 127.0.0.1
    codes = [login(throttled, password="nope").status_code for _ in range(12)]
    assert codes[-1] == 429
    # The brake is per address (REMOTE_ADDR), another address still logs in.
    other = prod_app.server.test_client()
    token = csrf_of(other.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.9"}))
    ok = other.post(
        "/login",
        data={"csrf": token, "username": "alice", "password": PASSWORD, "next": "/"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert ok.status_code == 302


def test_throttled_page_is_the_localized_login_page(prod_app):
    for lang, address in (("fr", "10.0.1.1"), ("en", "10.0.1.2")):
        client = prod_app.server.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        client.set_cookie(LANG_COOKIE, lang)
        codes = [login(client, password="nope").status_code for _ in range(11)]
        assert codes == [401] * 10 + [429]
        page = login(client).get_data(as_text=True)  # the right password too: the address waits
        assert page.startswith(f'<!DOCTYPE html>\n<html lang="{lang}">')
        assert login_messages(lang)["throttled"] in page and f"<h1>{language(lang)._('Advisor login')}</h1>" in page
        other = "fr" if lang == "en" else "en"
        assert login_messages(other)["throttled"] not in page


def test_successful_login_frees_the_address(prod_app):
    client = prod_app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.2.1"
    assert [login(client, password="nope").status_code for _ in range(9)] == [401] * 9
    assert login(client).status_code == 302  # the advisor found the password: the count starts afresh
    client.get("/logout")
    assert [login(client, password="nope").status_code for _ in range(10)] == [401] * 10
    assert login(client).status_code == 429


def test_unreachable_redis_still_brakes_logins(prod_config, caplog):
    from .test_redis_cache import free_port

    # Nothing listens there: each worker counts in its own memory until Redis answers again.
    app = create_app(replace(prod_config, redis_url=f"redis://127.0.0.1:{free_port()}/0", cache_type="SimpleCache"))
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.3.1"
    caplog.set_level(logging.WARNING)
    codes = [login(client, password="nope").status_code for _ in range(11)]
    assert codes == [401] * 10 + [429]
    good = app.server.test_client()
    assert login(good).status_code == 302  # another address logs in: no 500 on the login page
    assert any("falling back to in-memory storage" in r.getMessage() for r in caplog.records)


def test_login_form_needs_its_token_and_same_origin(prod_app):
    client = prod_app.server.test_client()
    client.get("/login")
    no_token = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert no_token.status_code == 400 and client.get("/").status_code == 302
    expired = no_token.get_data(as_text=True)
    assert login_messages("fr")["expired"] in expired and 'name="csrf"' in expired  # the form again, a fresh token
    other = prod_app.server.test_client()  # a valid token, but from another session
    stolen = other.post("/login", data={"csrf": csrf_of(client.get("/login")), "username": "alice", "password": PASSWORD})
    assert stolen.status_code == 400
    # Behind the HTTPS router, the form must also come with a same-origin referrer (Flask-WTF's strict mode).
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.4.1"}
    token = csrf_of(client.get("/login"))
    form = {"csrf": token, "username": "alice", "password": PASSWORD, "next": "/"}
    assert client.post("/login", data=form, headers=https).status_code == 400
    referred = client.post("/login", data=form, headers={**https, "Referer": "https://localhost/login"})
    assert referred.status_code == 302
    cross = client.post("/_dash-update-component", json={}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    # Every non-Dash POST needs the token, not only the login form: a forged logout POST too.
    assert client.post("/logout").status_code == 400 and client.get("/").status_code == 200


def test_login_page_is_accessible_html(prod_app):
    page = prod_app.server.test_client().get("/login").get_data(as_text=True)
    assert page.startswith('<!DOCTYPE html>\n<html lang="fr">')
    for field in ("username", "password"):
        assert f'<label for="{field}"' in page and f'id="{field}"' in page
    assert 'href="/vendor/bootstrap.min.css"' in page and 'href="/assets/style.css"' in page
    assert 'autocomplete="current-password"' in page


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/?client=5", "/?client=5"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_only_local_redirects_after_login(target, expected):
    assert safe_next(target) == expected


def test_password_change_ends_sessions(prod_config, prod_app):
    client = prod_app.server.test_client()
    login(client)
    cookie = client.get_cookie("pad_session").value
    changed = create_app(replace(prod_config, advisor_credentials=f"alice:{generate_password_hash('a new password!')}"))
    other = changed.server.test_client()
    other.set_cookie("pad_session", cookie)
    assert other.get("/").status_code == 302


def test_development_runs_without_login_and_says_so(dev_app):
    client = dev_app.server.test_client()
    assert client.get("/").status_code == 200
    layout = json.dumps(client.get("/_dash-layout").get_json(), ensure_ascii=False)
    assert "pas d'authentification" in layout  # the development banner


# ------------------------------------------------------------------ headers


@pytest.mark.parametrize("which", ["prod", "dev"])
def test_security_headers_on_every_response(which, prod_app, dev_app):
    app = prod_app if which == "prod" else dev_app
    client = app.server.test_client()
    if which == "prod":
        login(client)
    responses = {
        path: client.get(path)
        for path in (
            "/",
            "/login",
            "/healthz",
            "/_dash-layout",
            "/assets/style.css",
            "/vendor/bootstrap.min.css",
            "/accessibility",
            "/nowhere",
        )
    }
    responses["callback"] = post(client, app, "client-id.data", {"url.search": "?client=1"}, ["url.search"])
    for name, response in responses.items():
        for header in HEADERS:
            assert header in response.headers, (name, header)
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "'unsafe-eval'" not in csp and "script-src 'self' 'sha256-" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert responses["/"].headers["Cache-Control"] == "no-store"
    assert responses["callback"].headers["Cache-Control"] == "no-store"
    if which == "prod":
        assert app.server.debug is False
        assert "Secure" in client.get("/login").headers.get("Set-Cookie", "Secure")


# ------------------------------------------------------------------ audit and logs


def test_audit_trail_and_no_secrets_in_logs(prod_config, credentials, tmp_path, caplog, client_ids):
    audit_file = tmp_path / "audit.jsonl"
    caplog.set_level(logging.DEBUG)
    app = create_app(replace(prod_config, audit_log_path=str(audit_file)))
    client = app.server.test_client()
    login(client, password="wrong " + PASSWORD)
    login(client)
    for client_id in client_ids[:3]:
        assert select(client, app, client_id).status_code == 200  # choosing shows nothing yet: no line
        assert view_card(client, app, client_id).status_code == 200  # showing the card: one line
    assert select(client, app, 999_999_999).status_code == 200  # unknown id: no view, no audit line
    assert view_card(client, app, 999_999_999).status_code == 200  # forged data request: no data, no line
    client.get("/logout")

    lines = [json.loads(line) for line in audit_file.read_text(encoding="utf-8").splitlines()]
    events = [line["event"] for line in lines]
    assert events == ["login_failed", "login", "client_view", "client_view", "client_view", "logout"]
    views = [line for line in lines if line["event"] == "client_view"]
    assert [v["client_id"] for v in views] == client_ids[:3]
    for view in views:
        assert view["advisor"] == "alice" and view["ts"].endswith("+00:00")
        assert set(view) == {"ts", "event", "advisor", "ip", "client_id", "source"} and view["source"] == "card"
    audit_records = [r for r in caplog.records if r.name == "audit"]
    assert len(audit_records) == len(lines)

    everything = caplog.text + repr(prod_config) + audit_file.read_text(encoding="utf-8")
    for secret in (SECRET, PASSWORD, *[h.split(":", 1)[1] for h in credentials.split(";")]):
        assert secret not in everything
    portfolio = app.server.config["services"].portfolio
    non_audit = "\n".join(r.getMessage() for r in caplog.records if r.name != "audit")
    for client_id in client_ids[:3]:
        assert str(client_id) not in non_audit  # client ids only in the audit trail
    assert portfolio is not None


# ------------------------------------------------------------------ browser: CSP does not break Dash


@pytest.mark.browser
@pytest.mark.slow
def test_login_csp_logout_and_expired_session_in_chromium(prod_app, client_ids):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from layouts import comparison, summary

    from .browser import chrome, live_server, run_axe, text_of, wait_for, wait_idle

    with live_server(prod_app.server) as url:
        driver = chrome()
        try:
            driver.get(f"{url}/?client={client_ids[2]}")
            assert "/login" in driver.current_url
            login_axe = run_axe(driver)
            assert not login_axe["violations"], login_axe["violations"]
            driver.find_element(By.ID, "username").send_keys("alice")
            driver.find_element(By.ID, "password").send_keys(PASSWORD, Keys.ENTER)
            wait_for(driver, lambda d: text_of(d, summary.ids.proba).strip().endswith("%"), 30, "the score never rendered")
            chart = f"#{comparison.ids.hist} .main-svg"  # a plotly chart: its scripts and styles pass the CSP
            wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, chart), 30, "plotly chart missing")
            assert driver.find_element(By.CSS_SELECTOR, "a[href='/logout']").is_displayed()
            logs = driver.get_log("browser")
            problems = [
                e["message"] for e in logs if "Content Security Policy" in e["message"] or "Refused to" in e["message"]
            ]
            assert not problems, problems
            assert not [e for e in logs if e["level"] == "SEVERE"], logs

            # The session expires (cookie gone): the next callback sends the advisor to the login page.
            wait_idle(driver)
            driver.delete_cookie("pad_session")
            driver.find_element(By.ID, comparison.ids.feature).send_keys(Keys.HOME)
            wait_for(driver, lambda d: "/login?next=" in d.current_url, 20, "no redirect to the login page")
            assert f"client%3D{client_ids[2]}" in driver.current_url or f"client={client_ids[2]}" in driver.current_url
        finally:
            driver.quit()


# ------------------------------------------------------------------ session time limit (RGAA 13.1, WCAG 2.2.1)


def test_session_warning_is_on_the_page_and_extending_renews_the_session(prod_app, prod_config):
    client = prod_app.server.test_client()
    assert client.get("/session/extend").status_code in (302, 401)  # behind the login gate
    login(client)
    layout = json.dumps(client.get("/_dash-layout").get_json())
    assert '"id": "session-warning"' in layout and '"role": "alertdialog"' in layout
    assert f'"data-seconds": "{int(prod_config.session_hours * 3600)}"' in layout
    response = client.get("/session/extend")
    assert response.status_code == 204
    assert "pad_session=" in response.headers.get("Set-Cookie", "")  # a fresh expiry for the cookie
    dev = create_app(Config(artifacts_dir=prod_config.artifacts_dir, build_default=False))
    assert "session-warning" not in json.dumps(dev.server.test_client().get("/_dash-layout").get_json())


@pytest.mark.browser
def test_session_warning_appears_before_expiry_and_the_button_extends(synthetic_artifacts, credentials):
    from dataclasses import replace

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from .browser import chrome, live_server, run_axe, wait_for

    config = Config(
        artifacts_dir=synthetic_artifacts,
        build_default=False,
        env="production",
        secret_key=SECRET,
        advisor_credentials=credentials,
    )
    app = create_app(replace(config, session_hours=125 / 3600))  # the warning shows 120 s before the end: after 5 s
    with live_server(app.server) as url:
        driver = chrome()
        try:
            driver.get(f"{url}/")
            driver.find_element(By.ID, "username").send_keys("alice")
            driver.find_element(By.ID, "password").send_keys(PASSWORD, Keys.ENTER)
            warning = wait_for(driver, lambda d: d.find_element(By.ID, "session-warning"), 30, "no warning element")
            wait_for(driver, lambda d: warning.is_displayed(), 20, "the warning never showed")
            assert driver.switch_to.active_element.get_attribute("id") == "session-extend"  # focus on the way out
            result = run_axe(driver)
            assert not result["violations"], result["violations"]
            requests_before = driver.execute_script("return performance.getEntriesByType('resource').length")
            driver.switch_to.active_element.send_keys(Keys.ENTER)
            wait_for(driver, lambda d: not warning.is_displayed(), 10, "the warning stayed")
            extended = driver.execute_script(
                "return performance.getEntriesByType('resource').slice(arguments[0]).map(e => e.name)", requests_before
            )
            assert any(name.endswith("/session/extend") for name in extended), extended
        finally:
            driver.quit()
