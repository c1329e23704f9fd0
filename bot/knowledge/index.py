"""A small inverted index that scores a message against every example phrase of every target.

A target is an article id or an intent ("@setup", "@smalltalk:thanks", "@out_of_scope"...). Phrases and
messages are sets of terms weighted by inverse document frequency; a target's score is the best cosine
similarity of the message with one of its phrases, nudged up when its other phrases agree.
"""

from __future__ import annotations

import math
from collections import defaultdict


COVERAGE_POWER = 0.25
# The protocols are named in most phrases, which makes them weigh little by frequency alone; yet a
# question about IMAP must not get the POP3 answer.
KEY_TERMS = ("_imap", "_pop3", "_smtp", "_webmail")
KEY_TERM_FLOOR = 3.5
UNKNOWN_FACTOR = 0.0


class PhraseIndex:
    def __init__(self) -> None:
        self._targets: list[str] = []
        self._phrase_terms: list[frozenset[str]] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._idf: dict[str, float] = {}
        self._norms: list[float] = []
        self._target_terms: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, target: str, terms: list[str]) -> None:
        unique = frozenset(terms)
        if not unique:
            return
        doc = len(self._targets)
        self._targets.append(target)
        self._phrase_terms.append(unique)
        for term in unique:
            self._postings[term].append(doc)
            self._target_terms[target][term] += 1

    def freeze(self) -> None:
        """Compute weights once every phrase is in."""
        n = len(self._targets)
        self._idf = {t: math.log(1 + n / len(docs)) for t, docs in self._postings.items()}
        for term in KEY_TERMS:
            if term in self._idf:
                self._idf[term] = max(self._idf[term], KEY_TERM_FLOOR)
        self._norms = [math.sqrt(sum(self._idf[t] ** 2 for t in terms)) for terms in self._phrase_terms]
        self._target_size = defaultdict(int)
        for target in self._targets:
            self._target_size[target] += 1

    def idf(self, term: str) -> float:
        return self._idf.get(term, 0.0)

    def known(self, term: str) -> bool:
        return term in self._idf

    def rank(self, terms: list[str]) -> list[tuple[str, float]]:
        """Targets by score, best first; scores are between 0 and 1."""
        query = set(terms)
        if not query:
            return []
        weights = {t: self._idf[t] for t in query if t in self._idf}
        # Terms the knowledge base never uses still make the message longer: count them at a high idf,
        # so that "quanto costa imap" is not a perfect match for "imap".
        unknown_weight = math.log(1 + len(self._targets)) * UNKNOWN_FACTOR
        q_norm = math.sqrt(sum(w * w for w in weights.values()) + unknown_weight**2 * (len(query) - len(weights)))
        if not weights or q_norm == 0:
            return []
        dots: dict[int, float] = defaultdict(float)
        for term, weight in weights.items():
            w2 = weight * weight
            for doc in self._postings[term]:
                dots[doc] += w2
        best: dict[str, float] = {}
        support: dict[str, float] = defaultdict(float)
        for doc, dot in dots.items():
            score = dot / (q_norm * self._norms[doc])
            target = self._targets[doc]
            support[target] += score
            if score > best.get(target, 0.0):
                best[target] = score
        total = sum(w * w for w in weights.values())
        ranked = []
        for target, top in best.items():
            mean = support[target] / self._target_size[target]
            # How much of the message the target speaks of at all: a greeting phrase that shares one
            # rare word with a long technical question must not win it.
            vocabulary = self._target_terms[target]
            coverage = sum(w * w for t, w in weights.items() if t in vocabulary) / total
            score = (0.85 * top + 0.15 * min(1.0, 4 * mean)) * coverage**COVERAGE_POWER
            ranked.append((target, min(1.0, score)))
        ranked.sort(key=lambda item: item[1], reverse=True)
        return ranked
