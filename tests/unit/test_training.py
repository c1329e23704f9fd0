"""Training the models: what they learn from, and calibration (training in a child process: tests/e2e)."""

from __future__ import annotations

import numpy as np

from bot.answering.training import fit, language_examples, target_examples


def test_targets_are_every_article_and_intent_and_program_names_teach_setup(kb):
    texts, labels = target_examples(kb)
    assert set(kb.articles) | {"@" + intent for intent in kb.intents} == set(labels)
    assert ("thunderbird", "@setup") in zip(texts, labels)


def test_words_every_language_uses_teach_no_language(kb):
    texts, labels = language_examples(kb)
    assert {"it", "en"} <= set(labels)
    assert ("imap", "it") in zip(texts, labels) and ("imap", "en") in zip(texts, labels)


def test_a_model_learns_its_examples_and_its_probabilities_sum_to_one():
    texts = ["pop3 downloads", "pop3 deletes", "pop3 locally", "imap syncs", "imap server", "imap folders"] * 2
    labels = ["pop", "pop", "pop", "imap", "imap", "imap"] * 2
    model = fit(texts, labels)
    p = model.probabilities("how does imap sync")
    assert model.classes[int(p.argmax())] == "imap"
    assert np.isclose(p.sum(), 1.0)
    assert model.temperature > 0

