"""A small inverted index that scores a message against every example phrase of every target.

A target is an article id or an intent ("@setup", "@smalltalk:thanks", "@out_of_scope"...). Phrases and
messages are sets of terms weighted by inverse document frequency. A target's score is the best cosine
similarity of the message with one of its phrases, nudged up when its other phrases agree, and down
when much of the message is about things the target never mentions.
"""

from __future__ import annotations

import math
from collections import defaultdict

# How strongly a target is held back for the part of the message it never speaks of.
COVERAGE_POWER = 0.25
# The protocols are named in most phrases, which makes them weigh little by frequency alone; yet a
# question about IMAP must not get the POP3 answer.
KEY_TERMS = ("_imap", "_pop3", "_smtp", "_webmail")
KEY_TERM_FLOOR = 3.5
BEST_WEIGHT = 0.85  # the rest of the score is the agreement of the target's other phrases


class PhraseIndex:
    def __init__(self) -> None:
        self._phrases: dict[tuple[str, frozenset[str]], None] = {}

    def add(self, target: str, terms: list[str]) -> None:
        unique = frozenset(terms)
        if unique:
            self._phrases.setdefault((target, unique), None)  # the same phrase twice counts once

    def freeze(self) -> None:
        """Compute weights and postings once every phrase is in."""
        phrases = list(self._phrases)
        self.targets = sorted({target for target, _ in phrases})
        target_number = {t: n for n, t in enumerate(self.targets)}
        self._doc_target = [target_number[target] for target, _ in phrases]
        self._target_size = [0] * len(self.targets)
        for n in self._doc_target:
            self._target_size[n] += 1
        postings: dict[str, list[int]] = defaultdict(list)
        self._target_vocabulary: list[set[str]] = [set() for _ in self.targets]
        for doc, (target, terms) in enumerate(phrases):
            for term in terms:
                postings[term].append(doc)
            self._target_vocabulary[target_number[target]].update(terms)
        n = len(phrases)
        self._idf = {t: math.log(1 + n / len(docs)) for t, docs in postings.items()}
        for term in KEY_TERMS:
            if term in self._idf:
                self._idf[term] = max(self._idf[term], KEY_TERM_FLOOR)
        self._postings = dict(postings)
        self._inverse_norms = [1 / math.sqrt(sum(self._idf[t] ** 2 for t in terms)) for _, terms in phrases]

    def idf(self, term: str) -> float:
        return self._idf.get(term, 0.0)

    def rank(self, terms: list[str]) -> list[tuple[str, float]]:
        """Targets by score, best first; scores are between 0 and 1."""
        squares = {t: self._idf[t] ** 2 for t in set(terms) if t in self._idf}
        total = sum(squares.values())
        if not total:
            return []
        dots: dict[int, float] = {}
        get = dots.get
        for term, square in squares.items():
            for doc in self._postings[term]:
                dots[doc] = get(doc, 0.0) + square
        size = len(self.targets)
        best = [0.0] * size
        support = [0.0] * size
        inverse_norms, doc_target = self._inverse_norms, self._doc_target
        for doc, dot in dots.items():
            score = dot * inverse_norms[doc]
            target = doc_target[doc]
            support[target] += score
            if score > best[target]:
                best[target] = score
        q_norm = math.sqrt(total)
        ranked = []
        for target, top in enumerate(best):
            if not top:
                continue
            vocabulary = self._target_vocabulary[target]
            coverage = sum(sq for t, sq in squares.items() if t in vocabulary) / total
            mean = support[target] / (self._target_size[target] * q_norm)
            score = (BEST_WEIGHT * top / q_norm + (1 - BEST_WEIGHT) * min(1.0, 4 * mean)) * coverage**COVERAGE_POWER
            ranked.append((self.targets[target], min(1.0, score)))
        ranked.sort(key=lambda item: item[1], reverse=True)
        return ranked
