"""Training the answer engine's models from the knowledge base, with scikit-learn.

    python -c "import sys; from bot.answering.training import main; main(sys.argv[1:])" KNOWLEDGE_DIR OUTPUT

What is learned, and from what:

- the **target model**: which article or intent a message is about. Its classes are the article ids
  (trained on each article's title and example questions) and the intents of ``intents.yaml``
  (``@setup``, also trained on the programs' names of ``clients.yaml``, ``@activation``, ``@handoff``,
  ``@triage``, ``@out_of_scope``, ``@smalltalk:<kind>``);
  a share of the examples is learned a second time with small talk around it (``padded_examples``);
- the **language model**: which language a message is written in, trained on every text of the
  knowledge base in its language (titles, questions, answers, intent phrases, guides) and the
  function words of ``languages/<code>.yaml``.

Both are linear support vector machines over character n-grams and words (``features``); their
scores become probabilities by temperature scaling fitted on out-of-fold scores (stratified k-fold).
The fits run side by side in threads (liblinear lets go of the GIL), one per core.
What answering needs is saved as plain numpy arrays (``model.LinearModel``).

scikit-learn and scipy are slow to import and large in memory, so the bot trains in a child process
(the command above) and only loads the result; ``train`` is also callable in-process (tests, benches).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import pickle
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from bot.answering.features import ConceptFinder, extract
from bot.answering.model import LinearModel, Vocabulary, hashed, softmax
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.text import fold

log = logging.getLogger(__name__)

CONFLICT_PROBABILITY = 0.97
SVM_C = 1.0
# Chosen by cross-validation and on the labelled set (bench/quality.py), never on the held-out sets.
TARGET_MIN_DF = 1  # chosen on the labelled set: 2 costs a point of article top-1
LANGUAGE_MIN_DF = 2  # the language model reads character n-grams seen at least twice: enough, and small
FOLDS = 3  # out-of-fold scores for the temperature: three folds calibrate as well as five, in half the time
# The share of the examples also learned with small talk around them: 0, 0.15, 0.3 and 0.6
# cross-validated, 0.15 as good as any and the cheapest.
PADDED_SHARE = 0.15
LANGUAGE_FOLDS = 3  # two classes and thousands of texts: three folds calibrate it as well, sooner
TIMEOUT_SECONDS = 300


def concept_finder(kb: KnowledgeBase) -> ConceptFinder:
    """The synonyms of the knowledge base, and every language's negation and clause words."""
    languages = kb.language_data.values()
    return ConceptFinder(kb.synonyms, [w for lang in languages for w in lang.negation_words],
                         [w for lang in languages for w in lang.clause_words])


def target_examples(kb: KnowledgeBase) -> tuple[list[str], list[str]]:
    """The target model's training texts and their classes."""
    texts: list[str] = []
    labels: list[str] = []
    for article in kb.articles.values():
        for lang in kb.languages:
            for text in (article.title.get(lang, ""), *article.questions.get(lang, ())):
                if text:
                    texts.append(text)
                    labels.append(article.id)
    for intent, by_lang in kb.intents.items():
        for phrases in by_lang.values():
            texts.extend(phrases)
            labels.extend(["@" + intent] * len(phrases))
    # A program's name alone ("thunderbird", "iphone 15") asks to set it up.
    for client in kb.clients.values():
        for alias in client.aliases:
            texts.append(alias.replace("+", " "))
            labels.append("@setup")
    return texts, labels


def padded_examples(kb: KnowledgeBase, share: float = PADDED_SHARE, seed: int = 0) -> tuple[list[str], list[str]]:
    """A ``share`` of the examples of every article and intent but small talk, with a greeting before
    them, a thank-you or goodbye after them, or both, from the knowledge base's own small talk: so the
    model learns that small talk around a question does not make it small talk. Drawn with a fixed seed."""
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    sources = [(article.id, article.questions) for article in kb.articles.values()]
    sources += [("@" + name, by_lang) for name, by_lang in kb.intents.items() if not name.startswith("smalltalk:")]
    for lang in kb.languages:
        before = kb.intents.get("smalltalk:greeting", {}).get(lang, ())
        after = (*kb.intents.get("smalltalk:thanks", {}).get(lang, ()),
                 *kb.intents.get("smalltalk:goodbye", {}).get(lang, ()))
        if not before or not after:
            continue
        for label, by_lang in sources:
            for text in by_lang.get(lang, ()):
                if rng.random() >= share:
                    continue
                side = rng.randrange(3)
                parts = [rng.choice(before)] if side != 1 else []
                parts.append(text)
                if side != 0:
                    parts.append(rng.choice(after))
                texts.append(". ".join(parts))
                labels.append(label)
    return texts, labels


def language_examples(kb: KnowledgeBase) -> tuple[list[str], list[str]]:
    """Every text of the knowledge base with its language, and each language's function words."""
    texts: list[str] = []
    labels: list[str] = []

    def add(lang: str, *items: str) -> None:
        for item in items:
            for piece in item.replace("\n", ". ").split(". "):  # answers, sentence by sentence
                if piece.strip():
                    texts.append(piece)
                    labels.append(lang)

    for lang, items in _texts_by_language(kb):
        add(lang, *items)
    # Words every language uses ("imap", "outlook", "ok") are samples of each: alone, they tell nothing.
    vocabularies: dict[str, set[str]] = {}
    for text, lang in zip(texts, labels, strict=True):
        vocabularies.setdefault(lang, set()).update(fold(text).split())
    shared = sorted(set.intersection(*vocabularies.values())) if len(vocabularies) > 1 else []
    for lang in vocabularies:
        add(lang, *shared)
    return texts, labels


def _texts_by_language(kb: KnowledgeBase) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every text of the knowledge base, in groups, each with its language."""
    for article in kb.articles.values():
        for lang in kb.languages:
            yield lang, (article.title[lang], *article.questions[lang], article.answer[lang])
    for by_lang in kb.intents.values():
        yield from by_lang.items()
    for guide in kb.guides.values():
        for lang in kb.languages:
            yield lang, (guide.intro[lang],)
    for code, language in kb.language_data.items():
        words = list(language.function_words)
        # In runs of five, so that each sample reads like a (very plain) sentence.
        yield code, tuple(" ".join(words[i : i + 5]) for i in range(0, len(words), 5))


def _design(texts: Sequence[str], concepts: ConceptFinder | None, blocks: tuple[int, ...], min_df: int = 1):
    """Vocabularies, idf and the TF-IDF matrix (scipy CSR), weighed by ``Vocabulary.weigh`` as answering does.

    A feature found in fewer than ``min_df`` texts is left out: it teaches nothing general, and every
    feature kept costs memory in the running bot.
    """
    from scipy.sparse import csr_matrix

    extracted = [extract(t, concepts) for t in texts]
    # Hashed once, used twice.
    hashed_texts = [[hashed(features[block]) for block in blocks] for features in extracted]
    vocabularies: list[Vocabulary] = []
    df_parts: list[np.ndarray] = []
    offset = 0
    for b in range(len(blocks)):
        per_text = [np.unique(by_block[b][0]) for by_block in hashed_texts]
        hashes, df = np.unique(np.concatenate(per_text), return_counts=True)
        keep = df >= min_df
        vocabularies.append(Vocabulary(hashes[keep], offset))
        df_parts.append(df[keep])
        offset += int(keep.sum())
    n = len(texts)
    idf = (np.log((1 + n) / (1 + np.concatenate(df_parts))) + 1).astype(np.float32)  # scikit-learn's smooth idf
    indptr, indices, data = [0], [], []
    for by_block in hashed_texts:
        for (features_hashes, counts), vocabulary in zip(by_block, vocabularies, strict=True):
            rows, values = vocabulary.weigh_hashed(features_hashes, counts, idf)
            indices.extend(rows.tolist())
            data.extend(values.tolist())
        indptr.append(len(indices))
    matrix = csr_matrix((data, indices, indptr), shape=(n, offset), dtype=np.float64)
    return tuple(vocabularies), idf, matrix


def _fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The temperature that makes softmax(scores / T) best predict ``truth`` (least log loss)."""
    from scipy.optimize import minimize_scalar

    def loss(log_t: float) -> float:
        p = softmax(scores, math.exp(log_t))
        return -float(np.mean(np.log(p[np.arange(len(truth)), truth] + 1e-12)))

    return math.exp(minimize_scalar(loss, bounds=(-6, 2), method="bounded").x)


def _two_sided(scores: np.ndarray) -> np.ndarray:
    """A binary classifier's one score per row as two columns (against, for), like a multi-class one's."""
    scores = np.asarray(scores)
    if scores.ndim == 2 and scores.shape[1] > 1:
        return scores
    column = scores.reshape(-1, 1) / 2
    return np.hstack([-column, column])


def fit(
    texts: Sequence[str], labels: Sequence[str], *, concepts: ConceptFinder | None = None,
    blocks: tuple[int, ...] = (0, 1), c: float = SVM_C, conflicts: list[Conflict] | None = None, min_df: int = 1,
    folds: int = FOLDS,
) -> LinearModel:
    """A calibrated linear SVM over ``texts``; ``conflicts`` receives the examples that the model,
    trained without them, gives to another class (``CONFLICT_PROBABILITY`` or more)."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    vocabularies, idf, matrix = _design(texts, concepts, blocks, min_df)
    classes = tuple(sorted(set(labels)))
    number = {label: i for i, label in enumerate(classes)}
    y = np.array([number[label] for label in labels])
    out_of_fold = np.zeros((len(y), len(classes)))
    folds = min(folds, int(np.bincount(y).min()))
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=0).split(matrix, y)) if folds >= 2 else []
    # liblinear lets go of the GIL: the model and its folds are fitted side by side, one per core.
    with ThreadPoolExecutor(max_workers=max(1, min(len(splits) + 1, os.cpu_count() or 1))) as pool:
        whole = pool.submit(LinearSVC(C=c).fit, matrix, y)
        fitted = [(test, pool.submit(LinearSVC(C=c).fit, matrix[train], y[train])) for train, test in splits]
        svm = whole.result()
        for test, future in fitted:
            fold = future.result()
            out_of_fold[np.ix_(test, fold.classes_)] = _two_sided(fold.decision_function(matrix[test]))
    if splits:
        temperature = _fit_temperature(out_of_fold, y)
        if conflicts is not None:
            probabilities = softmax(out_of_fold, temperature)
            for i in np.flatnonzero(probabilities.argmax(axis=1) != y):
                other = int(probabilities[i].argmax())
                if probabilities[i, other] >= CONFLICT_PROBABILITY:
                    conflicts.append(Conflict(texts[int(i)], labels[int(i)], classes[other],
                                              float(probabilities[i, other])))
    else:
        temperature = 0.1
    weights, intercept = svm.coef_.T, svm.intercept_
    if len(classes) == 2:
        weights, intercept = _two_sided(svm.coef_[0]), _two_sided(svm.intercept_)[0]
    return LinearModel(
        classes=classes,
        vocabularies=vocabularies,
        idf=idf,
        weights=np.ascontiguousarray(weights, dtype=np.float16),
        intercept=np.asarray(intercept, dtype=np.float32),
        temperature=float(temperature),
        concepts=concepts,
        blocks=blocks,
    )


@dataclasses.dataclass(frozen=True)
class Conflict:
    """An example question that the model, trained without it, gives to another article or intent."""

    text: str
    label: str
    predicted: str
    probability: float


@dataclasses.dataclass
class Models:
    target: LinearModel
    language: LinearModel
    conflicts: list[Conflict]


def train(kb: KnowledgeBase) -> Models:
    """Every model the answer engine needs."""
    concepts = concept_finder(kb)
    texts, labels = target_examples(kb)
    padded, padded_labels = padded_examples(kb)
    language_texts, language_labels = language_examples(kb)
    conflicts: list[Conflict] = []
    with ThreadPoolExecutor(max_workers=2) as pool:  # the two models side by side (see ``fit``)
        language = pool.submit(fit, language_texts, language_labels, blocks=(0,), min_df=LANGUAGE_MIN_DF,
                               folds=LANGUAGE_FOLDS)
        target = fit([*texts, *padded], [*labels, *padded_labels], concepts=concepts, conflicts=conflicts,
                     min_df=TARGET_MIN_DF)
    originals = set(texts)
    return Models(target, language.result(), [conflict for conflict in conflicts if conflict.text in originals])


def train_in_child(knowledge_dir: Path) -> Models:
    """``train`` in a child process, so that this one never loads scikit-learn."""
    with tempfile.TemporaryDirectory(prefix="mailbot-train-") as folder:
        output = Path(folder) / "models.pickle"
        # Not "-m bot.answering.training": the pickled classes must belong to this module, not __main__.
        entry = "import sys; from bot.answering.training import main; sys.exit(main(sys.argv[1:]))"
        command = [sys.executable, "-c", entry, str(knowledge_dir), str(output)]
        root = str(Path(__file__).resolve().parents[2])  # the folder holding ``bot``
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, env=env)
        if done.returncode != 0:
            why = done.stderr.strip().splitlines()[-1:] or done.returncode
            raise RuntimeError(f"training the answer engine failed: {why}")
        with output.open("rb") as handle:
            return pickle.load(handle)


def main(argv: list[str]) -> int:
    from bot.knowledge.loader import load_knowledge

    knowledge_dir, output = Path(argv[0]), Path(argv[1])
    kb, _ = load_knowledge(knowledge_dir)
    models = train(kb)
    with output.open("wb") as handle:
        pickle.dump(models, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
