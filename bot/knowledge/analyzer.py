"""From folded words to matching terms: typo repair, synonyms, stop words, Snowball stems.

A term is either a concept from ``synonyms.yaml`` (written ``_concept``, the same in both languages) or
the Snowball stem of a content word in the message's language.
"""

from __future__ import annotations

from collections.abc import Iterable

import Stemmer

from bot.knowledge.language import STOPWORDS

# Function words that still carry meaning for matching: greetings, thanks, "who", "why".
_MEANINGFUL = frozenset(
    "ciao grazie buongiorno buonasera salve hi hello hey thanks thank chi who perche why differenza "
    "difference funziona works meglio better conviene choose scegliere".split()
)
MATCH_STOPWORDS = {lang: words - _MEANINGFUL for lang, words in STOPWORDS.items()}
_STEMMER_NAMES = {"it": "italian", "en": "english"}
NEGATIONS = frozenset("non not no never nothing cannot cant dont doesnt didnt wont isnt t niente nulla mai nessun nessuna nessuno".split())
NEGATION_BREAKS = frozenset("ma but pero however mentre while".split())
NEGATION_SCOPE = 3
MAX_INFLECTION = 3  # letters a word may add to a synonym and still be read as that synonym


def _max_typos(word: str) -> int:
    # Short words are too often other real words one letter away ("link" is not "line").
    if len(word) < 5 or any(c.isdigit() for c in word):
        return 0
    return 1 if len(word) <= 8 else 2


class Analyzer:
    """Turns folded words into terms; one instance serves every message."""

    def __init__(self, synonyms: dict[str, tuple[str, ...]], vocabulary: dict[str, set[str]], shared: Iterable[str] = ()):
        """``vocabulary`` holds each language's known words; ``shared`` words belong to both (program names)."""
        self._phrases: dict[tuple[str, ...], str] = {}
        for concept, phrases in synonyms.items():
            for phrase in phrases:
                self._phrases[tuple(phrase.split())] = "_" + concept
        self._longest = max((len(p) for p in self._phrases), default=1)
        self._stemmers = {lang: Stemmer.Stemmer(name) for lang, name in _STEMMER_NAMES.items()}
        self._stem_cache: dict[tuple[str, str], str] = {}
        # The same phrases by their stems, so that "disappearing" finds the "disappear" of its group.
        self._stemmed_phrases: dict[str, dict[tuple[str, ...], tuple[str, tuple[int, ...]]]] = {}
        for lang in _STEMMER_NAMES:
            stemmed: dict[tuple[str, ...], tuple[str, tuple[int, ...]]] = {}
            for phrase, concept in self._phrases.items():
                key = tuple(self.stem(w, lang) for w in phrase)
                if len(key) > 1 or len(key[0]) >= 4:  # short stems are too often other words
                    stemmed.setdefault(key, (concept, tuple(len(w) for w in phrase)))
            self._stemmed_phrases[lang] = stemmed
        common = set(shared) | {w for p in self._phrases for w in p}
        by_lang = {lang: set(vocabulary.get(lang, ())) | common | STOPWORDS[lang] for lang in _STEMMER_NAMES}
        self.known = frozenset().union(*by_lang.values())
        self._known_stems = {lang: {self.stem(w, lang) for w in words} for lang, words in by_lang.items()}
        self._choices = {
            lang: sorted(w for w in words if len(w) >= 3 and not w.isdigit()) for lang, words in by_lang.items()
        }
        self._repairs: dict[tuple[str, str], str] = {}

    def __getstate__(self) -> dict:
        """For the start-up cache: the Snowball stemmers are rebuilt rather than stored."""
        state = dict(self.__dict__)
        del state["_stemmers"]
        state["_repairs"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._stemmers = {lang: Stemmer.Stemmer(name) for lang, name in _STEMMER_NAMES.items()}

    def repair(self, word: str, lang: str) -> str:
        """The known word of ``lang`` closest to ``word`` within a typo or two, else ``word`` itself.

        A word whose stem is already known is left alone ("things" is not a typo of "thing"), and only
        the message's own language is searched ("start" is not a typo of the Italian "stare").
        """
        if word in self.known:
            return word
        key = (word, lang)
        cached = self._repairs.get(key)
        if cached is not None:
            return cached
        limit = _max_typos(word)
        best = word
        if limit and self.stem(word, lang) not in self._known_stems[lang]:
            from rapidfuzz import process
            from rapidfuzz.distance import Levenshtein

            match = process.extractOne(word, self._choices[lang], scorer=Levenshtein.distance, score_cutoff=limit)
            if match:
                best = match[0]
        if len(self._repairs) < 50_000:
            self._repairs[key] = best
        return best

    def repair_all(self, words: list[str], lang: str) -> list[str]:
        return [self.repair(w, lang) for w in words]

    def stem(self, word: str, lang: str) -> str:
        key = (word, lang)
        stem = self._stem_cache.get(key)
        if stem is None:
            stem = self._stemmers[lang].stemWord(word)
            self._stem_cache[key] = stem
        return stem

    @staticmethod
    def _by_stem(stemmed_phrases: dict, span: tuple[str, ...], stems: tuple[str, ...]) -> str | None:
        """The concept of a synonym phrase with the same stems, if its words are inflections, not
        longer words that happen to share a stem ("arrivederci" is not "arriva")."""
        found = stemmed_phrases.get(stems)
        if found and all(len(w) - n <= MAX_INFLECTION for w, n in zip(span, found[1])):
            return found[0]
        return None

    def terms(self, words: list[str], lang: str) -> list[str]:
        """The terms of already repaired, folded ``words`` read as language ``lang``.

        A concept within a few words after a negation ("non riesco a inviare", "can't send") also
        yields its negated form ("!_send"), which tells "cannot send" from "cannot receive".
        """
        out: list[str] = []
        stop = MATCH_STOPWORDS[lang]
        negated = 0
        i, n = 0, len(words)
        stems = [self.stem(w, lang) for w in words]
        while i < n:
            word = words[i]
            if word in NEGATIONS:
                negated = NEGATION_SCOPE
                i += 1
                continue
            if word in NEGATION_BREAKS:
                negated = 0
            stemmed_phrases = self._stemmed_phrases[lang]
            for size in range(min(self._longest, n - i), 0, -1):
                span = tuple(words[i : i + size])
                concept = self._phrases.get(span) or self._by_stem(stemmed_phrases, span, tuple(stems[i : i + size]))
                if concept:
                    out.append(concept)
                    if negated:
                        out.append("!" + concept)
                    i += size
                    break
            else:
                if word not in stop:
                    out.append(stems[i])
                i += 1
            if negated and word not in stop:
                negated -= 1
        return out
