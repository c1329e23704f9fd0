"""Text normalisation for matching: case, accents, punctuation, emoji, email addresses, tokens.

Everything here is pure and cached where it pays: the answer engine calls it for every message.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

EMAIL_RE = re.compile(
    r"(?<![\w.+-])[\w.+-]+@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}(?![\w-])", re.UNICODE
)
_WORD_RE = re.compile(r"[a-z0-9]+")
# Italian elisions ("dell'account", "l'iphone") and English contractions split into words.
_APOSTROPHES = str.maketrans({"’": " ", "'": " ", "`": " ", "´": " "})


def find_emails(text: str) -> list[str]:
    """Email addresses in ``text``, in order of appearance, without duplicates."""
    seen: dict[str, None] = {}
    for match in EMAIL_RE.finditer(text):
        seen.setdefault(match.group(0).strip("."), None)
    return list(seen)


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower case without accents, apostrophes or punctuation: the form every comparison uses."""
    text = EMAIL_RE.sub(" ", text)
    text = unicodedata.normalize("NFKD", text.lower().translate(_APOSTROPHES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("e-mail", "email").replace("pop 3", "pop3").replace("imap 4", "imap")
    return " ".join(_WORD_RE.findall(text))


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return fold(text).split()


def has_letters(text: str) -> bool:
    """Whether ``text`` has anything a person would call a word."""
    return any(c.isalpha() for c in text)
