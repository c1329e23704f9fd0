"""Plain BM25 rankers over the same knowledge base: the yardsticks the answer engine must beat.

No stemming, synonyms, typo repair or intents: one document per article and language, lower-cased
words, Okapi BM25 with the usual k1 and b. Two variants: the articles as a reader sees them (title and
answer), and everything the knowledge base holds (title, example questions and answer).
"""

from __future__ import annotations

import math
import re
from collections import Counter

from bot.knowledge.base import KnowledgeBase

_WORDS = re.compile(r"\w+", re.UNICODE)


def _tokens(text: str) -> list[str]:
    return _WORDS.findall(text.lower())


class BM25Baseline:
    def __init__(self, kb: KnowledgeBase, with_questions: bool = True, k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b
        self.docs: list[tuple[str, Counter[str], int]] = []
        for article in kb.articles.values():
            for lang in article.title:
                questions = article.questions[lang] if with_questions else ()
                text = " ".join([article.title[lang], *questions, article.answer[lang]])
                tokens = _tokens(text)
                self.docs.append((article.id, Counter(tokens), len(tokens)))
        self.avg_len = sum(n for _, _, n in self.docs) / max(1, len(self.docs))
        df: Counter[str] = Counter()
        for _, counts, _ in self.docs:
            df.update(counts.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def best(self, text: str) -> str | None:
        query = _tokens(text)
        best_id, best_score = None, 0.0
        for article_id, counts, length in self.docs:
            score = 0.0
            for term in query:
                tf = counts.get(term)
                if tf:
                    norm = tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * length / self.avg_len))
                    score += self.idf[term] * norm
            if score > best_score:
                best_id, best_score = article_id, score
        return best_id
