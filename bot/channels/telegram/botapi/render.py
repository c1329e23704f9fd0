"""Replies as Telegram messages: HTML with everything escaped, split under the length limit, buttons.

Pure functions, no network: the Telegram channel sends what these return.
"""

from __future__ import annotations

import html
import logging

from bot.core.types import Reply

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram counts lengths in UTF-16 code units: an emoji outside the BMP is two
MAX_TOPIC_NAME = 128


def utf16_length(text: str) -> int:
    """The length of ``text`` as Telegram counts it, in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf16_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 code units."""
    if utf16_length(text) <= limit:
        return len(text)
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def fit(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``limit`` UTF-16 code units, with an ellipsis when cut."""
    if utf16_length(text) <= limit:
        return text
    return text[: utf16_prefix(text, limit - utf16_length(ellipsis))] + ellipsis


def to_html(reply: Reply) -> str:
    """The reply's text as Telegram HTML: the title in bold, every character of the text escaped."""
    body = html.escape(reply.text, quote=False)
    return f"<b>{html.escape(reply.title, quote=False)}</b>\n\n{body}" if reply.title else body


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces of at most ``limit`` UTF-16 code units (as Telegram counts them; the markup
    counts too, which only errs on the safe side), cut between paragraphs, else lines, else words.

    Tags are only ever around the title, at the start, so a cut never falls inside one; an entity
    (&amp;) is never cut in two.
    """
    pieces: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        size = utf16_prefix(rest, limit)
        window = rest[:size]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > size // 4:
                break
        if cut <= 0:
            cut = size
            amp = window.rfind("&", max(0, size - 10))
            if amp != -1 and ";" not in window[amp:]:
                cut = amp
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest.strip() or not pieces:
        pieces.append(rest)
    return pieces


def keyboard(reply: Reply) -> list[list[dict[str, str]]] | None:
    """Inline keyboard rows as Bot API dicts (a Button's data was checked against 64 bytes when it was made)."""
    rows = [[{"text": button.label, "callback_data": button.id} for button in row] for row in reply.buttons if row]
    return rows or None
