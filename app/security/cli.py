"""``python -m app.security hash-password NAME``: a line for ``ADVISOR_CREDENTIALS``."""

from __future__ import annotations

import argparse
import getpass
import sys

from werkzeug.security import generate_password_hash

from app.security.credentials import NAME_RE

MIN_PASSWORD_CHARS = 12


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.security", description="Advisor accounts for production.")
    commands = parser.add_subparsers(dest="command", required=True)
    hasher = commands.add_parser(
        "hash-password",
        help="print NAME:HASH for ADVISOR_CREDENTIALS (password read from the terminal, or from stdin)",
    )
    hasher.add_argument("name", help="advisor username (letters, digits, . _ @ -)")
    args = parser.parse_args(argv)
    if not NAME_RE.match(args.name):
        parser.error("the name may contain letters, digits and . _ @ - (at most 64)")
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("passwords differ", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < MIN_PASSWORD_CHARS:
        print(f"use at least {MIN_PASSWORD_CHARS} characters", file=sys.stderr)
        return 1
    print(f"{args.name}:{generate_password_hash(password)}")
    return 0
