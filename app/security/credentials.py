"""Advisor accounts from ``ADVISOR_CREDENTIALS`` and the settings production cannot run without."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

from werkzeug.security import check_password_hash, generate_password_hash

from app.config import Config, ConfigError

MIN_SECRET_CHARS = 32
NAME_RE = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
HASH_METHODS = ("scrypt:", "pbkdf2:")
HASH_HINT = "make hashes with `python -m app.security hash-password NAME`"


def parse_credentials(text: str) -> dict[str, str]:
    """``name:hash`` entries separated by ``;`` or new lines -> {name: hash}. Raises ConfigError (no secret in it)."""
    advisors: dict[str, str] = {}
    for number, entry in enumerate((e.strip() for e in re.split(r"[;\n]", text or "")), start=1):
        if not entry:
            continue
        name, _, hashed = entry.partition(":")
        if not NAME_RE.match(name) or not hashed.startswith(HASH_METHODS) or hashed.count("$") != 2:
            raise ConfigError(
                f"ADVISOR_CREDENTIALS entry {number} is not NAME:HASH with a werkzeug password hash "
                "(make one with `python -m app.security hash-password NAME`)"
            )
        if name in advisors:
            raise ConfigError(f"ADVISOR_CREDENTIALS names advisor {name!r} twice")
        advisors[name] = hashed
    return advisors


def fingerprint(hashed: str) -> str:
    # Kept in the session: changing an advisor's password (or removing them) ends their sessions.
    return hashlib.sha256(hashed.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Advisors:
    """The advisor accounts of one app: password checks and session fingerprints."""

    hashes: dict[str, str] = field(repr=False)
    # A hash for unknown names, so that a wrong name costs the same time as a wrong password.
    dummy_hash: str = field(default_factory=lambda: generate_password_hash(secrets.token_urlsafe(16)), repr=False)

    def __contains__(self, name: object) -> bool:
        return name in self.hashes

    def __bool__(self) -> bool:
        return bool(self.hashes)

    def verify(self, name: str, password: str) -> bool:
        hashed = self.hashes.get(name)
        return check_password_hash(hashed or self.dummy_hash, password[:200]) and hashed is not None

    def fingerprint(self, name: str) -> str | None:
        hashed = self.hashes.get(name)
        return fingerprint(hashed) if hashed else None

    def current(self, name: str, session_fingerprint: str) -> bool:
        """Whether a session made for ``name`` with this fingerprint is still valid (same password)."""
        expected = self.fingerprint(name)
        return expected is not None and hmac.compare_digest(expected, session_fingerprint)


def check_production_settings(config: Config) -> Advisors:
    """The advisors; ConfigError (one line) when the credentials are malformed or production lacks them."""
    advisors = Advisors(parse_credentials(config.advisor_credentials))
    if not config.production:
        return advisors
    if not advisors:
        raise ConfigError(f"APP_ENV=production needs ADVISOR_CREDENTIALS (NAME:HASH;...; {HASH_HINT})")
    if len(config.secret_key) < MIN_SECRET_CHARS:
        raise ConfigError(
            f"APP_ENV=production needs SECRET_KEY of at least {MIN_SECRET_CHARS} characters "
            '(e.g. `python -c "import secrets; print(secrets.token_urlsafe(48))"`)'
        )
    return advisors
