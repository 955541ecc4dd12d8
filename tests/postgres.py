"""A real PostgreSQL server for the test session (Debian's ``postgresql`` package), started and stopped here.

As root (CI), the server runs as the ``postgres`` user, which the package creates: PostgreSQL refuses to
run as root. It listens on 127.0.0.1 on a free port and on a socket in its own temporary folder, with
``trust`` authentication for the user ``app``; ``fsync`` is off (a test server, thrown away at the end).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def server_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *command: str | Path, timeout: float = 120) -> None:
        command = tuple(str(c) for c in command)
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def init(self) -> None:
        self._run(self.bindir / "initdb", "-D", self.data, "-A", "trust", "-U", "app", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-o", options, "-l", self.root / "log", "-w", "start")

    def stop(self) -> None:
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres", scheme: str = "postgresql") -> str:
        return f"{scheme}://app@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A fresh database; its URL in Heroku's ``postgres://`` form (the app must accept it)."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name, scheme="postgres")

    def wait_ready(self, timeout: float = 20) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def start_server() -> PostgresServer | None:
    """A running server, or None when PostgreSQL is not installed."""
    bindir = server_binaries()
    if bindir is None:
        return None
    root = Path(tempfile.mkdtemp(prefix="pad-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    server = PostgresServer(bindir=bindir, root=root, port=_free_port())
    server.init()
    server.start()
    server.wait_ready()
    return server


def remove_server(server: PostgresServer) -> None:
    with contextlib.suppress(subprocess.CalledProcessError):  # already stopped by a test
        server.stop()
    shutil.rmtree(server.root, ignore_errors=True)
