"""Training the answer engine in a child process, as the bot does so that it never loads scikit-learn itself."""

from __future__ import annotations

import numpy as np

from bot.answering.training import train_in_child


def test_the_engine_trains_in_a_child_process(kb, engine):
    models = train_in_child(kb.root)
    assert models.target.classes == engine.target_model.classes
    text = "come funziona imap?"
    assert np.allclose(models.target.probabilities(text), engine.target_model.probabilities(text), atol=1e-4)
