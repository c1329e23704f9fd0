"""A trained linear text classifier, answering with numpy alone.

Training (``bot.answering.training``, with scikit-learn) saves what answering needs: each block's
vocabulary and inverse document frequencies, the weights of every class, and a temperature. Answering
is then a vectorised look-up and one small matrix product, with no import of scikit-learn or scipy,
so ``mailbot ask`` starts fast and ``run`` stays small.

A vocabulary is the sorted CRC-32 hashes of its features rather than a dictionary of strings: a tenth
of the memory, and looked up for a whole message at once. Two features with the same hash are one
feature, the same way in training and in answering (``Vocabulary.weigh`` serves both).

Probabilities are the softmax of the classifier's scores divided by the temperature, which training
fits on out-of-fold scores (temperature scaling): a 0.8 is right about 80% of the time on phrasings the
model did not see.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections import Counter
from collections.abc import Sequence

import numpy as np

from bot.answering.features import ConceptFinder, extract

Hashed = tuple[np.ndarray, np.ndarray]  # a block's features: their hashes and their counts
Extracted = tuple[Counter[str], ...]  # what ``extract`` returns: the features of each block


class HashedBlocks(tuple[Hashed, ...]):
    """Each block of ``extract`` as its features' hashes and counts: hashed once for every model that
    reads it."""


def hash_blocks(extracted: Extracted) -> HashedBlocks:
    return HashedBlocks(hashed(block) for block in extracted)


def hashed(features: Counter[str]) -> Hashed:
    """The features' hashes and counts."""
    crc32 = zlib.crc32
    hashes = np.fromiter((crc32(f.encode()) for f in features), dtype=np.uint32, count=len(features))
    counts = np.fromiter(features.values(), dtype=np.float32, count=len(features))
    return hashes, counts


@dataclasses.dataclass
class Vocabulary:
    """One block's features, as sorted hashes; the feature at position i is row ``offset + i``."""

    hashes: np.ndarray  # uint32, sorted
    offset: int

    def __len__(self) -> int:
        return len(self.hashes)

    def weigh(self, features: Counter[str], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows and TF-IDF values of the known ``features``, normalised to length 1 (sublinear tf)."""
        if not features or not len(self.hashes):
            return _EMPTY_ROWS, _EMPTY_VALUES
        return self.weigh_hashed(*hashed(features), idf)

    def weigh_hashed(self, hashes: np.ndarray, counts: np.ndarray, idf: np.ndarray) -> Hashed:
        """``weigh`` for features already hashed (``hashed``)."""
        if not len(hashes) or not len(self.hashes):
            return _EMPTY_ROWS, _EMPTY_VALUES
        positions = np.searchsorted(self.hashes, hashes)
        positions[positions == len(self.hashes)] = 0
        known = self.hashes[positions] == hashes
        if not known.any():
            return _EMPTY_ROWS, _EMPTY_VALUES
        rows = positions[known] + self.offset
        values = (1.0 + np.log(counts[known])) * idf[rows]
        return rows, values / np.sqrt(values @ values)


_EMPTY_ROWS = np.empty(0, dtype=np.intp)
_EMPTY_VALUES = np.empty(0, dtype=np.float32)


@dataclasses.dataclass
class LinearModel:
    classes: tuple[str, ...]
    vocabularies: tuple[Vocabulary, ...]  # one per block of features read
    idf: np.ndarray  # float32, one per row of ``weights``
    weights: np.ndarray  # float16, (features, classes): half the memory, scores as good to three digits
    intercept: np.ndarray  # float32, (classes,)
    temperature: float
    concepts: ConceptFinder | None = None
    blocks: tuple[int, ...] = (0, 1)  # which blocks of ``extract`` the model reads

    def vector_of(self, extracted: Extracted | HashedBlocks) -> tuple[np.ndarray, np.ndarray]:
        """The TF-IDF vector of features already extracted (``extract``, or ``hash_blocks`` of it), as
        (rows, values); each block is normalised on its own. One extraction can serve several models."""
        blocks = extracted if isinstance(extracted, HashedBlocks) else hash_blocks(extracted)
        parts = [vocabulary.weigh_hashed(*blocks[block], self.idf)
                 for block, vocabulary in zip(self.blocks, self.vocabularies, strict=True)]
        parts = [part for part in parts if len(part[0])]
        if not parts:
            return _EMPTY_ROWS, _EMPTY_VALUES
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([rows for rows, _ in parts]), np.concatenate([values for _, values in parts])

    def probabilities(self, text: str) -> np.ndarray:
        """The probability of each class (in the order of ``classes``)."""
        return self.probabilities_of(extract(text, self.concepts))

    def probabilities_of(self, extracted: Extracted | HashedBlocks, parts: Sequence[Extracted] | None = None,
                         weight: float = 0.0) -> np.ndarray:
        """The probabilities for a message's features; with ``parts`` (the features of each of its
        sentences), its scores are ``1 - weight`` of the whole message's and ``weight`` of, for each
        class, the best sentence's: a long message is read sentence by sentence as well as whole."""
        scores = self.scores_of(extracted)
        if parts and weight:
            best = np.max([self.scores_of(part) for part in parts], axis=0)
            scores = (1.0 - weight) * scores + weight * best
        return softmax(scores, self.temperature)

    def scores_of(self, extracted: Extracted | HashedBlocks) -> np.ndarray:
        rows, values = self.vector_of(extracted)
        return values @ self.weights[rows].astype(np.float32) + self.intercept if len(rows) else self.intercept


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)
