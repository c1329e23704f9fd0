"""Measuring the answer engine against a labelled question set (used by bench/quality.py and the tests)."""

from __future__ import annotations

import dataclasses
import zlib
from collections import defaultdict
from pathlib import Path

import yaml

from bot.knowledge.baseline import BM25Baseline
from bot.knowledge.engine import AnswerEngine

PARTS = ("tune", "holdout")


@dataclasses.dataclass(frozen=True)
class Question:
    text: str
    lang: str
    intent: str
    article: str | None = None
    client: str | None = None

    @property
    def part(self) -> str:
        """A stable third of the set is held back from tuning: chosen by a hash of the text."""
        return "holdout" if zlib.crc32(self.text.encode("utf-8")) % 3 == 0 else "tune"


def load_questions(path: Path) -> list[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Question(q["text"], q["lang"], q["intent"], q.get("article"), q.get("client")) for q in data]


@dataclasses.dataclass(frozen=True)
class Error:
    part: str
    question: Question
    got: str

    def __str__(self) -> str:
        want = self.question.intent + (f" {self.question.article or self.question.client or ''}")
        return f"[{self.part} {self.question.lang}] {self.question.text!r}: want {want.strip()}, got {self.got}"


@dataclasses.dataclass
class Report:
    counts: dict[tuple[str, str, str], list[int]] = dataclasses.field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    errors: list[Error] = dataclasses.field(default_factory=list)

    def add(self, part: str, lang: str, metric: str, hit: bool) -> None:
        cell = self.counts[(part, lang, metric)]
        cell[0] += int(hit)
        cell[1] += 1

    def metric(self, part: str, lang: str, metric: str) -> tuple[float, int]:
        hits, n = self.counts.get((part, lang, metric), (0, 0))
        return (hits / n if n else 0.0), n


def evaluate(engine: AnswerEngine, baselines: dict[str, BM25Baseline], questions: list[Question]) -> Report:
    """Score the engine, and each named baseline's article top-1, on ``questions``."""
    report = Report()
    for q in questions:
        got = engine.analyse(q.text)
        part = q.part
        report.add(part, q.lang, "intent", got.intent == q.intent)
        report.add(part, q.lang, "lang", got.lang == q.lang)
        if q.intent == "fallback":
            report.add(part, q.lang, "fallback_recall", got.intent == "fallback")
        else:
            # Counted as a rate of failures: lower is better.
            report.add(part, q.lang, "wrong_fallback", got.intent == "fallback")
        if q.intent == "answer":
            report.add(part, q.lang, "article", got.intent == "answer" and got.article == q.article)
            for name, baseline in baselines.items():
                report.add(part, q.lang, name, baseline.best(q.text) == q.article)
        if q.intent == "setup":
            report.add(part, q.lang, "client", got.intent == "setup" and got.client == q.client)
        correct = got.intent == q.intent and (
            (q.intent != "answer" or got.article == q.article) and (q.intent != "setup" or got.client == q.client)
        )
        if not correct:
            desc = f"{got.intent} {got.article or got.client or got.reason or got.smalltalk or ''} ({got.confidence:.2f})"
            report.errors.append(Error(part, q, desc))
    return report
