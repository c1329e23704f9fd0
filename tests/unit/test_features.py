"""What the learned models see of a message, and the program matcher."""

from __future__ import annotations

from bot.answering.clients import ClientMatcher
from bot.answering.features import ConceptFinder, char_grams, extract


def test_char_grams_mark_word_boundaries_and_count_every_size():
    grams = char_grams(["pop"])
    assert {" p", "po", "op", "p ", " po", "pop", "op ", " pop", "pop ", " pop "} == set(grams)
    assert char_grams([]) == {}


def test_a_typo_shares_most_character_grams_with_the_word():
    right, typo = set(char_grams(["thunderbird"])), set(char_grams(["thunderbrid"]))
    assert len(right & typo) / len(right | typo) > 0.4


def test_words_pairs_and_concepts_make_the_word_block():
    concepts = ConceptFinder({"phone": ["cellulare", "smart phone"]})
    _, words = extract("Non riesco dal CELLULARE, né dallo smart-phone!", concepts)
    assert words["non"] == 1 and words["non riesco"] == 1
    assert words["_phone"] == 2  # one word and one phrase of the same concept


def test_long_input_is_read_up_to_a_bound():
    chars, words = extract("imap " * 5000)
    assert sum(words.values()) < 1000
    assert chars[" imap "] <= 300


def test_client_matcher_prefers_the_longest_alias_and_needs_both_words_of_a_combination(kb):
    matcher = ClientMatcher(kb.clients)
    assert matcher.find("configurare outlook per mac".split()) == "outlook-mac"
    assert matcher.find("outlook sul mio vecchio mac".split()) == "outlook-mac"
    assert matcher.find("outlook".split()) == "outlook"
    assert matcher.find("thunderbrid".split()) == "thunderbird"
    assert matcher.find("il mio outlet preferito".split()) is None
    assert matcher.find("max".split()) is None
