"""The conversation core driven directly, with a real SQLite store."""

from __future__ import annotations

import json

from chat import Chat
from chat import button_ids as ids

from bot.core.session import Session
from bot.core.types import Button, Customer, HandBack, OpenTicket

IT = Customer(id="42", name="Mario", language_code="it")
EN = Customer(id="42", name="Mary", language_code="en-GB")


def test_start_greets_in_the_telegram_language_with_the_main_menu(chat):
    replies = chat(None, customer=EN).command("start")
    assert replies[0].text.startswith("Hi!")
    assert ids(replies)[:4] == ["art:pop3-vs-imap", "flow:setup", "flow:imap", "flow:human"]
    assert "lang:it" in ids(replies)
    assert chat(None, customer=IT).command("start")[0].text.startswith("Ciao!")


def test_a_question_in_english_typed_while_a_flow_waits_is_answered_in_english(chat):
    # Regression (issue 20 review): deciding the language before the flow saw the text answered an English
    # question passed on by the waiting setup guide in the Italian of the customer's phone.
    c = chat(None, customer=IT)
    assert c.press("flow:setup")[0].text  # the guide asks which program, in Italian
    [answer, *_] = c.say("my password is wrong, how do I reset it?")
    assert "password" in answer.plain().lower() and "La password" not in answer.plain()
    assert c.session.lang == "en"


def test_answer_comes_with_related_articles_offers_and_feedback(chat, kb):
    [answer] = chat(None, customer=IT).say("che differenza c'è tra pop3 e imap?")
    assert answer.title == kb.articles["pop3-vs-imap"].title["it"]
    assert "supporto@mosajco.com" in answer.text  # the placeholder is filled
    assert "{" not in answer.text
    assert any(i.startswith("art:") for i in ids([answer]))
    assert "flow:imap" in ids([answer])
    assert answer.buttons[-1] == (Button("👍 Sì", "fb:1:pop3-vs-imap"), Button("👎 No", "fb:0:pop3-vs-imap"))
    assert answer.text.endswith("\n\nTi è stato utile?")


def test_feedback_is_stored_once_and_thumbs_down_is_logged_as_unanswered(chat, store):
    c = chat(None, customer=EN)
    c.say("what is smtp?")
    replies = c.press("fb:0:smtp")
    assert "Sorry" in replies[0].text
    again = c.press("fb:1:smtp")
    assert "already" in again[0].text
    assert store.feedback_summary() == [("smtp", 0, 1)]
    report = store.unanswered_report()
    assert [(r["question"], r["count"], r["reasons"]) for r in report] == [("what is smtp?", 1, ["disliked"])]


def test_feedback_button_of_an_older_answer_does_nothing(chat, store):
    c = chat(None, customer=EN)
    c.say("what is smtp?")
    c.say("what is imap?")
    c.press("fb:1:smtp")
    assert store.feedback_summary() == []


def test_fallback_questions_are_logged_and_counted_most_frequent_first(chat, store):
    c = chat(None, customer=IT)
    for text in ("quanto costa il dominio?", "Quanto costa il dominio", "come pago la fattura?"):
        replies = c.say(text)
        assert "flow:human" in ids(replies)
        assert "supporto@mosajco.com" in replies[0].text
    report = store.unanswered_report()
    assert [(r["count"], r["reasons"]) for r in report] == [(2, ["out_of_scope"]), (1, ["out_of_scope"])]
    assert "Vuoi che ti metta in contatto con una persona?" in replies[0].text


def test_the_language_follows_the_text_until_the_customer_chooses_one(chat):
    c = chat(None, customer=IT)
    assert c.say("what is smtp?")[0].text.endswith("Was this helpful?")
    assert c.session.lang == "en"
    assert c.say("cos'è smtp?")[0].text.endswith("Ti è stato utile?")
    replies = c.command("language", "en")
    assert c.session.lang_chosen and replies[0].text == "Done: I'll write to you in English."
    assert c.say("cos'è smtp?")[0].text.endswith("Was this helpful?")


def test_language_command_without_argument_offers_buttons_and_the_button_switches(chat):
    c = chat(None, customer=EN)
    replies = c.command("language")
    assert ids(replies) == ["lang:it", "lang:en"]
    replies = c.press("lang:it")
    assert replies[0].text == "Fatto: ti scriverò in italiano."
    assert c.session.lang == "it"


def test_typing_a_button_label_presses_it_but_a_number_does_not(chat):
    c = chat(None, customer=EN)
    c.command("start")
    replies = c.say("POP3 or IMAP?")
    assert "POP3" in replies[0].title
    replies = c.say("yes")  # the label "👍 Yes", typed without the emoji
    assert replies[0].text.startswith("Great")
    # Telegram shows no numbers on its buttons: "1" typed there is not a button (the terminal numbers them).
    c.command("start")
    assert not (c.say("1")[0].title or "").startswith("POP3")


def test_setup_request_starts_the_guide_and_remembers_the_address(chat):
    c = chat(None, customer=IT)
    replies = c.say("come configuro la posta di info@rossi.it su iPhone?")
    assert "iPhone" in replies[0].text
    assert c.flow == "setup" and c.form["client"] == "ios-mail"
    replies = c.press(":p:pop3")
    assert any(b.label == "info@rossi.it" for r in replies for b in r.all_buttons)  # offered, not asked again


def test_activation_request_starts_the_form_with_the_address_prefilled(chat):
    c = chat(None, customer=IT)
    replies = c.say("vorrei attivare imap per info@rossi.it")
    assert c.flow == "imap" and c.form["mailboxes"] == ["info@rossi.it"]
    assert replies[0].text.startswith("Chi fa la richiesta?")


def test_handoff_without_a_support_group_gives_the_support_address(chat):
    c = chat(None, customer=IT)
    replies = c.say("voglio parlare con un operatore")
    assert OpenTicket(before=0) in c.outcome.effects and "supporto@mosajco.com" in replies[0].text


def test_a_foreign_language_gets_an_answer_in_both_languages(chat):
    replies = chat(None, customer=IT).say("Wie richte ich mein E-Mail-Konto ein?")
    assert "italiano" in replies[0].text and "English" in replies[0].text


def test_stale_or_garbage_buttons_show_the_menu(chat):
    for button in ("art:no-such-article", "zzz", "", "flow:teleport", "fb:", "lang:de"):
        replies = chat(None, customer=IT).press(button)
        assert replies and "flow:setup" in ids(replies)


def test_unknown_command_and_cancel(chat):
    c = chat(None, customer=IT)
    assert "flow:setup" in ids(c.command("frobnicate"))
    assert c.command("cancel")[0].text.startswith("Non c'era niente")


def test_every_interface_reply_is_translated(chat):
    # Italian and English replies to the same events differ: nothing falls back to English silently.
    for event in (("command", "start"), ("command", "help"), ("text", "grazie"), ("text", "quanto costa il dominio")):
        it, en = chat("it", customer=IT), chat("en", customer=IT)
        if event[0] == "command":
            it_text, en_text = it.command(event[1])[0].text, en.command(event[1])[0].text
        else:
            it_text, en_text = it.say(event[1])[0].text, en.say(event[1])[0].text
        assert it_text != en_text


def test_session_survives_a_json_round_trip_through_the_store(chat, store):
    c = chat(None, customer=EN)
    c.say("what is smtp?")
    store.set(c.key, c.session.to_dict())
    restored = Session.from_dict(json.loads(json.dumps(store.get(c.key))))
    assert restored == c.session
    replies = chat(None, customer=EN, session=restored).press("fb:1:smtp")
    assert replies[0].text.startswith("Great")


def test_sessions_from_other_versions_load_with_defaults():
    assert Session.from_dict({"lang": "en", "unknown_key": 1, "history": []}).lang == "en"
    assert Session.from_dict(None) == Session()
    assert Session.from_dict("garbage") == Session()


def test_transcript_is_kept_short(chat):
    c = chat(None, customer=EN)
    for n in range(30):
        c.say(f"what is smtp {n}?")
    assert len(c.session.history) <= 12


def test_bad_input_gets_a_reply_in_the_conversation(chat):
    for text in ("", "   ", "😀", "a" * 5000, "<b>x</b>", "'; DROP TABLE sessions; --", "\x00\x1b[2J"):
        replies = chat(None, customer=IT).say(text)
        assert replies and all(r.text for r in replies)


def test_asking_for_a_person_sends_the_conversation_to_the_support_mailbox(chat, store):
    c = chat(None, customer=IT)
    c.say("non riesco a inviare la posta")
    replies = c.say("voglio parlare con un operatore")
    [request] = store.outbox.all()
    assert request.kind == "handoff" and request.reference in replies[0].text
    assert ["customer", "non riesco a inviare la posta"] in request.payload["transcript"]


def test_a_conversation_for_the_mailbox_is_not_called_sent_before_it_is(chat, store, translator):
    # Regression (issue 18): the customer heard "I have sent our conversation" when it was only in the outbox,
    # and a request that could not be built was never sent at all.
    for customer, sent_words in ((IT, ("ho inviato", "inviata")), (EN, ("i have sent", "i've sent"))):
        c = chat(None, customer=customer)
        c.say("non riesco a inviare la posta" if customer is IT else "I can't send mail")
        reply = c.say("voglio parlare con un operatore" if customer is IT else "I want to talk to a person")[0]
        request = store.outbox.of_customer(f"{c.key.channel}:{c.key.chat_id}")[-1]
        assert request.state == "pending" and request.reference in reply.text
        assert not any(words in reply.text.lower() for words in sent_words), reply.text
        assert ("ti avviserò" in reply.text.lower()) if customer is IT else ("when it has reached" in reply.text)


def test_with_a_person_the_bot_stays_silent_and_old_buttons_do_not_act(kb, engine, translator, store):
    from bot.app import build_conversation
    from bot.conversation.registry import ConversationSettings

    dialogue, _texts = build_conversation(kb, engine, translator, ConversationSettings("supporto@mosajco.com", support_group=True),
                                          store, store.outbox)
    c = Chat(dialogue, None, customer=IT)
    replies = c.say("voglio parlare con un operatore")
    assert OpenTicket(before=0) in c.outcome.effects and c.flow == "human"
    c.say("cos'è imap?")
    assert c.outcome.relay and c.replies == []
    replies = c.press("flow:setup")
    assert "/bot" in replies[0].text and c.flow == "human"
    replies = c.command("bot")
    assert HandBack() in c.outcome.effects and c.flow is None


def test_a_vague_problem_gets_a_triage_question_with_buttons(chat, kb, store):
    c = chat(None, customer=IT)
    [reply] = c.say("la mail non va")
    assert "che cosa non funziona" in reply.text
    assert ids([reply])[: len(kb.triage)] == [f"art:{a}" for a in kb.triage]
    assert {"flow:setup", "flow:human"} <= set(ids([reply]))
    assert c.session.fallbacks_in_row == 0  # a question back is not a failure to answer
    [answer] = c.press(f"art:{kb.triage[0]}")
    assert answer.title == kb.articles[kb.triage[0]].title["it"]


def test_words_between_questions_get_a_short_prompt_and_the_menu(chat):
    for text, customer, start in (("avanti", IT, "Dimmi pure"), ("and now?", EN, "Tell me what you need")):
        [reply] = chat(None, customer=customer).say(text)
        assert reply.text.startswith(start)
        assert "art:pop3-vs-imap" in ids([reply]) and not reply.title


def test_typing_next_where_no_next_button_is_offered_shows_the_menu_every_time(chat):
    # Regression: "Avanti" typed outside the setup guide answered the certificate article, every time.
    c = chat(None, customer=IT)
    for _ in range(3):
        [reply] = c.say("Avanti")
        assert reply.title is None and "art:pop3-vs-imap" in ids([reply])


def test_the_language_buttons_come_from_the_knowledge_base(chat, kb):
    [reply] = chat(None, customer=IT).command("language")
    assert [b.label for row in reply.buttons for b in row] == [kb.language_data[c].name for c in kb.languages]


def test_no_webmail_or_control_panel_is_promised_when_the_provider_has_none(chat, kb):
    assert kb.servers.webmail == "" and kb.servers.control_panel == ""  # the shipped default: not known
    [webmail] = chat(None, customer=IT).press("art:webmail")
    [password] = chat(None, customer=IT).press("art:password-rejected")
    assert "La tua webmail è qui" not in webmail.text and "supporto@mosajco.com" in webmail.text
    assert "pannello di controllo" not in password.text and "reimpostare" in password.text
    assert "{" not in webmail.text + password.text


def test_the_name_sent_with_a_conversation_to_the_support_mailbox_has_no_bidi_controls(chat, store):
    """Issue 18's sibling: a bidi override in a customer's name reordered what the team reads."""
    c = chat(None, customer=Customer(id="42", name="\u202eMario\u2066 Rossi\u2069", language_code="it"))
    c.say("non riesco a inviare la posta")
    assert c.say("voglio parlare con un operatore") and OpenTicket(before=0) in c.outcome.effects
    [request] = store.outbox.all()
    assert request.payload["name"] == "Mario Rossi"
