"""Names as the team reads them (a topic's title, the ticket's header, /info, /tickets).

A customer or agent chooses their own name, and Telegram lets it hold control and format characters:
a bidi override (U+202A-202E) or isolate (U+2066-2069) there reorders what follows it on the team's
screen, the ticket's number and state included. Those characters are dropped, and line breaks become
spaces.
"""

from __future__ import annotations

import unicodedata

# Control, format (bidi marks, overrides, isolates, zero-width ones), lone surrogates, line and paragraph
# separators.
HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def shown_name(name: str | None, empty: str = "-") -> str:
    """``name`` without hidden characters, its spaces collapsed; ``empty`` when nothing is left."""
    kept = "".join(" " if c.isspace() else c
                   for c in name or "" if c.isspace() or unicodedata.category(c) not in HIDDEN)
    return " ".join(kept.split()) or empty
