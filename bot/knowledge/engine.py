"""The answer engine: what a message asks for, in which language, and how sure we are.

Order of decisions: an empty or foreign message; words that settle it (off-topic words such as PEC or
prices, a request to activate IMAP, a program to set up); then the best intent or article by score
(a person, small talk, out-of-scope phrases, articles); below the confidence threshold, "did you mean"
suggestions, or the setup guide when a program is named.
"""

from __future__ import annotations

import dataclasses

from bot.knowledge.analyzer import Analyzer
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.index import PhraseIndex
from bot.knowledge.language import FILLER, LANGUAGES, LanguageDetector
from bot.knowledge.text import find_emails, fold

INTENTS = ("answer", "setup", "activation", "handoff", "smalltalk", "fallback")

# Tuned on the tuning part of tests/data/questions.yaml by bench/quality.py; never on the held-back part.
ANSWER_THRESHOLD = 0.33
SUGGESTION_FLOOR = 0.18
# A word of the "offtopic" synonym group ("PEC", "fattura") sends the message to the fallback unless
# an article matches it this well.
OFF_TOPIC = "_offtopic"
OUT_OF_SCOPE_OVERRIDE = 0.9
TROUBLESHOOTING_SCORE = 0.5
MAX_SUGGESTIONS = 3

# Words that make a message a question about how something works rather than a request to do it.
_QUESTION_CUES = frozenset("come how cosa what perche why quando when quanto quanti significa mean".split())
# Words of a request addressed to us ("please switch it on", "vorrei attivare").
_REQUEST_CUES = frozenset(
    "vorrei voglio vogliamo potete potreste puoi potresti attivatemi abilitatemi attivami abilitami "
    "attivatela attivatelo chiedo richiedo richiesta please pls plz want wanna need request".split()
)
_REQUEST_PHRASES = (
    "can you", "could you", "would like", "i d like", "mi serve", "ci serve", "per favore", "mi attivate",
    "mi abilitate", "ci attivate", "ci abilitate",
)
_FLOW_CONTEXT = frozenset({"_mail", "_mailbox", "_program", "_phone", "_computer", "_device", "_imap", "_pop3"})


@dataclasses.dataclass(frozen=True)
class Analysis:
    """What one message asks for. ``confidence`` is between 0 and 1."""

    intent: str
    lang: str
    confidence: float
    article: str | None = None
    client: str | None = None
    suggestions: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    smalltalk: str | None = None  # greeting, thanks, goodbye, identity
    reason: str | None = None  # for fallback: empty, foreign, out_of_scope, unsure
    lang_detected: bool = False


class _Message:
    """One message's words, terms and scores, as the decisions read them."""

    def __init__(self, words, terms, lang, emails, client, ranked, question_mark):
        self.words, self.terms, self.lang, self.emails, self.client = words, terms, lang, emails, client
        self.term_set, self.word_set = set(terms), set(words)
        self.joined = " " + " ".join(words) + " "
        self.requests = (
            bool(emails) or bool(self.word_set & _REQUEST_CUES) or any(f" {p} " in self.joined for p in _REQUEST_PHRASES)
        )
        # "how...?", or a question that is not a polite request ("is IMAP on by default?" is not
        # "can you switch IMAP on?")
        self.asks_how = bool(self.word_set & _QUESTION_CUES) or (question_mark and not self.requests)
        self.top_target, self.top_score = ranked[0] if ranked else (None, 0.0)
        self.articles = [(t, s) for t, s in ranked if not t.startswith("@")]
        self.intents = {t[1:]: s for t, s in ranked if t.startswith("@")}
        self.best_article, self.article_score = self.articles[0] if self.articles else (None, 0.0)


class AnswerEngine:
    """Built once from the knowledge base; ``analyse`` is pure and fast."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        vocabulary: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
        sources: list[tuple[str, str, str]] = []  # (target, lang, text)
        for article in kb.articles.values():
            for lang in LANGUAGES:
                for text in (article.title.get(lang, ""), *article.questions.get(lang, ())):
                    sources.append((article.id, lang, text))
        for intent, by_lang in kb.intents.items():
            for lang, phrases in by_lang.items():
                sources.extend(("@" + intent, lang, text) for text in phrases)
        for _, lang, text in sources:
            vocabulary[lang].update(fold(text).split())
        alias_words = {w for client in kb.clients.values() for a in client.aliases for w in fold(a).split()}
        self.detector = LanguageDetector(vocabulary)
        self.analyzer = Analyzer(kb.synonyms, vocabulary, shared=alias_words)
        self.index = PhraseIndex()
        for target, lang, text in sources:
            self.index.add(target, self.analyzer.terms(fold(text).split(), lang))
        self._light_terms = frozenset(self.analyzer.stem(w, lang) for w in FILLER for lang in LANGUAGES)
        self.index.freeze(light_terms=self._light_terms)
        self._aliases: dict[tuple[str, ...], str] = {}
        self._combinations: list[tuple[frozenset[str], str]] = []
        for client in kb.clients.values():
            for alias in client.aliases:
                if "+" in alias:
                    parts = frozenset(w for part in alias.split("+") for w in fold(part).split())
                    self._combinations.append((parts, client.id))
                else:
                    self._aliases.setdefault(tuple(fold(alias).split()), client.id)
        self._longest_alias = max((len(a) for a in self._aliases), default=1)
        self._alias_words = frozenset(w for alias in self._aliases for w in alias) | frozenset(
            w for parts, _ in self._combinations for w in parts
        )

    def _beyond_setup(self, words: list[str], lang: str) -> bool:
        """Whether the message says more than "set up my mail in <program>"."""
        rest = [w for w in words if w not in self._alias_words]
        return bool(set(self.analyzer.terms(rest, lang)) - _FLOW_CONTEXT - {"_configure"})

    def detect_client(self, words: list[str]) -> str | None:
        """The client the words name: the longest alias found wins; "a + b" aliases need both words."""
        best: tuple[int, str] | None = None
        present = set(words)
        for parts, client in self._combinations:
            if parts <= present and (best is None or len(parts) > best[0]):
                best = (len(parts), client)
        for i in range(len(words)):
            for size in range(min(self._longest_alias, len(words) - i), 0, -1):
                client = self._aliases.get(tuple(words[i : i + size]))
                if client and (best is None or size > best[0]):
                    best = (size, client)
                    break
        return best[1] if best else None

    def analyse(self, text: str, hint: str | None = None, lang: str | None = None) -> Analysis:
        """Analyse one message. ``hint`` breaks language ties; ``lang`` forces the language."""
        emails = tuple(find_emails(text))
        raw = fold(text).split()
        detected, decided = self.detector.detect(raw, hint)
        language = lang if lang in LANGUAGES else (detected or "it")
        base = dict(lang=language, emails=emails, lang_detected=decided)
        if not raw:
            return Analysis("fallback", confidence=1.0, reason="empty", **base)
        if lang not in LANGUAGES and self._foreign(raw, decided):
            return Analysis("fallback", confidence=0.9, reason="foreign", **base)
        words = self.analyzer.repair_all(raw, language)
        terms = self.analyzer.terms(words, language)
        message = _Message(words, terms, language, emails, self.detect_client(words), self.index.rank(terms), "?" in text)
        return self._by_rule(message, base) or self._by_rank(message, base)

    def _by_rule(self, m: "_Message", base: dict) -> Analysis | None:
        """The decisions that words alone settle: off-topic words, requests to activate IMAP, setup."""
        if OFF_TOPIC in m.term_set and m.article_score < OUT_OF_SCOPE_OVERRIDE:
            # First: "how do I set up my PEC on the iPhone" is about PEC, which is not ours.
            confidence = max(0.6, m.intents.get("out_of_scope", 0.0))
            return Analysis("fallback", confidence=confidence, reason="out_of_scope", **base)
        if "_activate" in m.term_set and "_imap" in m.term_set and not m.asks_how:
            if m.requests:
                return Analysis("activation", confidence=max(0.7, m.intents.get("activation", 0.0)), **base)
        setup_score = m.intents.get("setup", 0.0)
        # A named program with a troubleshooting question ("Thunderbird warns about the certificate")
        # is that question, not a request to set the program up again.
        troubleshooting = (
            m.client is not None
            and m.article_score >= TROUBLESHOOTING_SCORE
            and m.article_score > setup_score + 0.1
            and self._beyond_setup(m.words, m.lang)
        )
        if m.client and not troubleshooting and (
            "_configure" in m.term_set or len(m.term_set - _FLOW_CONTEXT) <= 1 or m.top_target == "@setup"
        ):
            return Analysis("setup", client=m.client, confidence=max(0.7, setup_score), **base)
        return None

    def _by_rank(self, m: "_Message", base: dict) -> Analysis:
        """The best intent or article by score, with "did you mean" below the threshold."""
        top_target, top_score = m.top_target, m.top_score
        if top_target == "@activation" and m.asks_how and m.article_score >= ANSWER_THRESHOLD:
            # "how does one get IMAP switched on?" asks how it works, not for us to do it.
            top_target, top_score = m.best_article, m.article_score
        elif top_target and top_target.startswith("@smalltalk"):
            # "hi, what is smtp?": without the greeting, is there a question an article answers?
            content = [t for t in m.terms if t not in self._light_terms]
            ranked = self.index.rank(content) if content != m.terms else []
            if ranked and not ranked[0][0].startswith("@") and ranked[0][1] >= ANSWER_THRESHOLD:
                return Analysis("answer", article=ranked[0][0], confidence=ranked[0][1], **base)
        if top_target and top_target.startswith("@") and top_score >= SUGGESTION_FLOOR:
            intent = top_target[1:]
            if intent == "out_of_scope":
                return Analysis("fallback", confidence=top_score, reason="out_of_scope", **base)
            if intent.startswith("smalltalk:"):
                return Analysis("smalltalk", smalltalk=intent.split(":", 1)[1], confidence=top_score, **base)
            return Analysis(intent, client=m.client if intent == "setup" else None, confidence=top_score, **base)
        suggestions = tuple(t for t, s in m.articles[:MAX_SUGGESTIONS] if s >= SUGGESTION_FLOOR)
        if m.best_article and m.article_score >= ANSWER_THRESHOLD:
            others = tuple(t for t in suggestions if t != m.best_article)
            return Analysis("answer", article=m.best_article, confidence=m.article_score, suggestions=others, **base)
        if m.client or "_configure" in m.term_set:
            # No article fits, but the message names a mail program or setting up: that is what they want.
            return Analysis("setup", client=m.client, confidence=max(m.intents.get("setup", 0.0), 0.5), **base)
        return Analysis("fallback", confidence=1.0 - m.article_score, suggestions=suggestions, reason="unsure", **base)

    def _foreign(self, words: list[str], decided: bool) -> bool:
        """Whether most words are unknown to both languages (German, French...)."""
        known = sum(1 for w in words if w in self.analyzer.known or w.isdigit())
        return len(words) >= (3 if decided else 2) and known / len(words) < 0.5
