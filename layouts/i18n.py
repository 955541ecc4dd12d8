"""UI language: gettext catalogues and CLDR formatting, one ``Language`` object per language.

Message ids are English, written in the code (``tr._("Choose a client")``) and in the field registry
(``N_("Credit amount")``); ``pybabel extract`` collects them into ``translations/messages.pot`` and each
language has ``translations/<code>/LC_MESSAGES/messages.po`` (``python -m layouts.catalogues update``). The
catalogues are compiled in memory when a language is first used, fuzzy entries excluded, so no binary
``.mo`` file is kept in the repository. Numbers, percentages, money and dates follow the language's CLDR
rules through Babel.

Layout functions take the language code and call ``language(code)``: the per-request language of Dash
callbacks travels in the page, not in a global.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import parse_pattern
from babel.support import Translations

from scoring.fields import FIELDS, Label, render
from scoring.messages import DEFAULT_LANGUAGE, LANGUAGES, load_translations


def normalise_language(code: str | None) -> str:
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def other_language(code: str) -> str:
    """The language the header link switches to (the next one in the list)."""
    code = normalise_language(code)
    return LANGUAGES[(LANGUAGES.index(code) + 1) % len(LANGUAGES)]


@dataclass(frozen=True)
class Language:
    """Translations and CLDR formatting for one UI language (immutable: shared by all requests)."""

    code: str
    translations: Translations
    locale: Locale

    # --- messages -------------------------------------------------------------------------------
    def _(self, message: str, **values) -> str:
        text = self.translations.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values) -> str:
        """Plural by the language's rule; ``{n}`` is the count formatted for the language."""
        text = self.translations.ngettext(singular, plural, int(n))
        return text.format(**{"n": self.number(n), **values})

    def pgettext(self, context: str, message: str, **values) -> str:
        text = self.translations.pgettext(context, message)
        return text.format(**values) if values else text

    def label(self, label: Label) -> str:
        """A registry label (message id, or message id with placeholders) in this language."""
        return render(label, self.translations.gettext)

    def field(self, name: str) -> str:
        """A field's label; the score (not a registry field of the data) included."""
        return self.label(FIELDS[name].label)

    def category(self, name: str, value: str) -> str:
        """Display name of a Kaggle category level; a level the registry does not know is shown as is."""
        shown = FIELDS[name].categories.get(value)
        return self.label(shown) if shown is not None else value

    # --- numbers (CLDR) ----------------------------------------------------------------------------
    def number(self, value: float, decimals: int = 0) -> str:
        return _apply(self.locale.decimal_formats[None].pattern, value, decimals, self.locale)

    def percent(self, value: float, decimals: int = 1) -> str:
        """A share in [0, 1] as a percentage."""
        return _apply(self.locale.percent_formats[None].pattern, value, decimals, self.locale)

    def money(self, value: float, currency: str = "") -> str:
        """An amount without cents: in ``currency`` (ISO 4217, CLDR format) or, without one, a plain number in the
        data's own unit (layouts.formatting.money chooses by the deployment's setting)."""
        if not currency:
            return self.number(value, 0)
        return _apply(self.locale.currency_formats["standard"].pattern, value, 0, self.locale, currency=currency)

    def date(self, value: date) -> str:
        return format_date(value, format="long", locale=self.locale)

    @property
    def plotly_separators(self) -> str:
        """Plotly's ``separators``: decimal mark then thousands separator, as CLDR says."""
        symbols = self.locale.number_symbols["latn"]
        return symbols["decimal"] + symbols["group"]


def _apply(pattern: str, value: float, decimals: int, locale: Locale, currency: str | None = None) -> str:
    number_pattern = copy.copy(parse_pattern(pattern))
    number_pattern.frac_prec = (decimals, decimals)
    return number_pattern.apply(value, locale, currency=currency, currency_digits=False)


@cache
def language(code: str | None) -> Language:
    """The ``Language`` for a code (unknown codes get the default); built once per process."""
    code = normalise_language(code)
    return Language(code=code, translations=load_translations(code), locale=Locale.parse(code))
