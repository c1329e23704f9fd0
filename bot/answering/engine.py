"""The answer engine: what a message asks for, in which language, and how sure we are.

Everything it knows is learned from ``knowledge/`` (``training``): one model gives the probability of
every target (each article, and each intent of ``intents.yaml``), another the message's language. An
intent's probability is the sum of its targets' (all articles make "answer"), and the decisions read
those probabilities:

1. a message with no words is empty; one mostly in words no language of ours uses is foreign;
2. the most probable intent wins. For "answer", the best article is given when its own probability
   reaches ``ANSWER_THRESHOLD``; below it, the close runners-up are offered as "did you mean";
3. a vague problem ("it doesn't work") gets the triage question, small talk its kind (a greeting, an
   "ok" between questions...), a request for a person or to set up a program its flow.

The rules left are for what the data cannot say, each a named function: the addresses in a message
(``text.find_emails``), the program it names (``clients.ClientMatcher``), whether it is foreign
(``language.is_foreign``), whether it has any word the knowledge base knows at all. Thresholds are chosen
on the labelled set (bench/quality.py).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, TypedDict

import numpy as np

from bot.answering.clients import ClientMatcher
from bot.answering.features import ConceptFinder, extract, sentences
from bot.answering.model import hash_blocks
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.language import DEFAULT_LANGUAGE, decide_language, is_foreign
from bot.knowledge.text import find_emails, fold

if TYPE_CHECKING:
    from bot.answering.training import Models


# Chosen on the labelled set (tests/data/questions.yaml), never on the held-out sets.
ANSWER_THRESHOLD = 0.30  # an article at least this probable is answered (0.20-0.25 score alike, 0.40 loses a point)
INTENT_THRESHOLD = 0.30  # a flow, small talk or out of scope at least this probable is taken
SUGGESTION_FLOOR = 0.06  # an article less probable than this is never offered
SUGGESTION_RATIO = 0.25  # offered beside the best only when at least this share of its probability
MAX_SUGGESTIONS = 3
# A message of several sentences is also read sentence by sentence (``LinearModel.probabilities_of``):
# the share of the best sentence's scores, chosen by cross-validation (bench/quality.py), and how many
# sentences are read.
SENTENCE_WEIGHT = 0.5
MAX_SENTENCES = 12


@dataclasses.dataclass(frozen=True)
class Analysis:
    """What one message asks for. ``confidence`` is a probability, between 0 and 1."""

    intent: str
    lang: str
    confidence: float
    article: str | None = None
    client: str | None = None
    suggestions: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    smalltalk: str | None = None  # greeting, thanks, goodbye, identity, ack
    reason: str | None = None  # for fallback: empty, foreign, out_of_scope, vague, unsure
    lang_detected: bool = False
    ranked: tuple[tuple[str, float], ...] = ()  # the most probable articles, with their probability


class _Said(TypedDict, total=False):
    """What every outcome says about the message, whatever it asks for (``Analysis``' fields of the same
    names)."""

    lang: str
    emails: tuple[str, ...]
    lang_detected: bool
    ranked: tuple[tuple[str, float], ...]


def intent_of(target: str) -> str:
    """The intent a target of the model stands for: "@setup" -> setup, an article id -> answer."""
    if not target.startswith("@"):
        return "answer"
    name = target[1:].split(":", 1)[0]
    return {"out_of_scope": "fallback"}.get(name, name)


def train_engine(kb: KnowledgeBase, *, in_child: bool = False) -> "AnswerEngine":
    """Train the models (in a child process, so as not to load scikit-learn here) and build the engine."""
    from bot.answering import training

    models = training.train_in_child(kb.root) if in_child else training.train(kb)
    return AnswerEngine(kb, models)


class AnswerEngine:
    """Built once from the knowledge base and its trained models; ``analyse`` is pure and fast."""

    def __init__(self, kb: KnowledgeBase, models: "Models"):
        self.kb = kb
        self.target_model = models.target
        self.language_model = models.language
        self.conflicts = models.conflicts  # for kb check
        self.concepts = self.target_model.concepts or ConceptFinder(kb.synonyms)  # a model trained without concepts
        self.clients = ClientMatcher(kb.clients)
        classes = self.target_model.classes
        self._articles = np.array([i for i, c in enumerate(classes) if not c.startswith("@")], dtype=np.intp)
        self._intent_names = tuple(sorted({intent_of(c) for c in classes}))
        self._intent_of_class = np.array([self._intent_names.index(intent_of(c)) for c in classes], dtype=np.intp)
        self.known = self._vocabulary(kb)
        self._ours = frozenset(w for language in kb.language_data.values() for w in language.function_words)

    @staticmethod
    def _vocabulary(kb: KnowledgeBase) -> frozenset[str]:
        """Every word the knowledge base uses, in any language: what a foreign message lacks."""
        texts: list[str] = []
        for article in kb.articles.values():
            for lang in kb.languages:
                texts += [article.title[lang], article.answer[lang], *article.questions[lang]]
        for by_lang in kb.intents.values():
            for phrases in by_lang.values():
                texts += phrases
        for client in kb.clients.values():
            texts += [*client.aliases, *client.name.values()]
        for guide in kb.guides.values():
            texts += guide.intro.values()
        words = {w for text in texts for w in fold(text).split()}
        for language in kb.language_data.values():
            words.update(language.function_words)
        return frozenset(words)

    def detect_client(self, words: list[str]) -> str | None:
        return self.clients.find(words)

    def analyse(self, text: str, hint: str | None = None, lang: str | None = None) -> Analysis:
        """Analyse one message. ``hint`` decides the language when the words do not; ``lang`` forces it."""
        emails = tuple(find_emails(text))
        words = fold(text).split()
        extracted = hash_blocks(extract(text, self.concepts))  # read by both models
        languages = self.kb.languages
        if lang in languages:
            language, decided = lang, True
        elif words:
            probabilities = self.language_model.probabilities_of(extracted)
            detected = dict(zip(self.language_model.classes, probabilities.tolist(), strict=True))
            language, decided = decide_language(detected, hint, len(words))
        else:
            language, decided = (hint if hint in languages else DEFAULT_LANGUAGE), False
        base = _Said(lang=language, emails=emails, lang_detected=decided)
        if not words:
            return Analysis("fallback", confidence=1.0, reason="empty", **base)
        if lang not in languages and is_foreign(words, self.known, self._ours, self.kb.foreign_words):
            return Analysis("fallback", confidence=0.9, reason="foreign", **base)
        client = self.clients.find(words)
        if client is None and not any(w in self.known for w in words if not w.isdigit()):
            # Nothing the knowledge base knows ("asdf", "12345"): no guess is worth making.
            return Analysis("fallback", confidence=0.9, reason="unsure", **base)
        parts = sentences(text)[:MAX_SENTENCES] if SENTENCE_WEIGHT and len(words) > 1 else []
        part_features = [extract(part, self.concepts) for part in parts] if len(parts) > 1 else None
        p = self.target_model.probabilities_of(extracted, part_features, SENTENCE_WEIGHT)
        return self._decide(p, client, base)

    def _decide(self, p: np.ndarray, client: str | None, base: _Said) -> Analysis:
        classes = self.target_model.classes
        by_intent = np.bincount(self._intent_of_class, weights=p, minlength=len(self._intent_names))
        intent = self._intent_names[int(by_intent.argmax())]
        intent_p = float(by_intent.max())
        order = self._articles[np.argsort(-p[self._articles])]
        ranked = tuple((classes[i], float(p[i])) for i in order[:MAX_SUGGESTIONS + 1])
        base["ranked"] = ranked
        best_article, best_p = ranked[0]
        close = tuple(a for a, q in ranked if q >= SUGGESTION_FLOOR and q >= SUGGESTION_RATIO * best_p)
        if intent == "answer":
            if best_p >= ANSWER_THRESHOLD:
                others = tuple(a for a in close if a != best_article)[: MAX_SUGGESTIONS - 1]
                return Analysis("answer", article=best_article, confidence=best_p, suggestions=others, **base)
            return Analysis("fallback", confidence=1.0 - best_p, suggestions=close[:MAX_SUGGESTIONS],
                            reason="unsure", **base)
        if intent_p < INTENT_THRESHOLD:
            return Analysis("fallback", confidence=1.0 - intent_p, suggestions=close[:MAX_SUGGESTIONS],
                            reason="unsure", **base)
        if intent == "setup":
            return Analysis("setup", client=client, confidence=intent_p, **base)
        if intent == "triage":
            return Analysis("fallback", confidence=intent_p, suggestions=self.kb.triage[:MAX_SUGGESTIONS],
                            reason="vague", **base)
        if intent == "fallback":
            return Analysis("fallback", confidence=intent_p, reason="out_of_scope", **base)
        if intent == "smalltalk":
            kinds = [(float(p[i]), c) for i, c in enumerate(classes) if c.startswith("@smalltalk:")]
            return Analysis("smalltalk", smalltalk=max(kinds)[1].split(":", 1)[1], confidence=intent_p, **base)
        return Analysis(intent, confidence=intent_p, **base)
