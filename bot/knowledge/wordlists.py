"""Loading the word lists of ``knowledge/``: languages, foreign function words, synonyms."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.base import CONCEPT_RE
from bot.knowledge.checking import Checker
from bot.knowledge.language import LANGUAGES, Language
from bot.knowledge.text import fold


class WordListLoading(Checker):
    """The word-list readers of the knowledge loader."""

    def foreign_words(self, path: Path) -> frozenset[str]:
        """Function words of languages the bot does not speak (none when the file is absent)."""
        if not path.exists():
            return frozenset()
        data = self.read(path)
        if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
            self.problem(path, "", "must map each language code to a list of its function words")
            return frozenset()
        return frozenset(fold(str(w)) for words in data.values() for w in words if fold(str(w)))

    def languages(self, folder: Path) -> dict[str, Language]:
        out: dict[str, Language] = {}
        for code in LANGUAGES:
            path = folder / f"{code}.yaml"
            data = self.read(path)
            if data is None:
                continue
            if not isinstance(data, dict):
                self.problem(path, "", "must be a mapping with name and function_words")
                continue
            for key in sorted(set(data) - {"name", "function_words", "negation_words", "clause_words"}):
                self.problem(path, "", f"unknown key {key!r}")
            name, words = data.get("name"), data.get("function_words")
            if not isinstance(name, str) or not name.strip():
                self.problem(path, "name", "must be the language's name in itself")
                name = code
            if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
                self.problem(path, "function_words", "must be a list of words")
                words = []
            lists = {}
            for key in ("negation_words", "clause_words"):
                items = data.get(key) or []
                if not isinstance(items, list) or not all(isinstance(w, str) for w in items):
                    self.problem(path, key, "must be a list of words")
                    items = []
                lists[key] = tuple(fold(w) for w in items if fold(w))
            out[code] = Language(code, name.strip(), tuple(str(w).lower() for w in words), **lists)
        return out

    def synonyms(self, path: Path) -> dict[str, tuple[str, ...]]:
        """Each concept's words, folded; a word belongs to one concept only."""
        data = self.read(path)
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problem(path, "", "must map each concept to a list of words")
            return {}
        out: dict[str, tuple[str, ...]] = {}
        owner: dict[str, str] = {}
        for concept, items in data.items():
            if not CONCEPT_RE.match(str(concept)):
                self.problem(path, str(concept), "a concept's name is lower-case letters, digits and _")
            if not isinstance(items, list) or not items:
                self.problem(path, str(concept), "must be a list of words")
                continue
            phrases = []
            for item in items:
                folded = fold(str(item))
                if not folded:
                    self.problem(path, str(concept), f"{item!r} has no letters or digits")
                    continue
                if folded in owner and owner[folded] != concept:
                    self.problem(path, str(concept), f"{item!r} is also in {owner[folded]!r}; keep a word in one group")
                owner[folded] = str(concept)
                phrases.append(folded)
            out[str(concept)] = tuple(dict.fromkeys(phrases))
        return out
