"""What the learned models see of a message: character n-grams, words, word pairs and concepts.

Two blocks, each weighted by TF-IDF and normalised on its own (so that neither drowns the other):

- characters: the 2- to 5-letter pieces of every folded word, with its boundaries marked. They carry
  typos ("thunderbrid", "cofigurare"), inflections and compounds without any repair rule;
- words: folded words, pairs of neighbouring words ("non riesco", "can t send"), and the concepts of
  ``synonyms.yaml`` as extra tokens ("cellulare" and "smartphone" both add ``_phone``), so that an
  editor's synonym list teaches the model without code.

Training (``bot.knowledge.training``) and answering (``bot.knowledge.model``) both call ``extract``, so
the two can never disagree on what a feature is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from bot.knowledge.text import fold

CHAR_SIZES = (2, 3, 4, 5)
MAX_WORDS = 300  # a pasted log or a 4096-character message is read up to here
MAX_WORD_CHARS = 24  # a longer "word" (a hash, a URL without dots) adds its first pieces only
BLOCKS = ("chars", "words")


class ConceptFinder:
    """Finds the phrases of ``synonyms.yaml`` in folded words, longest first."""

    def __init__(self, synonyms: dict[str, Iterable[str]]):
        self._phrases: dict[tuple[str, ...], str] = {}
        for concept, phrases in synonyms.items():
            for phrase in phrases:
                words = tuple(fold(phrase).split())
                if words:
                    self._phrases.setdefault(words, "_" + concept)
        self._longest = max((len(p) for p in self._phrases), default=1)

    def concepts(self, words: list[str]) -> list[str]:
        out = []
        i, n = 0, len(words)
        while i < n:
            for size in range(min(self._longest, n - i), 0, -1):
                concept = self._phrases.get(tuple(words[i : i + size]))
                if concept:
                    out.append(concept)
                    i += size
                    break
            else:
                i += 1
        return out


def char_grams(words: list[str]) -> Counter[str]:
    grams: list[str] = []
    for word in words:
        padded = f" {word[:MAX_WORD_CHARS]} "
        length = len(padded)
        grams += [padded[i : i + size] for size in CHAR_SIZES for i in range(length - size + 1)]
    return Counter(grams)


def word_grams(words: list[str], concepts: ConceptFinder | None) -> Counter[str]:
    grams: Counter[str] = Counter(words)
    grams.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    if concepts is not None:
        grams.update(concepts.concepts(words))
    return grams


def extract(text: str, concepts: ConceptFinder | None = None) -> tuple[Counter[str], Counter[str]]:
    """The feature counts of ``text``, one Counter per block (see ``BLOCKS``)."""
    words = fold(text).split()[:MAX_WORDS]
    return char_grams(words), word_grams(words, concepts)
