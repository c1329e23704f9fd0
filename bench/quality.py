"""Answer quality per language: cross-validation, the held-out sets, and plain baselines in the same run.

    python bench/quality.py [--errors SET] [--no-cv]

Sets (tests/data/):
- ``labelled``  questions.yaml: the set thresholds and the SVM's C are chosen on;
- ``heldout``   heldout.yaml: written by helpers who never saw the example questions; never tuned on;
- ``public``    public.yaml: phrasings found in public places (forums, FAQ headings, pasted errors);
- ``heldout2``  heldout2.yaml: customers' voices for the eight neighbouring topics, out-of-scope business
                questions and contrasts, written by a helper who never saw the examples; never tuned on;
- ``public2``   public2.yaml: a second set of public phrasings (268, other sites), labelled before the
                engine was run on them; never tuned on.

For each: intent accuracy, article top-1, fallback recall, in-scope messages sent to the fallback,
language, program, vague messages handled acceptably, and the calibration error of the answers'
confidence; beside the article top-1 of BM25 (Snowball stems, over title + example questions +
answer, as ``kb export --json`` gives them) and of the plain reference (TF-IDF of character 2-5-grams
and words, scikit-learn's LogisticRegression with default settings, trained on titles and examples).
Cross-validation: stratified 5-fold over the knowledge base's examples (target accuracy), and over
the labelled set added to the examples (what copying customers' phrasings into the YAML would give),
each held-out labelled message read as written and "padded": two sentences of ``padding.yaml`` before
it (a greeting, who is writing, what happened) and one after (thanks), as long messages are written.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answering.baseline import BM25Baseline, CharNgramReference  # noqa: E402
from bot.answering.engine import AnswerEngine  # noqa: E402
from bot.answering.quality import LANGS, Question, evaluate, load_questions  # noqa: E402
from bot.answering.training import Models, concept_finder, fit, padded_examples, target_examples, train  # noqa: E402
from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.paths import resource_dir  # noqa: E402

DATA = ROOT / "tests" / "data"
SETS = {"labelled": "questions.yaml", "heldout": "heldout.yaml", "public": "public.yaml",
        "heldout2": "heldout2.yaml", "public2": "public2.yaml"}
METRICS = (
    ("intent", "intent accuracy"),
    ("article", "article top-1"),
    ("bm25", "  BM25 (stems, title+questions+answer)"),
    ("reference", "  char n-gram reference (LogReg)"),
    ("fallback_recall", "fallback recall"),
    ("wrong_fallback", "in-scope sent to fallback"),
    ("lang", "language detected"),
    ("client", "setup program"),
    ("vague_acceptable", "vague messages handled acceptably"),
)
# How a labelled message becomes a training example of the target model (for cross-validation).
_TARGET_OF_INTENT = {"setup": "@setup", "activation": "@activation", "handoff": "@handoff", "fallback": "@out_of_scope",
                     "vague": "@triage"}


def table(name: str, report) -> None:
    print(f"\n{name}")
    print(f"{'metric':<40}" + "".join(f"{lang:>14}" for lang in LANGS))
    for key, label in METRICS:
        cells = ""
        for lang in LANGS:
            value, n = report.metric(lang, key)
            cells += f"{'-':>14}" if n == 0 else f"{value:>9.3f} /{n:<3}"
        print(f"{label:<40}{cells}")
    cells = ""
    for lang in LANGS:
        value, n = report.calibration_error(lang)
        cells += f"{'-':>14}" if n == 0 else f"{value:>9.3f} /{n:<3}"
    print(f"{'calibration error of answers (ECE)':<40}{cells}")


def cross_validate(kb, language_model, labelled: list[Question], folds: int = 5) -> None:
    from sklearn.model_selection import StratifiedKFold

    texts, labels = target_examples(kb)
    concepts = None
    right = total = 0
    for train_rows, test_rows in StratifiedKFold(folds, shuffle=True, random_state=1).split(texts, labels):
        model = fit([texts[i] for i in train_rows], [labels[i] for i in train_rows], concepts=concepts)
        concepts = model.concepts
        for i in test_rows:
            p = model.probabilities(texts[i])
            right += model.classes[int(p.argmax())] == labels[i]
            total += 1
    print(f"\n{folds}-fold cross-validation over the knowledge base's examples: target accuracy {right / total:.3f} ({total})")

    concepts = concept_finder(kb)
    padded_texts, padded_labels = padded_examples(kb)
    usable = [q for q in labelled if q.intent == "answer" or q.intent in _TARGET_OF_INTENT]
    rng = random.Random(5)
    strata = [q.article or q.intent for q in usable]
    scores: dict[tuple[str, str], list[int]] = {}
    for train_rows, test_rows in StratifiedKFold(folds, shuffle=True, random_state=1).split(usable, [s if strata.count(s) >= folds else "rare" for s in strata]):
        extra = [usable[i] for i in train_rows]
        model = fit(
            [*texts, *padded_texts, *(q.text for q in extra)],
            [*labels, *padded_labels, *((q.article if q.intent == "answer" else _TARGET_OF_INTENT[q.intent]) for q in extra)],
            concepts=concepts,
        )
        engine = AnswerEngine(kb, Models(model, language_model, []))
        test = [usable[i] for i in test_rows]
        for kind, questions in (("", test), ("padded ", [padded(q, rng) for q in test])):
            report = evaluate(engine, questions)
            for (lang, metric), (hits, n) in report.counts.items():
                cell = scores.setdefault((lang, kind + metric), [0, 0])
                cell[0] += hits
                cell[1] += n
    print(f"{folds}-fold over the labelled set, its other folds added to the examples (as training does):")
    for metric in ("intent", "article", "wrong_fallback", "padded intent", "padded article", "padded wrong_fallback"):
        print(f"  {metric:<24}" + "".join(
            f"{lang} {scores[(lang, metric)][0] / scores[(lang, metric)][1]:.3f}  " for lang in LANGS if (lang, metric) in scores))


def padded(q: Question, rng: random.Random) -> Question:
    """``q`` as a long message: two sentences of padding.yaml before it, one after."""
    pad = _padding()[q.lang]
    text = q.text.rstrip()
    text = " ".join([*rng.sample(pad["before"], 2), text + ("" if text[-1:] in ".?!" else "."), *rng.sample(pad["after"], 1)])
    return Question(text, q.lang, q.intent, q.article, q.client)


def _padding() -> dict:
    import yaml

    return yaml.safe_load((DATA / "padding.yaml").read_text(encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", choices=tuple(SETS), help="list the messages of this set answered wrongly")
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    args = parser.parse_args()

    kb, _ = load_knowledge(resource_dir("knowledge"))
    start = time.perf_counter()
    models = train(kb)
    print(f"{len(kb.articles)} articles; models trained in {time.perf_counter() - start:.2f} s")
    engine = AnswerEngine(kb, models)
    bm25, reference = BM25Baseline(kb), CharNgramReference(kb)
    baselines = {"bm25": bm25.best, "reference": reference.best}
    for name, file in SETS.items():
        questions = load_questions(DATA / file)
        report = evaluate(engine, questions, baselines)
        table(f"{name} ({file}, {len(questions)} messages)", report)
        if args.errors == name:
            print(*report.errors, sep="\n")
    if not args.no_cv:
        cross_validate(kb, models.language, load_questions(DATA / SETS["labelled"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
