"""The outbox's alerts on Telegram: the channel's service against the Bot API stand-in, in-process."""

from __future__ import annotations

import asyncio
import logging
import os
import time

from telegram_standin import FakeTelegram

from bot.app import build_core
from bot.channels.telegram.service import PostmanNews, telegram_bot
from bot.config import load_settings
from bot.storage.outbox import HANDOFF

TOKEN = "123:TEST"
GROUP = -100500


def test_an_alert_the_support_group_cannot_receive_is_an_error_in_the_log(tmp_path, caplog):
    # Regression (issue 18): a handoff goes by mail when the group cannot be reached; the alert for it went to
    # that same group, was refused (403), and was marked as given: nobody heard of the failed request.
    with FakeTelegram(token=TOKEN) as fake:
        fake.add_group(GROUP, "Support", forum=True)
        fake.kick_bot(GROUP)
        settings = load_settings({"BOT_DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": fake.base_url,
                                  "SUPPORT_CHAT_ID": str(GROUP), "BOT_CACHE_DIR": os.environ["BOT_CACHE_DIR"]})
        core = build_core(settings)
        bot = telegram_bot(core)
        application = bot.build()
        outbox = core.store.outbox
        request, _ = outbox.submit("telegram:77", [], {"name": "Mario", "lang": "it", "channel": "telegram",
                                                       "chat_id": "77", "transcript": []}, kind=HANDOFF)
        outbox.attempt_failed(request.id, "cannot be built: UnsafeValue", time.time(), True)

        async def alert() -> None:
            await application.initialize()
            try:
                await PostmanNews(core.texts, bot.send, settings.support_chat_id).trouble(outbox.get(request.id))
            finally:
                await application.shutdown()

        with caplog.at_level(logging.WARNING):
            asyncio.run(alert())
        core.store.close()
        [tried] = fake.calls_to("sendMessage")
    assert "conversazione" in tried["text"] and "IMAP" not in tried["text"]  # what failed, in the team's Italian
    assert any(r.levelno == logging.ERROR and request.reference in r.getMessage() for r in caplog.records)
