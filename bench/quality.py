"""Answer quality on the labelled question set, per language, tuning and held-back parts side by side.

    python bench/quality.py [--errors] [--part tune|holdout|all]

Prints intent accuracy, article top-1, fallback recall, in-scope questions wrongly sent to fallback,
language detection and client accuracy, with the article top-1 of a plain BM25 baseline over the same
knowledge base. A third of the set is held back from tuning (chosen by a stable hash of the text).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.knowledge.base import load_knowledge  # noqa: E402
from bot.knowledge.baseline import BM25Baseline  # noqa: E402
from bot.knowledge.engine import AnswerEngine  # noqa: E402
from bot.paths import resource_dir  # noqa: E402
from bot.quality import PARTS, evaluate, load_questions  # noqa: E402

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "questions.yaml"
METRICS = (
    ("intent", "intent accuracy"),
    ("article", "article top-1"),
    ("bm25_articles", "  BM25 on title+answer"),
    ("bm25_everything", "  BM25 on title+questions+answer"),
    ("fallback_recall", "fallback recall"),
    ("wrong_fallback", "in-scope sent to fallback"),
    ("lang", "language detected"),
    ("client", "setup client"),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the questions answered wrongly")
    parser.add_argument("--part", choices=(*PARTS, "all"), default="tune", help="whose errors --errors lists")
    args = parser.parse_args()

    kb, _ = load_knowledge(resource_dir("knowledge"))
    engine = AnswerEngine(kb)
    baselines = {"bm25_articles": BM25Baseline(kb, with_questions=False), "bm25_everything": BM25Baseline(kb)}
    questions = load_questions(QUESTIONS)
    report = evaluate(engine, baselines, questions)
    header = f"{'metric':<32}" + "".join(f"{p + ' ' + l:>14}" for p in PARTS for l in ("it", "en"))
    print(f"{len(questions)} labelled questions, {len(kb.articles)} articles; value / number of questions")
    print(header)
    for key, label in METRICS:
        cells = ""
        for part in PARTS:
            for lang in ("it", "en"):
                value, n = report.metric(part, lang, key)
                cells += f"{'-':>14}" if n == 0 else f"{value:>9.3f} /{n:<3}"
        print(f"{label:<32}{cells}")
    if args.errors:
        print()
        for error in report.errors:
            if args.part in ("all", error.part):
                print(error)
    return 0


if __name__ == "__main__":
    sys.exit(main())
