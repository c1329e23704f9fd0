"""The handoff out of hours, an idle-closed ticket, and what the support desk asks of the conversation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from chat import Chat

from bot.app import build_conversation
from bot.conversation.registry import ConversationSettings
from bot.core.session import SessionKey
from bot.core.types import HandBack, Inbound, OpenTicket, TeamUnreachable
from bot.desk.hours import parse_hours
from bot.flows import handoff

HOURS = parse_hours("mon-fri 09:00-18:00", "Europe/Rome", "2026-12-08")
MONDAY_NIGHT = datetime(2026, 12, 7, 21, 0, tzinfo=UTC)  # 22:00 in Rome; the 8th is a holiday
TUESDAY_NOON = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)  # 12:00 in Rome


def conversation_at(kb, engine, translator, store, now, hours=HOURS):
    conversation, _texts = build_conversation(
        kb, engine, translator, ConversationSettings("supporto@mosajco.com", support_group=True, hours=hours),
        store, store.outbox)
    conversation.flows["human"].clock = lambda: now
    return conversation


@pytest.fixture
def away(kb, engine, translator, store):
    return lambda lang="it": Chat(conversation_at(kb, engine, translator, store, MONDAY_NIGHT), lang)


def test_out_of_hours_the_customer_hears_when_the_team_is_back_in_their_language(away):
    c = away("en")
    [reply] = c.command("human")
    assert "Wednesday 9 December at 09:00" in reply.text  # Tuesday the 8th is a holiday
    assert OpenTicket() not in c.outcome.effects and c.flow == "human" and not c.outcome.relay
    it = away("it")
    assert "mercoledì 9 dicembre alle 09:00" in it.command("human")[0].text


def test_a_message_left_out_of_hours_opens_the_ticket_and_the_bot_answers_meanwhile(away, kb):
    c = away("en")
    c.command("human")
    c.press(":leave")
    assert c.step == handoff.LEAVING
    [reply] = c.say("My mailbox stopped receiving mail")
    # the channel opens the ticket, then relays the message
    assert OpenTicket(before=0) in c.outcome.effects and c.outcome.relay
    assert c.step == handoff.LEFT
    answer = c.say("what is imap?")
    assert not c.outcome.relay and "Was this helpful?" in answer[-1].text
    assert c.say("ok")  # small talk gets an answer, not silence
    handoff.team_answered(c.session)  # the team writes back: from now on they talk
    assert c.say("thanks, trying now") == [] and c.outcome.relay


def test_in_hours_the_customer_is_handed_over_and_hours_are_not_mentioned(kb, engine, translator, store):
    c = Chat(conversation_at(kb, engine, translator, store, TUESDAY_NOON), "it")
    [reply] = c.command("human")
    assert OpenTicket(before=0) in c.outcome.effects and "09:00" not in reply.text


def test_hours_the_bot_cannot_read_are_shown_as_written(kb, engine, translator, store):
    c = Chat(conversation_at(kb, engine, translator, store, TUESDAY_NOON, parse_hours("lun-ven 9-18")), "it")
    [reply] = c.command("human")
    assert OpenTicket(before=0) in c.outcome.effects and "lun-ven 9-18" in reply.text


def test_an_idle_closed_ticket_reopens_when_the_customer_writes_within_a_day(away):
    import time

    c = away("it")
    handoff.team_reopened(c.session)
    handoff.idle_closed(c.session, time.time())
    [reply] = c.say("ci sono ancora")
    assert OpenTicket(before=0) in c.outcome.effects and c.outcome.relay and c.step == handoff.WITH_TEAM
    late = away("it")
    handoff.idle_closed(late.session, time.time() - 2 * 86400)
    assert "Ti è stato utile?" in late.say("cos'è imap?")[-1].text and late.flow is None


def test_the_desk_finds_an_article_by_words_or_id_and_sends_it_in_the_customers_language(dialogue, store):
    best, unsure, _others = dialogue.find_article("porte del server smtp")
    assert best == "server-settings" and not unsure
    assert dialogue.find_article("server-settings") == ("server-settings", False, [])  # an id is taken as it is
    c = Chat(dialogue, "en")
    reply = dialogue.article_for(SessionKey("test", "chat"), c.session, "en", best)
    assert reply.title == dialogue.kb.articles[best].title["en"] and "Was this helpful?" in reply.text
    assert c.session.last_article == best


def test_the_guide_the_team_offers_sits_on_the_handoff_and_gives_the_customer_back(kb, engine, translator, store):
    conversation = conversation_at(kb, engine, translator, store, TUESDAY_NOON)
    c = Chat(conversation, "it")
    c.command("human")
    replies = conversation.guide_for(c.key, c.session, "it", "ios-mail")
    assert [f["flow"] for f in c.session.flows] == ["human", "setup"] and "POP3" in replies[-1].text
    c.replies = replies
    c.press(":p:pop3")
    c.say("info@rossi.it")
    while c.step == "guide":
        c.press(":n")
    c.press(":y")
    assert c.flow == "human" and c.say("grazie, funziona") == [] and c.outcome.relay


# Regressions found by the adversarial review of the desk.
def test_an_old_leave_a_message_button_is_stale_once_the_customer_moved_on(away):
    c = away("en")
    [told] = c.command("human")
    leave = next(b.id for b in told.all_buttons if b.id.endswith(":leave"))
    c.command("setup")
    c.press(leave)
    assert "no longer active" in c.replies[0].text and c.flow == "setup"
    gone = away("en")
    gone.command("human")
    gone.command("bot")
    gone.press(leave)
    assert "no longer active" in gone.replies[0].text and gone.flow is None


def test_cancel_with_a_ticket_open_closes_it_on_the_channel_side(away):
    c = away("en")
    c.command("human")
    c.press(":leave")
    c.say("My mailbox stopped receiving mail")
    [reply] = c.command("cancel")
    assert HandBack() in c.outcome.effects and c.flow is None


def test_bot_during_the_guide_the_team_started_goes_back_to_the_bot(kb, engine, translator, store):
    conversation = conversation_at(kb, engine, translator, store, TUESDAY_NOON)
    c = Chat(conversation, "it")
    c.command("human")
    c.replies = conversation.guide_for(c.key, c.session, "it", "ios-mail")
    [reply] = c.command("bot")
    assert HandBack() in c.outcome.effects and c.session.frame("human") is None


def test_a_person_asked_for_inside_the_team_guide_is_the_same_ticket_not_a_new_one(kb, engine, translator, store):
    conversation = conversation_at(kb, engine, translator, store, MONDAY_NIGHT)  # even out of hours: the team is there
    c = Chat(conversation, "it")
    handoff.team_reopened(c.session)  # with the team
    c.replies = conversation.guide_for(c.key, c.session, "it", "ios-mail")
    [reply] = c.press("flow:human")
    assert OpenTicket() not in c.outcome.effects and c.flow == "human" and c.step == handoff.WITH_TEAM
    assert [f["flow"] for f in c.session.flows] == ["setup", "human"]


def test_photos_sent_after_a_message_left_out_of_hours_reach_the_team(away):
    c = away("en")
    c.command("human")
    c.press(":leave")
    c.say("My mailbox stopped receiving mail, screenshots follow")
    assert c.media("photo") == [] and c.outcome.relay


def test_an_idle_close_keeps_the_guide_the_customer_follows_on_top(kb, engine, translator, store):
    import time

    conversation = conversation_at(kb, engine, translator, store, TUESDAY_NOON)
    c = Chat(conversation, "it")
    c.command("human")
    c.replies = conversation.guide_for(c.key, c.session, "it", "ios-mail")
    handoff.idle_closed(c.session, time.time())
    assert [f["flow"] for f in c.session.flows] == ["human", "setup"]
    c.press(":p:pop3")
    assert c.step == "address" and not c.outcome.relay


def test_the_teams_answer_brings_back_a_customer_who_wandered_into_a_bot_flow(away):
    """Regression: after a message left out of hours and a guide started and abandoned, the team's
    answer left the guide on top, and the customer's replies never reached the team."""
    c = away("en")
    c.command("human")
    c.press(":leave")
    c.say("My mailbox stopped receiving mail")
    c.command("setup")
    handoff.team_answered(c.session)
    assert c.flow == "human" and c.say("thanks, it's info@rossi.it") == [] and c.outcome.relay


def test_a_message_typed_out_of_hours_without_the_button_reaches_the_team(away):
    """Issue 18: told "leave them a message", the customer typed one: the bot answered it as a question and
    it never reached the team (people type; they do not look for a button)."""
    c = away("en")
    c.command("human")
    [reply] = c.say("My mailbox stopped receiving mail since this morning, can you check?")
    # the channel opens the ticket, then relays the message
    assert OpenTicket(before=0) in c.outcome.effects and c.outcome.relay
    assert "your message is with our team" in reply.text and c.step == handoff.LEFT
    photo = away("en")
    photo.command("human")
    [reply] = photo.media("photo")
    assert OpenTicket(before=0) in c.outcome.effects and photo.outcome.relay and photo.step == handoff.LEFT
    edited = away("en")
    edited.command("human")
    edited.media("edited")  # an edit is no message for the team
    assert not edited.outcome.relay and edited.step == handoff.AWAY


def test_an_unreachable_team_is_the_conversations_second_step_not_the_channels_patch(kb, engine, translator, store):
    # The channel could not open the ticket: it asks the conversation again with a typed notice; the
    # customer leaves the team's flow, hears the truth and the support mailbox gets the conversation.
    c = Chat(conversation_at(kb, engine, translator, store, TUESDAY_NOON), "en")
    c.say("my mail stopped working this morning")
    c.command("human")
    assert OpenTicket(before=0) in c.outcome.effects and c.flow == "human"
    [reply] = c.send(Inbound(notice=TeamUnreachable(), customer=c.customer))
    assert reply.text.startswith("I couldn't reach our support team here just now.")
    assert "supporto@mosajco.com" in reply.text and c.outcome.effects == () and c.session.frame("human") is None
    [request] = store.outbox.all()
    assert request.kind == "handoff" and request.reference in reply.text
    assert ["customer", "my mail stopped working this morning"] in request.payload["transcript"]
