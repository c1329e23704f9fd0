"""The support group's handlers driven through python-telegram-bot's Application, offline (issue 18):
what the team sends, what strangers in the group hear, buttons pressed where they should not be."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from offline_bot_api import OfflineBotAPI
from telegram import Update

from bot.app import build_core
from bot.channels.telegram_service import telegram_bot
from bot.config import load_settings

TOKEN = "42:OFFLINE"
SUPPORT, GIULIA, LUCA, STRANGER = -1009999, 4242, 4343, 4545


@pytest.fixture
def desk(tmp_path):
    settings = load_settings({"BOT_DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": TOKEN, "SUPPORT_CHAT_ID": str(SUPPORT),
                              "SUPPORT_STAFF_IDS": str(LUCA), "BOT_CACHE_DIR": os.environ["BOT_CACHE_DIR"]})
    core = build_core(settings)
    bot = telegram_bot(core)
    api = OfflineBotAPI()
    api.admins = {GIULIA}
    application = bot.build(request=api, rate_limits=False)
    asyncio.run(application.initialize())
    yield bot, application, api, core
    assert api.unknown == []
    asyncio.run(application.shutdown())
    core.store.close()


_ids = iter(range(1000, 10**6))


def group_message(text: str, user: int = LUCA, **extra) -> dict:
    n = next(_ids)
    message = {"message_id": n, "date": int(time.time()), "text": text,
               "chat": {"id": SUPPORT, "type": "supergroup", "title": "Support"},
               "from": {"id": user, "is_bot": False, "first_name": f"User {user}"}, **extra}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": n, "message": message}


def process(application, data: dict) -> None:
    asyncio.run(application.process_update(Update.de_json(data, application.bot)))


def said(api) -> list[str]:
    return [m["text"] for m in api.sent() if int(m["chat_id"]) == SUPPORT]


@pytest.mark.parametrize("command", ["/stats ²", "/stats ٣", "/stats 99999999999999999999", "/stats 0", "/stats sette",
                                     "/tickets ¹", "/tickets ٣", "/tickets 0", "/tickets -1"])
def test_a_number_the_team_writes_is_ascii_digits_in_range_or_a_clear_answer(desk, command, caplog):
    """Issue 18: ``str.isdigit`` accepted "²", ``int`` raised: no answer, a handler error."""
    bot, application, api, core = desk
    process(application, group_message(command))
    assert "error while handling update" not in caplog.text
    [answer] = said(api)
    assert ("Usa /stats GIORNI" if command.startswith("/stats") else "Usa /tickets PAGINA") in answer


def test_stats_and_tickets_with_a_good_number_answer_as_before(desk):
    bot, application, api, core = desk
    process(application, group_message("/stats 3650"))
    process(application, group_message("/tickets 2"))
    process(application, group_message("/stats"))
    answers = said(api)
    assert len(answers) == 3 and "Usa /" not in " ".join(answers)


def press(data: str | None, inline: bool = False, chat: int = 7) -> dict:
    n = next(_ids)
    query = {"id": f"q{n}", "chat_instance": "ci", "from": {"id": chat, "is_bot": False, "first_name": "Mario"}}
    if data is not None:
        query["data"] = data
    if inline:
        query["inline_message_id"] = "AAAA"
    else:
        query["message"] = {"message_id": 5, "date": int(time.time()), "text": "?",
                            "chat": {"id": chat, "type": "private", "first_name": "Mario"}}
    return {"update_id": n, "callback_query": query}


@pytest.mark.parametrize("data, inline", [("", False), (None, False), ("rt:1:5", True), ("menu", True), ("", True)])
def test_a_press_with_no_data_or_from_an_inline_message_is_answered_and_ignored(desk, data, inline, caplog):
    """Issue 18: such a press fell into the rating handler and raised on ``None.stars`` / ``None.id``."""
    bot, application, api, core = desk
    process(application, press(data, inline))
    assert "error while handling update" not in caplog.text
    assert len(api.called("answerCallbackQuery")) == 1
    assert api.sent() == []
