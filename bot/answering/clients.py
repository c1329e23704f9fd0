"""Which email program or device a message names: the nearest alias of ``clients.yaml``.

The longest alias spelt out in the message wins ("outlook for mac" beats "outlook"); an alias written
"a + b" needs both words anywhere in the message ("outlook ... mac"). When none is spelt out, each
word is compared with the one-word aliases as profiles of character n-grams (cosine similarity), so
"thunderbrid" or "outlok" find their program without a list of misspellings.
"""

from __future__ import annotations

import math
from collections import Counter

from bot.answering.features import char_grams
from bot.knowledge.base import Client
from bot.knowledge.text import fold

# Tuned on the labelled set's setup questions and the engine tests: a lower value takes "outlet" for Outlook.
SIMILARITY = 0.72
MIN_FUZZY_CHARS = 5  # shorter words must be spelt exactly ("mac" is not "max")


def _profile(words: list[str]) -> tuple[Counter[str], float]:
    grams = char_grams(words)
    return grams, math.sqrt(sum(c * c for c in grams.values()))


class ClientMatcher:
    def __init__(self, clients: dict[str, Client]):
        self._exact: dict[tuple[str, ...], str] = {}
        # The one-word aliases' norms and clients, and an inverted index gram -> (alias, count).
        self._norms: list[float] = []
        self._owners: list[str] = []
        self._index: dict[str, list[tuple[int, int]]] = {}
        self._combinations: list[tuple[frozenset[str], str]] = []
        for client in clients.values():
            for alias in client.aliases:
                if "+" in alias:
                    parts = frozenset(w for part in alias.split("+") for w in fold(part).split())
                    self._combinations.append((parts, client.id))
                    continue
                words = tuple(fold(alias).split())
                if not words:
                    continue
                self._exact.setdefault(words, client.id)
                if len(words) == 1 and len(words[0]) >= MIN_FUZZY_CHARS:
                    grams, norm = _profile(list(words))
                    for gram, count in grams.items():
                        self._index.setdefault(gram, []).append((len(self._norms), count))
                    self._norms.append(norm)
                    self._owners.append(client.id)
        self._longest = max((len(a) for a in self._exact), default=1)

    def _similar(self, words: list[str]) -> str | None:
        """The program whose one-word name is most like one of ``words``, if any is like enough."""
        best, best_score = None, SIMILARITY
        for word in words:
            if len(word) < MIN_FUZZY_CHARS:
                continue
            grams, norm = _profile([word])
            dots: dict[int, int] = {}
            for gram, count in grams.items():
                for alias, alias_count in self._index.get(gram, ()):
                    dots[alias] = dots.get(alias, 0) + count * alias_count
            for alias, dot in dots.items():
                score = dot / (norm * self._norms[alias])
                if score >= best_score:
                    best, best_score = self._owners[alias], score
        return best

    def find(self, words: list[str]) -> str | None:
        """The client that folded ``words`` name, or None: the longest alias spelt out wins, else the
        program a single misspelt word is closest to."""
        best: tuple[int, str] | None = None
        present = set(words)
        for parts, client in self._combinations:
            if parts <= present and (best is None or len(parts) > best[0]):
                best = (len(parts), client)
        for size in range(min(self._longest, len(words)), 0, -1):
            if best is not None and best[0] >= size:
                break
            for i in range(len(words) - size + 1):
                exact = self._exact.get(tuple(words[i : i + size]))
                if exact:
                    best = (size, exact)
                    break
        if best is not None:
            return best[1]
        return self._similar(words)
