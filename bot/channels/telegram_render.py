"""Replies as Telegram messages: HTML with everything escaped, split under the length limit, buttons.

Pure functions, no network: the Telegram channel sends what these return.
"""

from __future__ import annotations

import html
import logging

from bot.core.types import Reply

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64


def to_html(reply: Reply) -> str:
    """The reply's text as Telegram HTML: the title in bold, every character of the text escaped."""
    body = html.escape(reply.text, quote=False)
    return f"<b>{html.escape(reply.title, quote=False)}</b>\n\n{body}" if reply.title else body


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut between paragraphs, else lines, else words.

    Tags are only ever around the title, at the start, so a cut never falls inside one; an entity
    (&amp;) is never cut in two.
    """
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > limit // 4:
                break
        if cut <= 0:
            cut = limit
            amp = window.rfind("&", max(0, limit - 10))
            if amp != -1 and ";" not in window[amp:]:
                cut = amp
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest.strip() or not pieces:
        pieces.append(rest)
    return pieces


def keyboard(reply: Reply) -> list[list[dict[str, str]]] | None:
    """Inline keyboard rows as Bot API dicts; a button whose data would not fit 64 bytes is left out."""
    rows = []
    for row in reply.buttons:
        buttons = []
        for button in row:
            if not 0 < len(button.id.encode("utf-8")) <= MAX_CALLBACK_BYTES:
                log.error("button %r left out: callback data must be 1 to 64 bytes", button.id)
                continue
            buttons.append({"text": button.label, "callback_data": button.id})
        if buttons:
            rows.append(buttons)
    return rows or None
