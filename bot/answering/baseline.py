"""Plain rankers over the same knowledge base: the yardsticks the answer engine must beat.

- ``BM25Baseline``: one document per article and language (title, example questions and answer, as
  ``kb export --json`` gives them), lower-cased words reduced to their Snowball stems, Okapi BM25 with
  the usual k1 and b; a message is ranked against every language's documents.
- ``CharNgramReference``: TF-IDF of character 2-5-grams and word uni- and bigrams, and scikit-learn's
  LogisticRegression with its default settings, trained on the articles' titles and example questions.

Neither knows the intents: they are measured on article top-1 only. Measurement code, never imported
by the bot: it needs the test extras (PyStemmer, scikit-learn).
"""

from __future__ import annotations

import math
import re
from collections import Counter

from bot.knowledge.base import KnowledgeBase

_WORDS = re.compile(r"\w+", re.UNICODE)
_STEMMERS = {"it": "italian", "en": "english"}


class BM25Baseline:
    def __init__(self, kb: KnowledgeBase, k1: float = 1.5, b: float = 0.75):
        import Stemmer

        self.k1, self.b = k1, b
        self._stemmers = {lang: Stemmer.Stemmer(_STEMMERS.get(lang, "porter")) for lang in kb.languages}
        self.docs: list[tuple[str, str, Counter[str], int]] = []
        for article in kb.articles.values():
            for lang in kb.languages:
                text = " ".join([article.title[lang], *article.questions[lang], article.answer[lang]])
                tokens = self._tokens(text, lang)
                self.docs.append((article.id, lang, Counter(tokens), len(tokens)))
        self.avg_len = sum(n for *_, n in self.docs) / max(1, len(self.docs))
        n = len(self.docs)
        df: Counter[str] = Counter()
        for _, _, counts, _ in self.docs:
            df.update(counts.keys())
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def _tokens(self, text: str, lang: str) -> list[str]:
        return self._stemmers[lang].stemWords(_WORDS.findall(text.lower()))

    def best(self, text: str) -> str | None:
        queries = {lang: self._tokens(text, lang) for lang in self._stemmers}
        best_id, best_score = None, 0.0
        for article_id, lang, counts, length in self.docs:
            score = 0.0
            for term in queries[lang]:
                tf = counts.get(term)
                if tf:
                    norm = self.k1 * (1 - self.b + self.b * length / self.avg_len)
                    score += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
            if score > best_score:
                best_id, best_score = article_id, score
        return best_id


class CharNgramReference:
    def __init__(self, kb: KnowledgeBase):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        texts, labels = [], []
        for article in kb.articles.values():
            for lang in kb.languages:
                for text in (article.title[lang], *article.questions[lang]):
                    texts.append(text)
                    labels.append(article.id)
        features = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        )
        self.model = make_pipeline(features, LogisticRegression(max_iter=1000)).fit(texts, labels)

    def best(self, text: str) -> str | None:
        return str(self.model.predict([text])[0])
