"""Interface text in Italian and English: gettext catalogues managed with babel.

Catalogues live in ``locales/<lang>/LC_MESSAGES/messages.po``. A compiled ``.mo`` newer than its ``.po``
is used as it is; otherwise the ``.po`` is compiled in memory at start-up, so a fresh checkout never
runs with a missing catalogue. A language without a catalogue is an error at start-up, never a silent
fall back to English.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from bot.knowledge.language import DEFAULT_LANGUAGE, LANGUAGES

DOMAIN = "messages"


class CatalogueError(RuntimeError):
    """A catalogue is missing or unreadable."""


def _compile(po_path: Path) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as handle:
        catalog = read_po(handle, abort_invalid=True)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def compiled_catalogue(locales_dir: Path, lang: str) -> bytes:
    """The compiled (.mo) form of a language's catalogue: the .mo file if current, else the .po compiled."""
    folder = locales_dir / lang / "LC_MESSAGES"
    po_path, mo_path = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if not po_path.is_file() and not mo_path.is_file():
        raise CatalogueError(f"no catalogue for language {lang!r}: {po_path} is missing")
    try:
        if mo_path.is_file() and (not po_path.is_file() or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
            data = mo_path.read_bytes()
        else:
            data = _compile(po_path)
        gettext.GNUTranslations(io.BytesIO(data))  # parse once here, so that a bad file fails now
        return data
    except Exception as exc:  # any parse error makes the catalogue unusable
        raise CatalogueError(f"cannot read the catalogue {po_path}: {exc}") from exc


class Translator:
    """The catalogues of every supported language."""

    def __init__(self, locales_dir: Path | None = None, compiled: dict[str, bytes] | None = None):
        if compiled is None:
            if locales_dir is None:
                raise TypeError("Translator needs the locales folder or the compiled catalogues")
            compiled = {lang: compiled_catalogue(locales_dir, lang) for lang in LANGUAGES}
        self.compiled = compiled
        self._catalogues = {lang: gettext.GNUTranslations(io.BytesIO(data)) for lang, data in compiled.items()}

    def gettext(self, lang: str, message: str) -> str:
        return self._catalogues.get(lang, self._catalogues[DEFAULT_LANGUAGE]).gettext(message)

    def ngettext(self, lang: str, singular: str, plural: str, n: int) -> str:
        return self._catalogues.get(lang, self._catalogues[DEFAULT_LANGUAGE]).ngettext(singular, plural, n)


def negotiate(language_code: str | None) -> str | None:
    """The supported language closest to a client's language code ("it-IT", "en_GB", "pt-BR"), or None."""
    if not language_code:
        return None
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(language_code.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError):
        return None
    return locale.language if locale.language in LANGUAGES else None


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated later, when the language is known."""
    return message
