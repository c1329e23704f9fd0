"""What the learned models see of a message: character n-grams, words, word pairs and concepts.

Two blocks, each weighted by TF-IDF and normalised on its own (so that neither drowns the other):

- characters: the 2- to 5-letter pieces of every folded word, with its boundaries marked. They carry
  typos ("thunderbrid", "cofigurare"), inflections and compounds without any repair rule;
- words: folded words, pairs of neighbouring words ("non riesco", "can t send"), and the concepts of
  ``synonyms.yaml`` as extra tokens ("cellulare" and "smartphone" both add ``_phone``), so that an
  editor's synonym list teaches the model without code. The words (and concepts) a negation governs get
  a negated twin as well: in "ricevo la posta ma non riesco a spedirla" the words after "non", up to
  ``NEGATION_WINDOW`` of them and never past a clause word ("ma", "but") or the sentence's end, also
  count as ``!riesco``, ``!spedirla``, ``!_send``; so "not sending" and "not receiving" are features the
  model learns apart. The negation and clause words are each language's, in ``languages/<code>.yaml``.

Training (``bot.answering.training``) and answering (``bot.answering.model``) both call
``extract``, so the two can never disagree on what a feature is.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from bot.knowledge.text import fold

CHAR_SIZES = (2, 3, 4, 5)
MAX_WORDS = 300  # a pasted log or a 4096-character message is read up to here
MAX_WORD_CHARS = 24  # a longer "word" (a hash, a URL without dots) adds its first pieces only
BLOCKS = ("chars", "words")
NEGATION_WINDOW = 4  # words a negation governs: 2, 3 and 4 measured by cross-validation, 4 best
_SENTENCE_END = re.compile(r"[.!?;:\n]+(?:\s|$)|\n")


class ConceptFinder:
    """Finds the phrases of ``synonyms.yaml`` in folded words, longest first; knows each language's
    negation words and the clause words that end a negation's reach."""

    negations: frozenset[str] = frozenset()
    clause_words: frozenset[str] = frozenset()

    def __init__(self, synonyms: Mapping[str, Iterable[str]], negations: Iterable[str] = (),
                 clause_words: Iterable[str] = ()):
        self.negations = frozenset(fold(w) for w in negations) - {""}
        self.clause_words = frozenset(fold(w) for w in clause_words) - {""}
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


def negated_spans(words: list[str], negations: frozenset[str], clause_words: frozenset[str]) -> list[list[str]]:
    """The runs of words each negation governs: up to ``NEGATION_WINDOW`` after it, never past a clause word."""
    spans: list[list[str]] = []
    left = 0
    for word in words:
        if word in negations:
            spans.append([])
            left = NEGATION_WINDOW
        elif word in clause_words:
            left = 0
        elif left:
            spans[-1].append(word)
            left -= 1
    return [span for span in spans if span]


def word_grams(words: list[str], concepts: ConceptFinder | None,
               sentences: list[list[str]] | None = None) -> Counter[str]:
    grams: Counter[str] = Counter(words)
    grams.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    if concepts is not None:
        grams.update(concepts.concepts(words))
        if concepts.negations:
            for sentence in sentences or [words]:
                for span in negated_spans(sentence, concepts.negations, concepts.clause_words):
                    grams.update("!" + w for w in span)
                    grams.update("!" + c for c in concepts.concepts(span))
    return grams


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` that have words: split at full stops, question marks, new lines..."""
    if not _SENTENCE_END.search(text.strip().rstrip(".!?;:")):  # one sentence, the common case: no work
        return [text] if fold(text) else []
    return [part for part in _SENTENCE_END.split(text) if fold(part)]


def extract(text: str, concepts: ConceptFinder | None = None) -> tuple[Counter[str], Counter[str]]:
    """The feature counts of ``text``, one Counter per block (see ``BLOCKS``)."""
    parts = sentences(text)
    if len(parts) > 1:
        split = [fold(part).split() for part in parts]
        words = [w for part in split for w in part][:MAX_WORDS]
    else:
        words, split = fold(text).split()[:MAX_WORDS], None
    return char_grams(words), word_grams(words, concepts, split)
