"""The answer engine on its own: intents, clients, addresses, languages, bad input."""

from __future__ import annotations

import pytest

from bot.core.types import INTENTS


@pytest.mark.parametrize(
    "text, client",
    [
        ("come configuro la posta su iPhone?", "ios-mail"),
        ("configurare outlook 2019", "outlook"),
        ("set up my mail on my new Pixel", "gmail-android"),
        ("come aggiungo la mail su thunderbrid", "thunderbird"),
        ("add my email to the new outlook", "new-outlook"),
        ("outlook sul mac come si configura la casella", "outlook-mac"),
        ("configurare la casella sul samsung galaxy", "samsung-email"),
        ("how do I set up mail on my macbook", "apple-mail"),
    ],
)
def test_setup_requests_name_or_imply_the_client(engine, text, client):
    analysis = engine.analyse(text)
    assert (analysis.intent, analysis.client) == ("setup", client)


def test_setup_without_a_client_has_none(engine):
    analysis = engine.analyse("come configuro la posta?")
    assert analysis.intent == "setup"
    assert analysis.client is None


def test_activation_request_keeps_the_addresses(engine):
    analysis = engine.analyse("vorrei attivare imap per info@rossi.it e amministrazione@rossi.it")
    assert analysis.intent == "activation"
    assert analysis.emails == ("info@rossi.it", "amministrazione@rossi.it")
    assert analysis.lang == "it"


def test_question_about_activation_is_an_answer(engine):
    analysis = engine.analyse("come funziona l'attivazione dell'imap?")
    assert (analysis.intent, analysis.article) == ("answer", "imap-activation")


@pytest.mark.parametrize(
    "text, article",
    [
        ("che differenza c'è tra pop3 e imap?", "pop3-vs-imap"),
        ("what's the difference between pop and imap", "pop3-vs-imap"),
        ("differenza tra pop e imao", "pop3-vs-imap"),
        ("what is smtp", "smtp"),
        ("quali sono le porte del server in uscita e in entrata", "server-settings"),
        ("if my laptop gets stolen do i lose my emails?", "lost-device-safety"),
    ],
)
def test_knowledge_questions_find_their_article(engine, text, article):
    analysis = engine.analyse(text)
    assert (analysis.intent, analysis.article) == ("answer", article)
    assert 0 < analysis.confidence <= 1


@pytest.mark.parametrize(
    "text",
    [
        "quanto costa rinnovare il dominio?",
        "how do I pay my invoice",
        "il mio sito wordpress non si apre",
        "come configuro la PEC",
        "what's the weather in Rome",
    ],
)
def test_out_of_scope_falls_back_without_an_article(engine, text):
    analysis = engine.analyse(text)
    assert analysis.intent == "fallback"
    assert analysis.article is None


@pytest.mark.parametrize(
    "text, intent",
    [
        ("voglio parlare con un operatore", "handoff"),
        ("agent please", "handoff"),
        ("ciao", "smalltalk"),
        ("thanks a lot!", "smalltalk"),
        ("are you a bot?", "smalltalk"),
    ],
)
def test_handoff_and_smalltalk(engine, text, intent):
    assert engine.analyse(text).intent == intent


@pytest.mark.parametrize(
    "text, lang",
    [
        ("come faccio a leggere la posta senza internet", "it"),
        ("how can I read my mail without internet", "en"),
        ("perche non ricevo piu le mail sul cellulare", "it"),
        ("my phone doesn't get new emails anymore", "en"),
    ],
)
def test_language_is_detected_from_the_text(engine, text, lang):
    assert engine.analyse(text, hint="en" if lang == "it" else "it").lang == lang


def test_language_hint_breaks_ties(engine):
    assert engine.analyse("imap", hint="en").lang == "en"
    assert engine.analyse("imap", hint="it").lang == "it"


BAD_INPUTS = [
    "",
    "   \n\t  ",
    "a" * 4096,
    "imap " * 819,
    "😀😀😀",
    "👍",
    "\x00\x01\x02\x1b[31m imap \x7f",
    "ciao, what is the difference tra pop e imap?",
    "<b>imap</b> <script>alert(1)</script>",
    "**pop3** _vs_ `imap` [link](http://example.com)",
    "'; DROP TABLE sessions; --",
    "Wie richte ich mein E-Mail-Konto ein?",
    "Bonjour, comment configurer ma messagerie ?",
    "?!?!...",
    "12345",
    "\u202e\u200b\ufeff",
]


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_bad_input_never_raises_and_gets_a_sensible_analysis(engine, text):
    analysis = engine.analyse(text)
    assert analysis.intent in INTENTS
    assert analysis.lang in ("it", "en")
    assert 0 <= analysis.confidence <= 1


def test_empty_text_is_a_fallback_of_its_own(engine):
    assert engine.analyse("   ").reason == "empty"
    assert engine.analyse("😀😀").reason == "empty"


@pytest.mark.parametrize("text", ["Wie richte ich mein E-Mail-Konto ein?", "Bonjour, comment configurer ma messagerie ?"])
def test_other_languages_are_recognised_as_foreign(engine, text):
    analysis = engine.analyse(text)
    assert (analysis.intent, analysis.reason) == ("fallback", "foreign")


# Regressions: short and vague messages the rule-based engine answered with a confident, wrong article.
@pytest.mark.parametrize("text", ["avanti", "ok", "sì", "fatto", "and now?", "yes", "next"])
def test_words_between_questions_get_the_menu_not_an_article(engine, text):
    analysis = engine.analyse(text)
    assert (analysis.intent, analysis.smalltalk) == ("smalltalk", "ack")
    assert analysis.article is None


@pytest.mark.parametrize("text", ["non funziona", "la mail non va", "it doesn't work", "my email is broken"])
def test_a_vague_problem_gets_the_triage_question(engine, kb, text):
    analysis = engine.analyse(text)
    assert (analysis.intent, analysis.reason, analysis.article) == ("fallback", "vague", None)
    assert analysis.suggestions == kb.triage[: len(analysis.suggestions)]


@pytest.mark.parametrize(
    "text", ["mi hanno hackerato la mail", "dalla mia casella partono mail di spam che non ho scritto", "my email got hacked"]
)
def test_a_hacked_mailbox_goes_to_a_person(engine, text):
    assert engine.analyse(text).intent == "handoff"


def test_gmail_in_the_browser_is_the_gmail_guide_not_webmail(engine):
    analysis = engine.analyse("voglio configurare la mia casella dentro gmail dal browser del computer")
    assert (analysis.intent, analysis.client) == ("setup", "gmail-web")


@pytest.mark.parametrize("text, client", [("thunderbrid", "thunderbird"), ("outlok", "outlook"), ("iphone 15", "ios-mail")])
def test_a_program_named_alone_even_misspelt_starts_its_setup(engine, text, client):
    analysis = engine.analyse(text)
    assert (analysis.intent, analysis.client) == ("setup", client)


def test_confidence_is_a_probability_and_suggestions_are_close_runners_up(engine):
    analysis = engine.analyse("ho problemi col server")
    assert 0 <= analysis.confidence <= 1
    assert len(analysis.suggestions) <= 3
    ranked = dict(analysis.ranked)
    best = max(ranked.values())
    assert all(ranked[s] >= 0.25 * best for s in analysis.suggestions if s in ranked)
    assert sum(p for _, p in analysis.ranked) <= 1.0 + 1e-6


def test_a_forced_language_is_kept_and_counts_as_decided(engine):
    analysis = engine.analyse("what is smtp", lang="it")
    assert (analysis.lang, analysis.lang_detected, analysis.article) == ("it", True, "smtp")


def test_the_language_rule_lets_the_hint_decide_only_when_the_words_do_not():
    from bot.knowledge.language import decide_language

    assert decide_language({"it": 0.55, "en": 0.45}, hint="en") == ("en", False)
    assert decide_language({"it": 0.55, "en": 0.45}, hint=None) == ("it", False)
    assert decide_language({"it": 0.95, "en": 0.05}, hint="en") == ("it", True)


def test_the_foreign_rule_needs_enough_words_mostly_unknown():
    from bot.knowledge.language import mostly_unknown_words

    known = frozenset({"la", "mail", "non", "va", "imap"})
    assert mostly_unknown_words("wie richte ich mein konto ein".split(), known)
    assert not mostly_unknown_words("la mail non va".split(), known)
    assert not mostly_unknown_words("guten tag".split(), known)  # too short to tell
    assert not mostly_unknown_words("la mail 2024 2025 2026".split(), known)  # numbers are no language


def test_one_word_never_switches_the_conversation_language():
    from bot.knowledge.language import decide_language

    assert decide_language({"it": 0.1, "en": 0.9}, hint="it", words=1) == ("it", False)
    assert decide_language({"it": 0.1, "en": 0.9}, hint=None, words=1) == ("en", True)


def test_another_language_is_told_by_its_function_words_not_by_unknown_words(engine):
    for text in ("Je ne reçois plus mes mails", "hola, no recibo emails en outlook", "Wie richte ich mein E-Mail-Konto ein?"):
        assert engine.analyse(text).reason == "foreign", text
    # A pasted error message is in words the knowledge base never uses, but it is no foreign language.
    assert engine.analyse("Delivery Status Notification (Failure)").reason != "foreign"


@pytest.mark.parametrize("text", ["asdf", "12345", "qwxz", "{__class__}"])
def test_nothing_known_gets_no_guess(engine, text):
    analysis = engine.analyse(text)
    assert (analysis.intent, analysis.article) == ("fallback", None)


@pytest.mark.parametrize(
    "text, intent",
    # A suspicious email asking for the password gets the phishing article, which offers a person (issue 19).
    [("mi è arrivata una mail strana che chiede la password, è phishing?", "answer"), ("i need help", "smalltalk"),
     ("ho una domanda", "smalltalk"), ("how do i add a signature in outlook", "fallback")],
)
def test_found_by_the_adversarial_pass(engine, text, intent):
    assert engine.analyse(text).intent == intent
