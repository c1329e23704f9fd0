"""Issue 19: the neighbouring topics (spam, phishing, limits, passwords...), what stays out of scope,
and long or mixed messages. Phrasings written for these tests, in customers' voices."""

from __future__ import annotations

import pytest

NEW_ARTICLES = ("spam-received", "sent-to-spam", "spoofed-sender", "sending-limits", "attachment-size",
                "change-password", "forwarding-autoreply", "phishing")


@pytest.mark.parametrize(
    "text, article",
    [
        ("mi arrivano ogni giorno decine di mail pubblicitarie, come le fermo?", "spam-received"),
        ("our quotes keep ending up in the customers' junk folder", "sent-to-spam"),
        ("ricevo un sacco di notifiche di mancata consegna per messaggi che non ho scritto io", "spoofed-sender"),
        ("is there a maximum number of people i can email at once?", "sending-limits"),
        ("quanto può pesare al massimo un allegato?", "attachment-size"),
        ("I'd like to set a new password for my mailbox", "change-password"),
        ("come faccio a far girare la posta su un altro indirizzo mentre sono via?", "forwarding-autoreply"),
        ("got a mail saying my inbox is blocked unless I log in through a link, is it genuine?", "phishing"),
    ],
)
def test_the_neighbouring_topics_get_their_article(engine, text, article):
    analysis = engine.analyse(text)
    assert (analysis.intent, analysis.article) == ("answer", article)


def test_a_password_is_never_changed_through_the_chat_and_never_asked_for(kb):
    change, phishing = kb.articles["change-password"], kb.articles["phishing"]
    assert "non si cambia qui in chat" in change.answer["it"] and "isn't changed here in the chat" in change.answer["en"]
    assert "Non ti chiederemo mai la password" in phishing.answer["it"]
    assert "We will never ask for your password" in phishing.answer["en"]


@pytest.mark.parametrize("article", ["spoofed-sender", "phishing", "sent-to-spam", "change-password"])
def test_where_only_a_person_can_help_the_article_offers_one(kb, article):
    assert "handoff" in kb.articles[article].offer


@pytest.mark.parametrize(
    "text",
    ["mi hanno hackerato la casella e manda mail a tutti i miei clienti, aiutatemi",
     "help, my mailbox was hacked and the password no longer works"],
)
def test_an_explicitly_hacked_mailbox_is_still_a_person(engine, text):
    assert engine.analyse(text).intent == "handoff"


@pytest.mark.parametrize(
    "text",
    [
        "vorrei sapere perché quest'anno la fattura del rinnovo è più alta",  # billing
        "the invoice you sent has our old address on it",  # invoices
        "la carta mi è stata addebitata due volte questo mese",  # charges
        "can I pay the renewal by bank transfer instead of card?",  # payments
        "il dominio scade a fine mese, come lo rinnovo?",  # domain renewal
        "I want to buy another domain name for my shop",  # domains
        "il sito dell'azienda da stamattina mostra una pagina bianca",  # websites
        "which A record should the domain have so the website works?",  # DNS for the site
        "vorrei passare a un pacchetto hosting con più spazio per il sito",  # hosting plans
        "how do I read my PEC certified mail in Thunderbird?",  # PEC
        "la casella pec non manda le ricevute di consegna",  # PEC
    ],
)
def test_what_the_bot_does_not_cover_gets_the_fallback_never_an_article(engine, text):
    analysis = engine.analyse(text)
    assert (analysis.intent, analysis.article) == ("fallback", None)


@pytest.mark.parametrize(
    "text, article",
    [
        # Contrast and negation: what works is said too, what fails is the topic.
        ("le mail in arrivo le vedo tutte ma non riesco a mandarne nemmeno una", "cannot-send"),
        ("spedire spedisco senza problemi, però non mi arriva più niente da ieri", "cannot-receive"),
        ("I can send emails fine but I don't get any new ones", "cannot-receive"),
        ("new mail comes in as usual, but nothing I write goes out", "cannot-send"),
    ],
)
def test_contrast_and_negation_name_what_fails(engine, text, article):
    analysis = engine.analyse(text)
    assert (analysis.intent, analysis.article) == ("answer", article)


@pytest.mark.parametrize(
    "text, article",
    [
        ("Buongiorno, sono Marta e gestisco un piccolo agriturismo in Toscana. Di computer ne capisco poco, "
         "di solito mi aiuta mio nipote che però adesso studia a Milano. Da qualche giorno le mail che mando "
         "alle agenzie finiscono tutte nella loro cartella spam. Come posso fare? Grazie mille", "sent-to-spam"),
        ("Hello, I hope you're well. We're a team of six accountants and we share one office. Last week we "
         "changed internet provider and the engineer replaced the router. Since then nobody can send email "
         "from Outlook, although incoming mail still arrives. Thanks in advance, Paul", "cannot-send"),
        ("Salve. Ho ricevuto stamattina questo messaggio:\n\nMail Delivery System: This message was created "
         "automatically by mail delivery software. A message that you sent could not be delivered to one or "
         "more of its recipients. Message size exceeds fixed maximum message size\n\nCosa significa? Era "
         "solo il catalogo in pdf.", "attachment-size"),
    ],
)
def test_a_long_message_is_read_for_the_sentence_that_matters(engine, text, article):
    analysis = engine.analyse(text)
    assert (analysis.intent, analysis.article) == ("answer", article)


def test_negated_words_are_features_of_their_own():
    from bot.answering.features import ConceptFinder, extract

    concepts = ConceptFinder({"send": ["inviare"], "receive": ["ricevo"]}, negations=["non"], clause_words=["ma"])
    _, words = extract("Non ricevo niente, ma inviare invio. Grazie", concepts)
    assert words["!ricevo"] == 1 and words["!_receive"] == 1
    assert "!inviare" not in words and "!_send" not in words  # the clause word ends the negation's reach
    _, words = extract("Non. Inviare", concepts)
    assert "!inviare" not in words  # nor does it cross a sentence


def test_a_message_of_several_sentences_is_also_read_sentence_by_sentence():
    from bot.answering.features import sentences

    assert sentences("Buongiorno! Non riesco a inviare.\nGrazie") == ["Buongiorno", "Non riesco a inviare", "Grazie"]
    assert sentences("mail.rossi.it non va") == ["mail.rossi.it non va"]  # a host name is no sentence end
