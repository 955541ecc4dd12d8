"""A real screen reader for tests: Orca reading a real (non-headless) Chromium on a private Xvfb display.

Orca (Debian's 43.x) reads Chromium through AT-SPI with no sound card: every utterance is written to its debug
log as ``SPEECH OUTPUT: '...'``, which is what the tests assert on. Keys are real X key events (xdotool), so
Orca's own commands (``h`` for the next heading, ``b`` for the next button) work as for a blind advisor.

Recipe and traps (measured here, see ../shared/tools/orca_probe.sh): every process (Xvfb, a private D-Bus session
bus, the AT-SPI bus and registry, Orca, Chromium) is started here, in its own process group, and killed by group
at the end; Orca ignores SIGTERM when idle (KILL follows); Orca refuses to start if any process named "orca" of
this user exists, so these tests run one at a time; Orca's debug file is block-buffered, so Orca is started
through a wrapper that opens it line-buffered; Chromium's Translate bar is read aloud unless Translate is off in
the profile. Speech follows Orca's locale (French role names with fr_FR.UTF-8, built privately when the machine
lacks it).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

TOOLS = {
    "orca": "/usr/bin/orca",
    "Xvfb": "/usr/bin/Xvfb",
    "xdotool": "/usr/bin/xdotool",
    "dbus-daemon": "/usr/bin/dbus-daemon",
    "at-spi-bus-launcher": "/usr/libexec/at-spi-bus-launcher",
    "at-spi2-registryd": "/usr/libexec/at-spi2-registryd",
    "chromium": "/usr/bin/chromium",
}
PACKAGES_REASON = (
    "needs Orca, Xvfb, xdotool and Chromium (Debian packages orca xvfb xdotool chromium: `make system-deps`)"
)
SPEECH = re.compile(r"^\S+ - SPEECH OUTPUT: '(.*?)'(?: voice=\w+)?\s?(?:\{.*\})?\s*$")
# Orca runs its own module: the wrapper opens the debug file line-buffered (Orca's own is block-buffered).
ORCA_WRAPPER = """import builtins, runpy, sys
_open = builtins.open
def _line_buffered(file, mode='r', buffering=-1, *a, **k):
    if isinstance(file, str) and mode == 'w' and buffering == -1:
        buffering = 1
    return _open(file, mode, buffering, *a, **k)
builtins.open = _line_buffered
sys.argv[0] = '/usr/bin/orca'
runpy.run_path('/usr/bin/orca', run_name='__main__')
"""
ORCA_SETTINGS = """{"general": {"enableKeyEcho": false, "sayAllOnLoad": true, "pageSummaryOnLoad": true},
 "profiles": {"default": {"profile": ["Default", "default"], "pronunciations": {}, "keybindings": {}}},
 "pronunciations": {}, "keybindings": {}}"""


def require_tools() -> None:
    """Skip where these Debian packages cannot exist (no apt); fail where `make system-deps` would install them."""
    missing = [name for name, path in TOOLS.items() if not Path(path).exists()]
    if not missing:
        return
    if shutil.which("apt-get") is None:
        pytest.skip(PACKAGES_REASON + f"; this machine has no apt (missing: {', '.join(missing)})")
    pytest.fail(f"missing {', '.join(missing)}: run `make system-deps` ({PACKAGES_REASON})")


def orca_running() -> bool:
    return subprocess.run(["pgrep", "-u", str(os.getuid()), "-x", "orca"], capture_output=True).returncode == 0


class ScreenReader:
    """Orca and its desktop; ``open(url)`` starts a fresh Chromium on a page. Use as a context manager."""

    def __init__(self, ui_lang: str = "fr_FR.UTF-8"):
        self.ui_lang = ui_lang
        self.work = Path(tempfile.mkdtemp(prefix="screen_reader_"))
        self.log = self.work / "orca.log"
        self.processes: list[subprocess.Popen] = []
        self.browser: subprocess.Popen | None = None
        self.mark = 0  # bytes of Orca's log already read
        self.env: dict[str, str] = {}

    # ------------------------------------------------------------------ start and stop

    def __enter__(self) -> ScreenReader:
        require_tools()
        deadline = time.monotonic() + 60  # another test run of this user may be finishing its Orca
        while orca_running():
            if time.monotonic() > deadline:
                pytest.fail("another Orca of this user is running; Orca runs once per user: run these tests serially")
            time.sleep(1)
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close_browser()
        for process in reversed(self.processes):
            stop(process)
        self.processes.clear()
        shutil.rmtree(self.work, ignore_errors=True)

    def _spawn(self, args: list[str], **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(
            args, env=self.env or None, start_new_session=True, stdin=subprocess.DEVNULL, **kwargs
        )
        self.processes.append(process)
        return process

    def _start(self) -> None:
        run = self.work / "run"
        run.mkdir(mode=0o700)
        (self.work / "home").mkdir()
        display_r, display_w = os.pipe()
        self._spawn(
            [TOOLS["Xvfb"], "-displayfd", str(display_w), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            pass_fds=(display_w,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(display_w)
        with os.fdopen(display_r) as pipe:
            display = pipe.readline().strip()
        if not display:
            raise RuntimeError("Xvfb did not start")
        env = {k: v for k, v in os.environ.items() if k not in ("AT_SPI_BUS_ADDRESS", "DBUS_SESSION_BUS_ADDRESS")}
        env.update(
            DISPLAY=f":{display}",
            XDG_RUNTIME_DIR=str(run),
            HOME=str(self.work / "home"),
            NO_AT_BRIDGE="0",
            ACCESSIBILITY_ENABLED="1",
            GTK_MODULES="gail:atk-bridge",
            **self._locale(),
        )
        self.env = env
        bus = self._spawn(
            [TOOLS["dbus-daemon"], "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        address = bus.stdout.readline().decode().strip()
        if not address:
            raise RuntimeError("dbus-daemon did not start")
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self._spawn([TOOLS["at-spi-bus-launcher"], "--launch-immediately"], **quiet)
        wait_until(lambda: (run / "at-spi" / f"bus_{display}").exists(), 5, "AT-SPI bus did not start")
        # Started here, not by D-Bus activation: an activated registry is re-parented to PID 1 and outlives us.
        self._spawn([TOOLS["at-spi2-registryd"]], **quiet)
        prefs = self.work / "prefs"
        prefs.mkdir()
        (prefs / "user-settings.conf").write_text(ORCA_SETTINGS)
        wrapper = self.work / "orca_line_buffered.py"
        wrapper.write_text(ORCA_WRAPPER)
        with open(self.work / "orca.out", "wb") as out:
            self._spawn(
                ["/usr/bin/python3", str(wrapper), "-u", str(prefs), "-d", "braille", f"--debug-file={self.log}"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_until(lambda: "SPEECH OUTPUT" in self._log_text(), 20, "Orca did not start")
        self.spoken()  # "Screen reader on."

    def _locale(self) -> dict[str, str]:
        if not self.ui_lang.lower().startswith("fr"):
            return {"LANG": "C.UTF-8"}
        names = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower().split()
        env = {"LANG": self.ui_lang, "LANGUAGE": self.ui_lang.split(".")[0]}
        if self.ui_lang.lower().replace("utf-8", "utf8") not in names:  # build it privately, nothing system-wide
            locales = self.work / "locale"
            locales.mkdir()
            subprocess.run(
                ["localedef", "-i", self.ui_lang.split(".")[0], "-f", "UTF-8", str(locales / self.ui_lang)],
                capture_output=True,
            )
            env["LOCPATH"] = str(locales)
        return env

    # ------------------------------------------------------------------ the browser

    def open(self, url: str, settle: float = 1.5) -> list[str]:
        """A fresh Chromium on ``url``; what Orca says until the page is drawn and quiet."""
        self.close_browser()
        self.spoken()
        profile = self.work / f"chrome-{time.monotonic_ns()}"
        (profile / "Default").mkdir(parents=True)
        (profile / "Default" / "Preferences").write_text(
            '{"translate":{"enabled":false},"browser":{"has_seen_welcome_page":true}}'
        )
        self.browser = subprocess.Popen(
            [
                TOOLS["chromium"], "--no-sandbox", "--test-type", f"--user-data-dir={profile}",
                "--force-renderer-accessibility",
                "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--ozone-platform=x11",
                "--password-store=basic", "--disable-dev-shm-usage", "--disable-features=Translate,MediaRouter",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1200,900", "--window-position=0,0", url,
            ],
            env=self.env, start_new_session=True, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(
            lambda: "Dequeued document:load-complete" in self._log_text(self.mark)
            or "SPEECH OUTPUT: 'Chargement de" in self._log_text(self.mark)
            or "SPEECH OUTPUT: 'Finished loading" in self._log_text(self.mark),
            30,
            "Orca never saw the page load",
        )
        self.wait_quiet(1.0, 20)
        time.sleep(settle)  # the page's first callbacks and their live regions
        self.wait_quiet(0.8, 15)
        return self.spoken()

    def close_browser(self) -> None:
        if self.browser is not None:
            stop(self.browser)
            self.browser = None

    # ------------------------------------------------------------------ keys and speech

    def key(self, *names: str, quiet: float = 0.6, limit: float = 10) -> list[str]:
        """Press keys (xdotool names: Tab, Return, h, shift+Tab...); what Orca says after them, once quiet."""
        self.spoken()
        for name in names:
            subprocess.run([TOOLS["xdotool"], "key", "--clearmodifiers", name], env=self.env, check=True)
            time.sleep(0.15)
        time.sleep(0.25)
        self.wait_quiet(quiet, limit)
        return self.spoken()

    def type(self, text: str, quiet: float = 0.5) -> list[str]:
        self.spoken()
        subprocess.run([TOOLS["xdotool"], "type", "--delay", "30", "--", text], env=self.env, check=True)
        self.wait_quiet(quiet, 10)
        return self.spoken()

    def until(self, key: str, wanted: str, tries: int = 40) -> list[str]:
        """Press ``key`` until Orca says something containing ``wanted``; everything said on the way."""
        heard: list[str] = []
        for _ in range(tries):
            said = self.key(key, quiet=0.4)
            heard += said
            if any(wanted in plain(line) for line in said):
                return heard
        raise AssertionError(f"{wanted!r} never said after {tries} × {key}; heard: {heard[-12:]}")

    def wait_for_speech(self, wanted: str, heard: list[str] = (), limit: float = 20) -> list[str]:
        """``heard`` plus what Orca says until it has said ``wanted`` (a live region answering a callback) and
        is quiet again."""
        heard = list(heard)
        deadline = time.monotonic() + limit
        while not any(wanted in plain(line) for line in heard):
            if time.monotonic() > deadline:
                raise AssertionError(f"Orca never said {wanted!r}; heard: {heard[-12:]}")
            time.sleep(0.2)
            heard += self.spoken()
        self.wait_quiet(1.0, 15)
        return heard + self.spoken()

    def spoken(self) -> list[str]:
        """Lines Orca spoke since the last call."""
        data = self._log_bytes(self.mark)
        self.mark += len(data)
        return [m.group(1) for m in map(SPEECH.match, data.decode("utf-8", "replace").splitlines()) if m]

    def wait_quiet(self, quiet: float, limit: float) -> None:
        """Until Orca's log stops growing for ``quiet`` seconds (at most ``limit``)."""
        start = time.monotonic()
        size, since = -1, time.monotonic()
        while time.monotonic() - start < limit:
            now = self.log.stat().st_size if self.log.exists() else 0
            if now != size:
                size, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
            time.sleep(0.1)

    def _log_bytes(self, offset: int = 0) -> bytes:
        try:
            with open(self.log, "rb") as log:
                log.seek(offset)
                return log.read()
        except FileNotFoundError:
            return b""

    def _log_text(self, offset: int = 0) -> str:
        return self._log_bytes(offset).decode("utf-8", "replace")


def plain(text: str) -> str:
    """Speech with the page's non-breaking and narrow spaces (French numbers) as plain spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def wait_until(condition, limit: float, message: str) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(message)
        time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    """TERM then KILL the process's whole group (each was started in its own session), helpers included."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=1.5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # Orca ignores SIGTERM when idle; Chromium's helpers linger
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    for stream in (process.stdout, process.stderr):
        if stream:
            stream.close()
