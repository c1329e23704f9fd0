"""A trained linear text classifier, answering with numpy alone.

Training (``bot.knowledge.training``, with scikit-learn) saves what answering needs: each block's
vocabulary and inverse document frequencies, the weights of every class, and a temperature. Answering
is then a few dictionary look-ups and one small matrix product, with no import of scikit-learn or
scipy, so ``mailbot ask`` starts fast and ``run`` stays small.

Probabilities are the softmax of the classifier's scores divided by the temperature, which training
fits on out-of-fold scores (temperature scaling): a 0.8 is right about 80% of the time on phrasings the
model did not see.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from bot.knowledge.features import ConceptFinder, extract


@dataclasses.dataclass
class LinearModel:
    classes: tuple[str, ...]
    vocabularies: tuple[dict[str, int], ...]  # one per block of features: feature -> row of ``weights``
    idf: np.ndarray  # float32, one per row of ``weights``
    weights: np.ndarray  # float32, (features, classes)
    intercept: np.ndarray  # float32, (classes,)
    temperature: float
    concepts: ConceptFinder | None = None
    blocks: tuple[int, ...] = (0, 1)  # which blocks of ``extract`` the model reads

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The message's TF-IDF vector as (rows, values); each block is normalised on its own."""
        return self.vector_of(extract(text, self.concepts))

    def vector_of(self, extracted: tuple) -> tuple[np.ndarray, np.ndarray]:
        """``vector`` of features already extracted (one extraction can serve several models)."""
        all_rows: list[np.ndarray] = []
        all_values: list[np.ndarray] = []
        for block, vocabulary in zip(self.blocks, self.vocabularies):
            get = vocabulary.get
            found = [(row, count) for feature, count in extracted[block].items() if (row := get(feature)) is not None]
            if not found:
                continue
            rows = np.fromiter((r for r, _ in found), dtype=np.intp, count=len(found))
            counts = np.fromiter((c for _, c in found), dtype=np.float32, count=len(found))
            values = (1.0 + np.log(counts)) * self.idf[rows]
            all_rows.append(rows)
            all_values.append(values / np.sqrt(values @ values))
        if not all_rows:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float32)
        return np.concatenate(all_rows), np.concatenate(all_values)

    def probabilities(self, text: str) -> np.ndarray:
        """The probability of each class (in the order of ``classes``)."""
        return self.probabilities_of(extract(text, self.concepts))

    def probabilities_of(self, extracted: tuple) -> np.ndarray:
        rows, values = self.vector_of(extracted)
        scores = values @ self.weights[rows] + self.intercept if len(rows) else self.intercept
        return softmax(scores, self.temperature)


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)
