"""The flow stack: old sessions carried over, a flow parked under another and back, triage, typed buttons."""

from __future__ import annotations

import pytest
from chat import Chat, button_ids

from bot.app import build_conversation
from bot.conversation.registry import ConversationSettings
from bot.core.callbacks import (
    ChooseLanguage,
    FlowAction,
    OpenArticle,
    RateAnswer,
    RateTicket,
    ShowMenu,
    StartFlow,
    button,
    decode,
)
from bot.core.session import Session
from bot.core.types import HandBack, OpenTicket

# A session saved by version 1: one flow, its step and form, the flow it had parked inside the form.
VERSION_1 = {
    "flow": "imap", "step": "name",
    "form": {"token": "ab12", "mailboxes": ["info@rossi.it"],
             "parked": {"flow": "setup", "step": "address", "form": {"token": "cd34", "client": "ios-mail", "protocol": "imap"}}},
}


def stack(c: Chat) -> list[str]:
    return [f["flow"] for f in c.session.flows]


def button_for(reply, button_id):
    return next(b for b in reply.all_buttons if b.id == button_id)


@pytest.fixture
def with_group(kb, engine, translator, store):
    """Like the ``chat`` fixture, with a support group: a person answers in the chat."""
    conversation, _texts = build_conversation(
        kb, engine, translator, ConversationSettings("supporto@mosajco.com", support_group=True), store, store.outbox)
    return lambda lang="it", **kwargs: Chat(conversation, lang, **kwargs)


def test_a_version_1_session_goes_on_where_it_was_and_the_parked_guide_comes_back(chat):
    c = chat("en", session=Session.from_dict(VERSION_1))
    assert stack(c) == ["setup", "imap"] and c.step == "name" and c.form["mailboxes"] == ["info@rossi.it"]
    replies = c.say("Rossi Srl")
    assert c.step == "contact" and "phone number" in replies[0].text
    replies = c.press("im:ab12:cancel")  # a button of the old request still acts: its token was kept
    assert "nothing has been sent" in replies[0].text
    assert stack(c) == ["setup"] and c.step == "address" and c.form["token"] == "cd34"
    back = button_for(replies[-1], "su:cd34:resume")
    assert back.label == "▶️ Back to the guide"
    replies = c.press(back.id)
    assert "Which email address" in replies[0].text and c.step == "address"


def test_a_person_asked_for_in_the_guide_parks_it_and_bot_brings_it_back(with_group, kb):
    c = with_group("it")
    c.command("setup")
    c.press(":c:outlook")
    c.press(":p:pop3")
    c.say("info@rossi.it")
    c.press(":n")
    assert c.step == "guide" and c.form["index"] == 1
    token = c.form["token"]
    replies = c.say("voglio parlare con un operatore")
    assert OpenTicket(before=0) in c.outcome.effects and stack(c) == ["setup", "human"]
    c.say("avanti")  # with the team: relayed to them, not taken by the guide
    assert c.outcome.relay and c.replies == [] and stack(c) == ["setup", "human"]
    [reply] = c.command("bot")
    assert HandBack() in c.outcome.effects and stack(c) == ["setup"]
    assert reply.buttons[0] == (button_for(reply, f"su:{token}:resume"),)
    assert reply.buttons[0][0].label == "▶️ Torna alla guida"
    assert "flow:setup" in button_ids([reply])  # and the menu under it
    replies = c.press(f"su:{token}:resume")
    total = len(kb.guides["outlook"].steps["pop3"])
    assert replies[0].title == f"Passaggio 2 di {total}" and c.step == "guide" and c.form["index"] == 1


def test_a_vague_message_gets_the_triage_question_and_a_second_one_a_person(chat):
    c = chat("it")
    [reply] = c.say("non funziona niente")
    assert "che cosa non funziona" in reply.text and c.flow == "triage"
    [reply] = c.say("non funziona niente")
    assert reply.text.startswith("Mi dispiace, da questo non riesco a capire cosa non va")
    assert "flow:human" in button_ids([reply]) and c.flow is None


def test_a_clear_description_after_the_triage_question_is_answered(chat, kb):
    c = chat("it")
    c.say("non funziona niente")
    assert c.flow == "triage"
    [answer, *_] = c.say("non riesco a inviare la posta")
    assert answer.title == kb.articles["cannot-send"].title["it"] and c.flow is None


def test_a_button_over_64_bytes_is_refused_when_built():
    with pytest.raises(ValueError):
        button("Too long", OpenArticle("x" * 80))
    assert button("Ok", OpenArticle("x" * 50)).id == "art:" + "x" * 50


@pytest.mark.parametrize("data", ["zz", "fb:2:x", "rt:a:b", "", None, "art", "menu:x"])
def test_unknown_or_forged_button_data_decodes_to_none(data):
    assert decode(data) is None


@pytest.mark.parametrize("text, data", [
    ("art:imap-ports", OpenArticle("imap-ports")), ("fb:1:smtp", RateAnswer(True, "smtp")),
    ("fb:0:smtp", RateAnswer(False, "smtp")), ("rt:12:5", RateTicket(12, 5)), ("menu", ShowMenu()),
    ("lang:en", ChooseLanguage("en")), ("flow:setup", StartFlow("setup")),
    ("su:ab12:c:ios-mail", FlowAction("su", "ab12", "c", "ios-mail")), ("im:ab12:ok", FlowAction("im", "ab12", "ok")),
])
def test_known_button_data_decodes_to_its_type_and_back(text, data):
    assert decode(text) == data
    assert button("label", data).id == text


def test_a_photo_sent_to_the_team_is_relayed_not_answered(with_group):
    """Regression: a flow's empty answer to media ([]) was taken for "no answer", and the customer with
    the team got "I can only read text" instead of their photo reaching the team."""
    c = with_group("it")
    c.command("human")
    assert c.flow == "human"
    assert c.media("photo") == [] and c.outcome.relay
    assert c.flow == "human"
