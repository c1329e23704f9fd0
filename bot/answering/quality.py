"""Measuring the answer engine on labelled messages (used by bench/quality.py and tests/unit/test_quality.py).

A labelled message has a text, its language, the intent it asks for, and the article (for "answer")
or the program (for "setup"). The intent ``vague`` marks a problem told too vaguely to answer ("it
doesn't work"): a clarifying question, small talk or the menu is acceptable for it, an article is not.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

from bot.answering.engine import Analysis, AnswerEngine
from bot.knowledge.language import LANGUAGES

LANGS = LANGUAGES  # the labelled sets speak every language of the knowledge base
CALIBRATION_BINS = 10


@dataclasses.dataclass(frozen=True)
class Question:
    text: str
    lang: str
    intent: str
    article: str | None = None
    client: str | None = None


def load_questions(path: Path) -> list[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Question(str(q["text"]), q["lang"], q["intent"], q.get("article"), q.get("client")) for q in data]


def acceptable_for_vague(got: Analysis) -> bool:
    """A vague message may get a clarifying question, "did you mean", small talk or the menu; never an article."""
    return got.intent != "answer" and got.intent != "activation"


@dataclasses.dataclass
class Report:
    counts: dict[tuple[str, str], list[int]] = dataclasses.field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    errors: list[str] = dataclasses.field(default_factory=list)
    # (confidence of the answered article, whether it was right) for every answer given
    confidences: dict[str, list[tuple[float, bool]]] = dataclasses.field(default_factory=lambda: defaultdict(list))

    def add(self, lang: str, metric: str, hit: bool) -> None:
        cell = self.counts[(lang, metric)]
        cell[0] += int(hit)
        cell[1] += 1

    def metric(self, lang: str, metric: str) -> tuple[float, int]:
        """The share of hits, and the number of messages it is measured on."""
        hits, n = self.counts.get((lang, metric), (0, 0))
        return (hits / n if n else 0.0), n

    def calibration_error(self, lang: str) -> tuple[float, int]:
        """Expected calibration error of the answers' confidence: 0 means "0.8" is right 80% of the time."""
        pairs = self.confidences.get(lang, [])
        if not pairs:
            return 0.0, 0
        bins: dict[int, list[tuple[float, bool]]] = defaultdict(list)
        for confidence, right in pairs:
            bins[min(int(confidence * CALIBRATION_BINS), CALIBRATION_BINS - 1)].append((confidence, right))
        error = sum(abs(sum(c for c, _ in cell) / len(cell) - sum(r for _, r in cell) / len(cell)) * len(cell)
                    for cell in bins.values())
        return error / len(pairs), len(pairs)


def evaluate(
    engine: AnswerEngine, questions: Iterable[Question], baselines: dict[str, Callable[[str], str | None]] | None = None
) -> Report:
    """Score the engine, and each baseline's best article, on ``questions``."""
    report = Report()
    for q in questions:
        got = engine.analyse(q.text)
        report.add(q.lang, "lang", got.lang == q.lang)
        if q.intent == "vague":
            right = acceptable_for_vague(got)
            report.add(q.lang, "vague_acceptable", right)
        else:
            report.add(q.lang, "intent", got.intent == q.intent)
            if q.intent == "fallback":
                report.add(q.lang, "fallback_recall", got.intent == "fallback")
            else:  # a rate of failures: lower is better
                report.add(q.lang, "wrong_fallback", got.intent == "fallback" and got.reason != "vague")
            right = got.intent == q.intent
        if q.intent == "answer":
            right = got.intent == "answer" and got.article == q.article
            report.add(q.lang, "article", right)
            for name, best in (baselines or {}).items():
                report.add(q.lang, name, best(q.text) == q.article)
        if q.intent == "setup":
            right = got.intent == "setup" and got.client == q.client
            report.add(q.lang, "client", right)
        if got.intent == "answer":
            report.confidences[q.lang].append((got.confidence, q.intent == "answer" and got.article == q.article))
        if not right:
            want = f"{q.intent} {q.article or q.client or ''}".strip()
            detail = got.article or got.client or got.reason or got.smalltalk or ""
            report.errors.append(f"[{q.lang}] {q.text!r}: want {want}, "
                                 f"got {got.intent} {detail} ({got.confidence:.2f})")
    return report
