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
KEY_TERM_FLOOR = 7.0
LIGHT_TERM_CEILING = 0.5
# The concepts of synonyms.yaml are what a question is about, however many phrases name them; the
# generic ones (mail, a device) are left to their frequency.
CONCEPT_FLOOR = 5.5
GENERIC_CONCEPTS = frozenset({"_mail", "_message", "_mailbox", "_computer", "_phone", "_device", "_program"})
COMMON_SHARE = 0.05  # a term in more than this share of phrases is walked only through rarer ones
BEST_WEIGHT = 0.85  # the rest of the score is the agreement of the target's other phrases
# Okapi BM25 over each target's phrases taken together, blended into the ranking: the best single phrase
# is precise, the whole target is robust to a question that borrows words from several phrases.
BM25_WEIGHT = 0.3
BM25_K1, BM25_B = 1.2, 0.75
# A message naming one protocol but not the other ("what does IMAP do?") holds back the targets whose
# phrases are mostly about the other one.
RIVAL_TERMS = {"_imap": "_pop3", "_pop3": "_imap"}
RIVAL_PENALTY = 0.5


class PhraseIndex:
    def __init__(self) -> None:
        self._phrases: dict[tuple[str, frozenset[str]], None] = {}

    def add(self, target: str, terms: list[str]) -> None:
        unique = frozenset(terms)
        if unique:
            self._phrases.setdefault((target, unique), None)  # the same phrase twice counts once

    def freeze(self, light_terms: frozenset[str] = frozenset()) -> None:
        """Compute weights and postings once every phrase is in; ``light_terms`` weigh almost nothing."""
        phrases = list(self._phrases)
        self.targets = sorted({target for target, _ in phrases})
        target_number = {t: n for n, t in enumerate(self.targets)}
        self._doc_target = [target_number[target] for target, _ in phrases]
        self._target_size = [0] * len(self.targets)
        for n in self._doc_target:
            self._target_size[n] += 1
        postings: dict[str, list[int]] = defaultdict(list)
        for doc, (target, terms) in enumerate(phrases):
            for term in terms:
                postings[term].append(doc)
        n = len(phrases)
        self._idf = {t: math.log(1 + n / len(docs)) for t, docs in postings.items()}
        for term in self._idf:
            if term in KEY_TERMS:
                self._idf[term] = max(self._idf[term], KEY_TERM_FLOOR)
            elif term.startswith("_") and term not in GENERIC_CONCEPTS:
                self._idf[term] = max(self._idf[term], CONCEPT_FLOOR)
        for term in light_terms:
            if term in self._idf:
                self._idf[term] = min(self._idf[term], LIGHT_TERM_CEILING)
        self._postings = dict(postings)
        self._phrase_terms = [terms for _, terms in phrases]
        self._common_postings = max(50, int(len(phrases) * COMMON_SHARE))
        share: dict[str, list[float]] = {term: [0.0] * len(self.targets) for term in RIVAL_TERMS}
        for target, terms in phrases:
            for term in RIVAL_TERMS:
                if term in terms:
                    share[term][target_number[target]] += 1
        rival_share = {
            term: [count / size for count, size in zip(counts, self._target_size)] for term, counts in share.items()
        }
        # For a message naming only ``term``: the targets mostly about its rival.
        self._rivals_of = {
            term: {
                t
                for t in range(len(self.targets))
                if rival_share[rival][t] > 2 * rival_share[term][t] and rival_share[rival][t] > 0.3
            }
            for term, rival in RIVAL_TERMS.items()
        }
        self._inverse_norms = [1 / math.sqrt(sum(self._idf[t] ** 2 for t in terms)) for _, terms in phrases]
        # Target documents for BM25: term frequencies over all of a target's phrases.
        frequencies: list[dict[str, int]] = [defaultdict(int) for _ in self.targets]
        for target, terms in phrases:
            for term in terms:
                frequencies[target_number[target]][term] += 1
        lengths = [sum(f.values()) for f in frequencies]
        average = sum(lengths) / len(lengths)
        n_targets = len(self.targets)
        target_df: dict[str, int] = defaultdict(int)
        for f in frequencies:
            for term in f:
                target_df[term] += 1
        self._bm25: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for number, f in enumerate(frequencies):
            norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths[number] / average)
            for term, tf in f.items():
                idf = math.log(1 + (n_targets - target_df[term] + 0.5) / (target_df[term] + 0.5))
                self._bm25[term].append((number, idf * tf * (BM25_K1 + 1) / (tf + norm)))

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
        # Phrases are found through the message's rarer terms; the very common ones ("mail") only add
        # their weight to phrases found that way, unless the message has nothing rarer.
        common = [t for t in squares if len(self._postings[t]) > self._common_postings]
        walked = [t for t in squares if t not in common] or common
        for term in walked:
            square = squares[term]
            for doc in self._postings[term]:
                dots[doc] = get(doc, 0.0) + square
        if walked is not common:
            phrase_terms = self._phrase_terms
            for term in common:
                square = squares[term]
                for doc in dots:
                    if term in phrase_terms[doc]:
                        dots[doc] += square
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
        bm25 = [0.0] * size
        covered = [0.0] * size  # the weight of the message's terms that each target uses at all
        for term, square in squares.items():
            for target, weight in self._bm25.get(term, ()):
                bm25[target] += weight
                covered[target] += square
        bm25_top = max(bm25) or 1.0
        penalised: set[int] = set()
        for term, rival in RIVAL_TERMS.items():
            if term in squares and rival not in squares:
                penalised |= self._rivals_of[term]
        overall_top = max(best) / q_norm
        ranked = []
        for target, top in enumerate(best):
            if not top:
                continue
            coverage = covered[target] / total
            mean = support[target] / (self._target_size[target] * q_norm)
            score = (BEST_WEIGHT * top / q_norm + (1 - BEST_WEIGHT) * min(1.0, 4 * mean)) * coverage**COVERAGE_POWER
            score = (1 - BM25_WEIGHT) * score + BM25_WEIGHT * overall_top * bm25[target] / bm25_top
            if target in penalised:
                score *= RIVAL_PENALTY
            ranked.append((self.targets[target], min(1.0, score)))
        ranked.sort(key=lambda item: item[1], reverse=True)
        return ranked
