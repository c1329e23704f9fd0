"""The Telegram channel's handlers driven through python-telegram-bot's Application, offline.

A request class records every Bot API call and answers like Telegram, so handlers run for real
(``Application.process_update``) without a network; the end-to-end tests cover the process itself.
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from offline_bot_api import offline_bot
from telegram import Update
from telegram.error import InvalidToken

from bot.config import load_settings
from bot.core.session import Session, SessionKey
from bot.storage.db import DatabaseUnavailable

TOKEN = "42:OFFLINE"


@pytest.fixture
def telegram(tmp_path):
    settings = load_settings({"BOT_DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_CACHE_DIR": os.environ["BOT_CACHE_DIR"]})
    with offline_bot(settings) as running:
        yield running


def text_update(update_id: int, text: str, chat_id: int = 7, language: str = "it") -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": int(time.time()), "text": text,
            "chat": {"id": chat_id, "type": "private", "first_name": "Mario"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Mario", "language_code": language},
        },
    }


def process(application, data: dict) -> None:
    asyncio.run(application.process_update(Update.de_json(data, application.bot)))


def test_a_failing_turn_is_logged_and_the_customer_gets_an_apology_in_their_language(telegram, caplog):
    bot, application, api, core = telegram
    core.store.set(SessionKey("telegram", "7"), Session(lang="en", lang_chosen=True).to_dict())

    def broken(*args, **kwargs):
        raise RuntimeError("the engine broke")

    bot.conversation.respond = broken
    process(application, text_update(1, "what is smtp?"))
    assert [m["text"] for m in api.sent()] == ["Sorry, something went wrong on my side. Please try again in a moment."]
    assert "the engine broke" in caplog.text


def test_a_turn_that_meets_an_unreachable_database_says_nothing_and_is_left_for_later(telegram):
    # Regression (two replicas, one cut off from PostgreSQL): the customer got "Sorry, something went
    # wrong" from the cut-off replica, then the answer from the other one, which handled the update again.
    bot, application, api, core = telegram

    def unreachable(*args, **kwargs):
        raise DatabaseUnavailable("server closed the connection unexpectedly")

    bot.turns.respond_at_once = unreachable
    process(application, text_update(1, "what is smtp?"))
    assert api.sent() == []
    assert bot.deferred == {1}  # the pump leaves it in the inbox


def test_a_token_telegram_refuses_while_handling_stops_the_bot_with_a_clear_message(telegram, caplog):
    bot, application, api, core = telegram
    stopped = []

    async def refused():
        await application.process_error(update=None, error=InvalidToken("Unauthorized"))

    application.stop_running = lambda: stopped.append(True)  # not running here
    asyncio.run(refused())
    assert stopped == [True]
    assert "Telegram refused the token: check TELEGRAM_BOT_TOKEN" in caplog.text


def test_the_same_update_twice_is_answered_once(telegram):
    bot, application, api, core = telegram
    process(application, text_update(10, "ciao"))
    process(application, text_update(10, "ciao"))
    assert len(api.sent()) == 1
