"""A customer's turn is one transaction (``TurnRunner.respond_at_once``), on both backends: a crash
between any two of its writes (the outbox request, feedback, an unanswered question, the session)
commits none of them, and the same update handled again after the crash makes exactly one request;
handled again after the commit, it is recognised and makes none."""

from __future__ import annotations

import os

import pytest

from bot.app import build_conversation
from bot.channels.telegram.handlers import TelegramBot
from bot.config import load_settings
from bot.conversation.registry import ConversationSettings
from bot.core.session import SessionKey
from bot.core.types import Customer, Inbound, Reply
from bot.storage.leases import LeaseLost, current_lease

MARIO = Customer(id="77", name="Mario Rossi", username="mrossi", language_code="it")
MARY = Customer(id="78", name="Mary Smith", username=None, language_code="en")


class Crash(Exception):
    """The process dies here (as far as the database can tell)."""


@pytest.fixture
def bot(kb, engine, translator, any_store, tmp_path):
    conversation, texts = build_conversation(kb, engine, translator, ConversationSettings("supporto@mosajco.com"),
                                             any_store, any_store.outbox)
    settings = load_settings({"BOT_DATA_DIR": str(tmp_path / "data"), "TELEGRAM_BOT_TOKEN": "42:OFFLINE",
                              "BOT_CACHE_DIR": os.environ["BOT_CACHE_DIR"]})
    return TelegramBot(settings, conversation, texts, translator, any_store)


class TelegramCustomer:
    """A Telegram customer whose every update is one turn of ``bot.turns.respond_at_once``."""

    def __init__(self, bot: TelegramBot, who: Customer):
        self.bot, self.who, self.key = bot, who, SessionKey("telegram", who.id)
        self.update_id, self.replies, self.replayed = 5000, [], False

    def send(self, inbound: Inbound, update_id: int | None = None) -> list[Reply]:
        if update_id is None:
            self.update_id += 1
        turn = self.bot.turns.respond_at_once(self.key, update_id or self.update_id, inbound)
        self.replies, self.replayed = list(turn.delivery.replies), turn.replayed
        return self.replies

    def say(self, text: str) -> list[Reply]:
        return self.send(Inbound(text=text, customer=self.who))

    def command(self, name: str) -> list[Reply]:
        return self.send(Inbound(command=name, customer=self.who))

    def press(self, end: str, update_id: int | None = None) -> list[Reply]:
        """A button offered in the last replies, by the end of its id (or a whole id, as it is)."""
        button = next((b.id for r in self.replies for b in r.all_buttons if b.id.endswith(end)), end)
        return self.send(Inbound(button=button, customer=self.who), update_id)


def at_the_summary(bot) -> TelegramCustomer:
    mario = TelegramCustomer(bot, MARIO)
    mario.command("imap")
    mario.say("info@rossi.it")
    mario.say("Rossi Srl")
    mario.say("+39 333 1234567")
    assert any(b.id.endswith(":ok") for r in mario.replies for b in r.all_buttons), mario.replies
    return mario


def crash_after(monkeypatch, target, name: str, *, before: bool = False):
    """``target.name`` crashes the process just after doing its work (or just before, with ``before``)."""
    real = getattr(target, name)

    def crashing(*args, **kwargs):
        if not before:
            real(*args, **kwargs)
        raise Crash(name)

    monkeypatch.setattr(target, name, crashing)


def nothing_of_the_turn(store, key, session_before) -> None:
    assert store.outbox.all() == []
    assert store.feedback_summary() == [] and store.unanswered_report() == []
    assert store.get(key) == session_before


@pytest.mark.parametrize("point", ["after outbox.submit", "at the session write", "after the session write"])
def test_a_crash_in_the_confirming_turn_commits_nothing_and_the_replay_makes_one_request(bot, any_store, monkeypatch, point):
    mario = at_the_summary(bot)
    before, confirming = any_store.get(mario.key), mario.update_id + 1
    target, name, early = {"after outbox.submit": (any_store.outbox, "submit", False),
                           "at the session write": (any_store, "write", True),
                           "after the session write": (any_store, "write", False)}[point]
    with monkeypatch.context() as patch:
        crash_after(patch, target, name, before=early)
        with pytest.raises(Crash):
            mario.press(":ok", update_id=confirming)
    nothing_of_the_turn(any_store, mario.key, before)

    replies = mario.press(":ok", update_id=confirming)  # the same update, after the restart
    [request] = any_store.outbox.all()
    assert request.reference in replies[0].text and not mario.replayed
    assert any_store.db.one("SELECT source FROM outbox")[0] == f"telegram:77:{confirming}:imap-activation"

    again = mario.send(Inbound(button="whatever", customer=MARIO), update_id=confirming)  # and once more
    assert mario.replayed and [r.text for r in again] == [r.text for r in replies]
    assert any_store.outbox.all() == [request]


@pytest.mark.parametrize("point", ["record_feedback", "record_unanswered"])
def test_a_crash_after_feedback_or_an_unanswered_question_commits_neither(bot, any_store, monkeypatch, point):
    mary = TelegramCustomer(bot, MARY)
    mary.say("what is smtp?")
    before, rating = any_store.get(mary.key), mary.update_id + 1
    with monkeypatch.context() as patch:
        crash_after(patch, any_store, point)
        with pytest.raises(Crash):
            mary.press("fb:0:smtp", update_id=rating)
    nothing_of_the_turn(any_store, mary.key, before)

    assert "Sorry" in mary.press("fb:0:smtp", update_id=rating)[0].text
    assert any_store.feedback_summary() == [("smtp", 0, 1)]
    assert [(r["question"], r["count"]) for r in any_store.unanswered_report()] == [("what is smtp?", 1)]
    mary.press("fb:0:smtp", update_id=rating)
    assert mary.replayed and any_store.feedback_summary() == [("smtp", 0, 1)]


def test_a_turn_whose_chat_lease_moved_commits_nothing(bot, any_store, other_store):
    mario = at_the_summary(bot)
    before = any_store.get(mario.key)
    lease = any_store.leases.acquire("chat:77", 30)
    any_store.leases.release(lease)
    assert other_store.leases.acquire("chat:77", 30)  # another replica has the chat now
    token = current_lease.set(lease)
    try:
        with pytest.raises(LeaseLost):
            mario.press(":ok")
    finally:
        current_lease.reset(token)
    nothing_of_the_turn(any_store, mario.key, before)
