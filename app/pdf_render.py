"""Render self-contained HTML documents to tagged PDFs (PDF/UA-1), in processes of their own.

Two ways to run it, both as a script (``python -I app/pdf_render.py``), so that no web worker ever imports
WeasyPrint: with Pango, fontTools and its CSS engine it costs each process that imports it about 35 MB of
private memory for good (measured), which two workers cannot afford on a 512 MB dyno under load.

- one document: HTML on stdin, PDF on stdout, then the process exits (the fallback, ~0.6 s of imports each);
- ``--serve SOCKET``: the warm renderer owned by Gunicorn's master (app/pdf_renderer.py). It imports
  WeasyPrint and renders a first page once, then forks ``--processes`` renderers that share those pages and
  answer on a Unix socket, one framed document per connection (``frame``/``read_frame`` below). A renderer
  that dies, or has made ``--documents`` PDFs (slow growth stays bounded), is forked again from the warm
  parent; the parent exits when the process that started it is gone.

This file runs with ``-I`` (its folder is not on sys.path), so it imports nothing from the project; the web
workers import it only for the framing functions (the WeasyPrint import stays inside the rendering code).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import signal
import socket
import struct
import sys
import time

HEADER = struct.Struct("!cI")  # kind (H: HTML in, P: PDF out, E: error out), payload length
MAX_FRAME = 64 * 1024 * 1024
WARM_UP = '<!DOCTYPE html><html lang="fr"><head><title>-</title></head><body><p>Prêt à dépenser</p></body></html>'


def frame(kind: bytes, payload: bytes) -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


def read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError(f"connection closed with {left} of {size} bytes unread")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(sock: socket.socket) -> tuple[bytes, bytes]:
    kind, size = HEADER.unpack(read_exactly(sock, HEADER.size))
    if size > MAX_FRAME:
        raise ValueError(f"frame of {size} bytes")
    return kind, read_exactly(sock, size)


def renderer():
    """The function HTML text -> PDF bytes (imports WeasyPrint: only ever called in a renderer process)."""
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # its INFO lines narrate every rendering step
    # PDF/UA-1: structure tree (tags), document language and title.
    return lambda html: HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


def one_document() -> int:
    render = renderer()
    sys.stdout.buffer.write(render(sys.stdin.buffer.read().decode("utf-8")))
    return 0


def answer(connection: socket.socket, render, timeout: float) -> None:
    """One document: read the HTML, write the PDF (or the name of the error: never the letter's text)."""
    connection.settimeout(timeout)
    kind, html = read_frame(connection)
    if kind != b"H":
        raise ValueError(f"unexpected frame {kind!r}")
    started = time.monotonic()
    try:
        reply = frame(b"P", render(html.decode("utf-8")))
    except Exception as exc:  # noqa: BLE001 - any rendering failure is answered, the renderer lives on
        reply = frame(b"E", type(exc).__name__.encode())
    connection.sendall(reply)
    # One line per document, no client data: how the tests and the team see the warm path used.
    print(f"pdf-renderer[{os.getpid()}]: {reply[:1].decode()} in {time.monotonic() - started:.2f} s", file=sys.stderr)


def rendering_process(listener: socket.socket, render, documents: int, timeout: float) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = os.getppid()
    listener.settimeout(1.0)  # wake up now and then: a renderer whose parent was killed ends too
    done = 0
    while done < documents and os.getppid() == parent:
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        done += 1
        with connection, contextlib.suppress(OSError, EOFError, ValueError, struct.error):
            answer(connection, render, timeout)


def serve(path: str, processes: int, documents: int, timeout: float) -> int:
    render = renderer()
    render(WARM_UP)  # fonts, Pango and the CSS engine loaded once, before the fork: shared pages
    gc.freeze()  # the collector never touches what the children inherit: those pages stay shared
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(32)
    starter = os.getppid()
    children: set[int] = set()

    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while os.getppid() == starter:  # re-parented: Gunicorn's master is gone, so is our reason to live
            while len(children) < processes:
                pid = os.fork()
                if pid == 0:
                    code = 1
                    try:
                        rendering_process(listener, render, documents, timeout)
                        code = 0
                    finally:
                        os._exit(code)
                children.add(pid)
            with contextlib.suppress(ChildProcessError):
                while (pid := os.waitpid(-1, os.WNOHANG)[0]) != 0:
                    children.discard(pid)
            time.sleep(0.5)
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", metavar="SOCKET", help="the warm renderer on this Unix socket path")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--documents", type=int, default=500, help="PDFs per rendering process before a fresh fork")
    parser.add_argument("--timeout", type=float, default=30, help="seconds a client may take to send its document")
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.serve, max(1, args.processes), max(1, args.documents), args.timeout)
    return one_document()


if __name__ == "__main__":
    sys.exit(main())
