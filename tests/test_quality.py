"""The answer engine against the labelled question set: the held-back third must meet the bars.

The held-back part is never used for tuning; bench/quality.py prints the full report.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.baseline import BM25Baseline
from bot.quality import evaluate, load_questions

QUESTIONS = Path(__file__).parent / "data" / "questions.yaml"


@pytest.fixture(scope="module")
def report(kb, engine):
    baselines = {"bm25_articles": BM25Baseline(kb, with_questions=False), "bm25_everything": BM25Baseline(kb)}
    return evaluate(engine, baselines, load_questions(QUESTIONS))


def test_question_set_covers_every_article_intent_and_client(kb):
    questions = load_questions(QUESTIONS)
    assert len(questions) >= 240
    assert sum(q.lang == "it" for q in questions) == sum(q.lang == "en" for q in questions)
    assert {q.intent for q in questions} == {"answer", "setup", "activation", "handoff", "smalltalk", "fallback"}
    assert {q.article for q in questions if q.article} >= set(kb.articles)
    assert {q.client for q in questions if q.client} == set(kb.clients)


@pytest.mark.parametrize("lang", ["it", "en"])
def test_held_back_questions_meet_the_bars(report, lang):
    assert report.metric("holdout", lang, "intent")[0] >= 0.93
    assert report.metric("holdout", lang, "article")[0] >= 0.90
    assert report.metric("holdout", lang, "lang")[0] >= 0.98
    assert report.metric("holdout", lang, "wrong_fallback")[0] <= 0.05


def test_held_back_fallback_recall(report):
    hits = sum(report.counts[("holdout", lang, "fallback_recall")][0] for lang in ("it", "en"))
    total = sum(report.counts[("holdout", lang, "fallback_recall")][1] for lang in ("it", "en"))
    assert hits / total >= 0.85
