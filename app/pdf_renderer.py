"""The warm PDF renderer: one process tree owned by Gunicorn's master, used by every web worker.

A letter PDF made by a fresh child process pays WeasyPrint's imports each time (2-4 s per PDF at 50 advisors
on 2 cores). Instead the master starts ``app/pdf_render.py --serve`` once, before it forks the workers
(``when_ready`` in app/gunicorn_conf.py): WeasyPrint is imported there, never in a worker, and its rendering
processes answer on a Unix socket. The handle below is stored in ``app.extensions`` with the owner's pid, so a
forked worker inherits it and can never start a second one. A worker that finds the renderer gone (killed,
still starting) makes its PDF the old way, in a child process (app/letter.py); the master starts a dead renderer
again before it forks the next worker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.pdf_render import frame, read_frame

SCRIPT = Path(__file__).with_name("pdf_render.py")
EXTENSION = "pdf_renderer"  # key in app.extensions
# One rendering process: at 50 advisors on 2 cores a second one did not shorten the PDF p95 (261 vs 331 ms,
# 66 PDFs each) and cost 40-85 MB at the memory peak (benchmarks/load.py, results/load.json).
PROCESSES = 1
log = logging.getLogger(__name__)


class RendererUnavailable(OSError):
    """Nobody answered on the socket: make this PDF some other way."""


class RenderingFailed(RuntimeError):
    """The renderer answered, with an error: the document cannot be made."""


@dataclass
class WarmRenderer:
    """The handle: the socket's path, the owner (the master's pid) and, in the owner only, the process."""

    socket_path: str
    owner_pid: int
    process: subprocess.Popen | None = None
    processes: int = PROCESSES

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def render(self, html: str, timeout: float) -> bytes:
        """The PDF of ``html``. RendererUnavailable if the renderer cannot be reached or dropped the connection
        (nothing was made: retrying elsewhere is safe); RenderingFailed if it could not make the document;
        TimeoutError when it took longer than ``timeout``."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            try:
                sock.connect(self.socket_path)
                sock.sendall(frame(b"H", html.encode("utf-8")))
                kind, payload = read_frame(sock)
            except TimeoutError:
                raise
            except (OSError, EOFError) as exc:
                raise RendererUnavailable(type(exc).__name__) from None
        if kind != b"P":
            raise RenderingFailed(payload.decode("utf-8", "replace")[:200])
        return payload


def start(extensions: dict, processes: int = PROCESSES) -> WarmRenderer:
    """Start the renderer and keep its handle in ``extensions``; the existing one if this process owns it and it
    lives. A dead one is started again on the same socket path: the workers forked meanwhile keep theirs."""
    current = extensions.get(EXTENSION)
    if current is not None and current.owner_pid != os.getpid():
        raise RuntimeError("the PDF renderer belongs to Gunicorn's master, not to this worker")
    if current is not None and current.alive():
        return current
    # A 0700 folder: only this user may connect.
    path = current.socket_path if current else os.path.join(tempfile.mkdtemp(prefix="pdf-renderer-"), "socket")
    process = subprocess.Popen(
        [sys.executable, "-I", str(SCRIPT), "--serve", path, "--processes", str(processes)],
        stdin=subprocess.DEVNULL,
        env={**os.environ, "MALLOC_ARENA_MAX": "1"},  # one heap per process: it renders one document at a time
    )
    renderer = WarmRenderer(path, os.getpid(), process, processes)
    extensions[EXTENSION] = renderer
    log.info("PDF renderer started (pid %s, %s rendering processes)", process.pid, processes)
    return renderer


def restart_if_dead(extensions: dict) -> None:
    """In the owner: start the renderer again if it died (called before each worker fork)."""
    current = extensions.get(EXTENSION)
    if current is not None and current.owner_pid == os.getpid() and not current.alive():
        log.warning("PDF renderer (pid %s) is gone: starting a new one", current.process and current.process.pid)
        start(extensions, current.processes)


def stop(renderer: WarmRenderer | None) -> None:
    """In the owner: end the renderer and remove its socket's folder."""
    if renderer is None or renderer.owner_pid != os.getpid():
        return
    if renderer.process is not None and renderer.process.poll() is None:
        renderer.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            renderer.process.wait(5)
        if renderer.process.poll() is None:
            renderer.process.kill()
    shutil.rmtree(os.path.dirname(renderer.socket_path), ignore_errors=True)
