"""The gettext catalogues (``translations/<code>/LC_MESSAGES/messages.po``), compiled in memory.

The domain layer needs them for what it writes outside the UI (batch files with reasons in French and
English); the UI's ``layouts.i18n`` builds its ``Language`` objects on them. Only Babel is imported here.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"  # the language of the message ids
DEFAULT_LANGUAGE = "fr"


def catalogue_path(code: str) -> Path:
    return TRANSLATIONS_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


# Every language with a catalogue, the default first: adding a language is adding its .po file.
LANGUAGES: tuple[str, ...] = tuple(
    sorted(
        (p.name for p in TRANSLATIONS_DIR.iterdir() if catalogue_path(p.name).is_file()),
        key=lambda code: (code != DEFAULT_LANGUAGE, code),
    )
)


def load_translations(code: str) -> Translations:
    """Compile ``code``'s .po catalogue in memory (fuzzy entries left out, as msgfmt does)."""
    with open(catalogue_path(code), "rb") as handle:
        catalogue = read_po(handle, locale=code, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@cache
def translations(code: str) -> Translations:
    """``code``'s translations, compiled once per process."""
    return load_translations(code)
