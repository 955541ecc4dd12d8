"""Keep the gettext catalogues in step with the code: ``python -m layouts.catalogues {update,check}``.

``update`` extracts every message (``babel.cfg``: Python sources, the field registry, Jinja templates)
into ``translations/messages.pot`` and merges it into each language's ``messages.po``; new French
messages arrive empty (a translator fills them), English ones get their own id (English is the source
language). ``check`` lists what would show a user the wrong language: a message with no translation, a
fuzzy one, or one the code uses but the catalogue lacks. The test suite runs ``check``.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from scoring.messages import DOMAIN, LANGUAGES, SOURCE_LANGUAGE, TRANSLATIONS_DIR

ROOT = TRANSLATIONS_DIR.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
METHOD_MAP = [  # as in babel.cfg
    ("wsgi.py", "python"),
    ("app/**.py", "python"),
    ("layouts/**.py", "python"),
    ("callbacks/**.py", "python"),
    ("scoring/fields.py", "python"),
    ("scoring/reasons.py", "python"),
    ("app/templates/**.html", "jinja2"),
]


def extract(root: Path = ROOT) -> Catalog:
    """Every message the code and templates can show, as a template catalogue."""
    template = Catalog(project="pret-a-depenser", domain=DOMAIN)
    top = {"app", "layouts", "callbacks", "scoring"}

    def only_sources(dirpath: str) -> bool:  # never walk the venv, node_modules or artifacts
        try:
            parts = Path(dirpath).resolve().relative_to(root.resolve()).parts
        except ValueError:  # a symlink leading outside the project (a worktree's node_modules)
            return False
        return not parts or (parts[0] in top and "__pycache__" not in parts)

    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        METHOD_MAP,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
        directory_filter=only_sources,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read(code: str) -> Catalog:
    with open(TRANSLATIONS_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as handle:
        return read_po(handle, locale=code, domain=DOMAIN)


def write(catalogue: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(
        buffer, catalogue, width=120, sort_output=True, ignore_obsolete=True, include_previous=True, include_lineno=False
    )
    path.write_bytes(buffer.getvalue())


def update(root: Path = ROOT) -> None:
    template = extract(root)
    write(template, TRANSLATIONS_DIR / f"{DOMAIN}.pot")
    for code in LANGUAGES:
        catalogue = read(code)
        catalogue.update(template, update_header_comment=False)
        if code == SOURCE_LANGUAGE:  # the message ids are English: the English catalogue repeats them
            for message in catalogue:
                if message.id:
                    message.string = message.id
                    message.flags.discard("fuzzy")
        write(catalogue, TRANSLATIONS_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po")


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(strings)


def problems(root: Path = ROOT) -> list[str]:
    """Messages a user would see untranslated, per language (empty when every catalogue is complete)."""
    template = extract(root)
    found = []
    for code in LANGUAGES:
        catalogue = read(code)
        for message in template:
            if not message.id:
                continue
            entry = catalogue.get(message.id, context=message.context)
            if entry is None:
                found.append(f"{code}: missing {message.id!r}")
            elif entry.fuzzy:
                found.append(f"{code}: fuzzy {message.id!r}")
            elif not _translated(entry):
                found.append(f"{code}: untranslated {message.id!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layouts.catalogues", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("update", "check"))
    args = parser.parse_args(argv)
    if args.command == "update":
        update()
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    print(f"{len(found)} message(s) to translate" if found else "every message is translated")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
