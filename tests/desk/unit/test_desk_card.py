"""The team's texts: where the guide is, the customer's card, the figures (Italian, the team's language)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.desk.card import Card, card_html, describe_guide, stats_html
from bot.desk.rules import language_label
from bot.desk.stats import Stats


@pytest.fixture
def team(translator):
    return lambda message: translator.gettext("it", message)


def test_the_guide_is_described_by_program_protocol_and_step(kb, team):
    total = len(kb.guides["ios-mail"].steps["imap"])
    where = describe_guide({"client": "ios-mail", "protocol": "imap", "step": "guide", "index": 2}, kb, team)
    assert where == f"{kb.clients['ios-mail'].name['it']} · IMAP · passaggio 3 di {total}"
    assert describe_guide({"client": "outlook", "step": "protocol"}, kb, team).endswith("scelta tra POP3 e IMAP")
    assert describe_guide({}, kb, team) == "appena iniziata"


def test_the_card_shows_who_requests_guide_and_rating(team):
    card = Card(name="Mario <Rossi>", username="mario", customer_id=1001, lang="en", tickets=3,
                requests=(("IMAP-ABC123", "pending"), ("IMAP-DEF456", "delivered")), guide="Outlook · IMAP",
                last_rating=4)
    text = card_html(card, team, {"en": "English"})
    assert "Mario &lt;Rossi&gt;" in text and "@mario" in text and "<code>1001</code>" in text
    assert "Lingua: English" in text and "Ticket finora: 3" in text
    assert "IMAP-ABC123 (in coda), IMAP-DEF456 (consegnata)" in text
    assert "Guida alla configurazione: Outlook · IMAP" in text and "Ultimo voto: 4/5" in text


def test_the_figures_read_in_italian_with_durations_and_reasons(team):
    stats = Stats(opened=4, closed=3, median_first_answer=600.0, median_to_close=7200.0, rating_average=4.5,
                  rating_count=2, handoff_share=0.25, top_reasons=(("cannot-send", 2), ("smtp", 1)))
    since = datetime(2026, 11, 24, 12, 0).timestamp()
    text = stats_html(stats, since, 16, {"cannot-send": "Non riesco a inviare"}, team)
    assert "I numeri dal 24 novembre" in text
    assert "Nuovi ticket: 4 · chiusi: 3" in text
    assert "10 minuti" in text and "2 ore" in text
    assert "Voto medio: 4,5 / 5 (2)" in text and "25% (su 16 che hanno scritto)" in text
    assert "Non riesco a inviare (2), smtp (1)" in text


def test_figures_of_an_empty_period_say_so_without_failing(team):
    stats = Stats(0, 0, None, None, None, 0, None, ())
    text = stats_html(stats, datetime(2026, 11, 1).timestamp(), 0, {}, team)
    assert "Nuovi ticket: 0 · chiusi: 0" in text and "Voto medio: -" in text


def test_a_customers_language_reads_in_the_teams_language_with_its_flag():
    assert language_label("it") == "🇮🇹 italiano" and language_label("en") == "🇬🇧 inglese"
    assert language_label("de") == "de"  # a code the desk does not name stays as it is
