"""The languages the bot speaks, and which one a message is written in.

A language is a file ``knowledge/languages/<code>.yaml`` (its name and function words) plus a gettext
catalogue in ``locales/<code>``: adding one needs no code. The language of a message is predicted by
a model trained on every text of the knowledge base (``training.language_examples``); the customer's
Telegram language, or the conversation's, decides when the model is unsure ("ok", "imap").

A message in another language (``foreign.yaml`` lists the function words of the commonest ones) gets a
reply, in every language the bot has, saying which ones it speaks. A pasted error message in words the
knowledge base never uses is not foreign: it has no foreign function words.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from bot.paths import resource_dir

DEFAULT_LANGUAGE = "it"  # the provider's: used when nothing else tells


def _codes() -> tuple[str, ...]:
    folder = Path(os.environ.get("KNOWLEDGE_DIR") or resource_dir("knowledge")) / "languages"
    codes = sorted(p.stem for p in folder.glob("*.yaml"))
    if DEFAULT_LANGUAGE in codes:  # the provider's language first: menus list it first
        codes.remove(DEFAULT_LANGUAGE)
        codes.insert(0, DEFAULT_LANGUAGE)
    return tuple(codes) or (DEFAULT_LANGUAGE, "en")


LANGUAGES = _codes()
# The detector's probability above which the words alone decide the language, whatever the hint.
CLEAR_PROBABILITY = 0.7
# A message of at least this many words, most of them unknown to every language, is foreign.
FOREIGN_MIN_WORDS = 3
FOREIGN_KNOWN_SHARE = 0.5


@dataclasses.dataclass(frozen=True)
class Language:
    code: str
    name: str  # in itself, as the button that switches to it says
    function_words: tuple[str, ...]
    negation_words: tuple[str, ...] = ()  # "non", "not": the words after one are read as negated
    clause_words: tuple[str, ...] = ()  # "ma", "but": a negation's reach ends at one


def decide_language(probabilities: dict[str, float], hint: str | None, words: int = 2) -> tuple[str, bool]:
    """The language of a message from the detector's probabilities, and whether the words decided it.

    Below ``CLEAR_PROBABILITY``, or for a single word, the hint wins (a customer writing "ok", "help" or
    "password" keeps their language); without a hint, the leaning language.
    """
    best = max(probabilities, key=probabilities.__getitem__)
    if probabilities[best] >= CLEAR_PROBABILITY and (words >= 2 or hint not in probabilities):
        return best, True
    if hint in probabilities:
        return hint, False
    return best, False


def mostly_unknown_words(words: list[str], known: frozenset[str]) -> bool:
    """Whether enough of a message's words are, for the most part, unknown to the knowledge base."""
    letters = [w for w in words if not w.isdigit()]
    if len(letters) < FOREIGN_MIN_WORDS:
        return False
    return sum(1 for w in letters if w in known) / len(letters) < FOREIGN_KNOWN_SHARE


def is_foreign(words: list[str], known: frozenset[str], ours: frozenset[str], theirs: frozenset[str]) -> bool:
    """Whether a message is written in a language the bot does not speak.

    ``ours`` are the function words of the bot's languages, ``theirs`` those of ``foreign.yaml``: more of
    theirs than ours, at least two, or any of theirs in a message mostly of unknown words.
    """
    foreign = sum(1 for w in words if w in theirs)
    if not foreign:
        return False
    own = sum(1 for w in words if w in ours)
    return (foreign >= 2 and foreign > own) or mostly_unknown_words(words, known)
