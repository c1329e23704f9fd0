"""The knowledge loader's checks: reading a YAML file of ``knowledge/`` and noting what is wrong in it,
and the checks every section shares (a text in each language, placeholders, lists of phrases, web
addresses). ``loader.py`` reads the sections with them; nothing stops at the first problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.knowledge.base import OPTIONAL_PLACEHOLDERS, SERVER_PLACEHOLDERS, Problem, placeholders
from bot.knowledge.language import LANGUAGES

_LANG_NAMES = {"it": "Italian", "en": "English"}


def balanced(text: str) -> bool:
    """Whether the text's braces pair up (``{{`` and ``}}`` being literal braces)."""
    try:
        placeholders(text)
    except ValueError:
        return False
    return True


class Checker:
    """The problems found so far under ``root``, and the checks that add to them."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def problem(self, path: Path, where: str, message: str) -> None:
        try:
            name = str(path.relative_to(self.root.parent))
        except ValueError:
            name = str(path)
        self.problems.append(Problem(name, where, message))

    def read(self, path: Path) -> Any:
        import yaml  # here, so that a start from the cache never pays for it

        try:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except FileNotFoundError:
            self.problem(path, "", "file is missing")
        except UnicodeDecodeError:
            self.problem(path, "", "file is not UTF-8 text")
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else ""
            self.problem(path, where, f"not valid YAML ({getattr(exc, 'problem', None) or exc})")
        return None

    def texts(self, path: Path, where: str, value: Any, *, placeholders_allowed: frozenset[str]) -> dict[str, str]:
        """A ``{it: ..., en: ...}`` mapping of non-empty strings."""
        if not isinstance(value, dict):
            self.problem(path, where, "must have an 'it' and an 'en' text")
            return {}
        out: dict[str, str] = {}
        for lang in LANGUAGES:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.problem(path, where, f"the {_LANG_NAMES[lang]} text ({lang}) is missing or empty")
                continue
            self.check_placeholders(path, f"{where} ({lang})", text, placeholders_allowed)
            for name in OPTIONAL_PLACEHOLDERS:
                if any(("{" + name + "}" in line or "{if_" + name + "}" in line) and "{no_" + name + "}" in line
                       for line in text.split("\n")):
                    self.problem(path, f"{where} ({lang})", f"a line with both {{{name}}} and {{no_{name}}} is never "
                                 "shown: put them on lines of their own (with | rather than > in YAML)")
            out[lang] = text.strip()
        for lang in sorted(set(value) - set(LANGUAGES)):
            self.problem(path, where, f"unknown language {lang!r} (use {', '.join(LANGUAGES)})")
        if len(out) == 2:
            ph = {lang: placeholders(t) for lang, t in out.items() if balanced(t)}
            if len(ph) == 2 and ph["it"] != ph["en"]:
                self.problem(path, where, "the languages use different placeholders: "
                             f"it {sorted(ph['it'])}, en {sorted(ph['en'])}")
        return out

    def check_placeholders(self, path: Path, where: str, text: str, allowed: frozenset[str]) -> None:
        if not balanced(text):
            self.problem(path, where, "unbalanced { or } (write {{ or }} for a literal brace)")
            return
        for name in sorted(placeholders(text) - allowed):
            known = ", ".join("{" + n + "}" for n in sorted(allowed)) or "none"
            self.problem(path, where, f"unknown placeholder {{{name}}} (known: {known})")

    def phrase_lists(self, path: Path, where: str, value: Any, minimum: int = 1) -> dict[str, tuple[str, ...]]:
        if not isinstance(value, dict):
            self.problem(path, where, "must have 'it' and 'en' lists")
            return {}
        out: dict[str, tuple[str, ...]] = {}
        for lang in LANGUAGES:
            items = value.get(lang)
            if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
                self.problem(path, where, f"'{lang}' must be a list of non-empty texts")
                continue
            if len(items) < minimum:
                self.problem(path, where, f"'{lang}' has {len(items)} example(s); at least {minimum} are needed")
            out[lang] = tuple(i.strip() for i in items)
        return out

    def optional_address(self, path: Path, key: str, value: Any) -> str:
        if value in (None, ""):
            return ""
        if not isinstance(value, str) or not value.startswith(("https://", "http://")):
            self.problem(path, key, "must be a web address (https://...) or empty")
            return ""
        self.check_placeholders(path, key, value, SERVER_PLACEHOLDERS)
        return value
