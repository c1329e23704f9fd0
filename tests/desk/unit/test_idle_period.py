"""The idle period told to both sides, in words of their language and never rounded to weeks or months."""

from __future__ import annotations

import pytest

from bot.channels.telegram.desk.upkeep import idle_period


@pytest.mark.parametrize("days, lang, words", [
    (7, "it", "7 giorni"), (10, "en", "10 days"), (45, "it", "45 giorni"), (1, "it", "1 giorno"),
    (0.5, "en", "12 hours"), (0.0001, "it", "8,6 secondi"),
])
def test_the_period_is_said_in_its_largest_whole_unit(days, lang, words):
    assert idle_period(days, lang) == words
