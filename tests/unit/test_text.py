"""Normalisation and language detection, the pure helpers under the engine."""

from bot.knowledge.text import find_emails, fold


def test_fold_removes_case_accents_punctuation_and_emoji():
    assert fold("Perché NON ricevo più le e-mail?? 😡") == "perche non ricevo piu le email"


def test_fold_splits_italian_elisions():
    assert fold("dell'account sull’iPhone") == "dell account sull iphone"


def test_fold_joins_spaced_protocol_names():
    assert fold("POP 3 o IMAP 4?") == "pop3 o imap"


def test_find_emails_keeps_order_and_drops_duplicates():
    text = "attivate info@rossi.it, amministrazione@rossi.it e ancora info@rossi.it."
    assert find_emails(text) == ["info@rossi.it", "amministrazione@rossi.it"]


def test_find_emails_handles_international_domains():
    assert find_emails("la casella è posta@caffè.it grazie") == ["posta@caffè.it"]


def test_find_emails_ignores_what_is_not_an_address():
    assert find_emails("scrivi a @mosajco o a info@ o a a@b") == []
