"""Telegram's 429 answers honoured by every chat: the channel's Application (its rate limiter, an HTTP
client that notes when each call leaves) against the Bot API stand-in over real HTTP, turns run in-process."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from telegram import Update
from telegram_standin import FakeTelegram

from bot.app import build_core
from bot.channels.telegram.botapi.calls import CountedRequest
from bot.channels.telegram.service import telegram_bot
from bot.config import load_settings

TOKEN = "123:TEST"


class NotedRequest(CountedRequest):
    """The channel's HTTP client, noting each call: (left, answered, chat_id, HTTP code), time.monotonic()."""

    def __init__(self):
        super().__init__(connection_pool_size=256)
        self.noted: list[tuple[float, float, object, int]] = []

    async def do_request(self, url, method, request_data=None, *args, **kwargs):
        left = time.monotonic()
        code, payload = await super().do_request(url, method, request_data, *args, **kwargs)
        chat_id = request_data.parameters.get("chat_id") if request_data is not None else None
        self.noted.append((left, time.monotonic(), chat_id, code))
        return code, payload


@pytest.fixture
def channel(tmp_path):
    with FakeTelegram(token=TOKEN) as fake:
        fake.flood_limit_per_chat_per_second = None
        settings = load_settings({"BOT_DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": TOKEN,
                                  "TELEGRAM_BASE_URL": fake.base_url, "BOT_CACHE_DIR": os.environ["BOT_CACHE_DIR"]})
        core = build_core(settings)
        request = NotedRequest()
        yield fake, telegram_bot(core).build(request=request), request
        core.store.close()
        assert fake.refusals == [] and fake.internal_errors == []


def message(update_id: int, chat_id: int, text: str) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": chat_id, "type": "private", "first_name": f"C{chat_id}"},
        "from": {"id": chat_id, "is_bot": False, "first_name": f"C{chat_id}", "language_code": "en"}}}


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's int, in the library
def test_after_a_429_no_call_reaches_telegram_before_its_retry_after_while_30_chats_talk(channel):
    # Regression (issue 18): AIORateLimiter lifted the pause when any request finished: with many chats
    # talking, calls reached Telegram 0.2-1.95 s after a 429 asking for 2 s.
    fake, application, request = channel
    chats = list(range(6000, 6030))
    for chat in chats:
        fake.add_private_chat(chat, f"C{chat}", language_code="en")
    said = ("what is smtp?", "hello", "thanks")

    async def customer(n: int, chat: int) -> None:  # one chat's turns one after the other, as the pump runs them
        for turn, text in enumerate(said):
            await application.process_update(Update.de_json(message(1000 * (turn + 1) + n, chat, text), application.bot))

    async def scenario() -> None:
        await application.initialize()
        try:
            fake.inject_429("sendMessage", count=1, retry_after=2)
            await asyncio.gather(*(customer(n, chat) for n, chat in enumerate(chats)))
        finally:
            await application.shutdown()

    asyncio.run(scenario())
    [(answered, _, _, retry_after)] = fake.answered_429
    deadline = answered + retry_after
    [told] = [done for _, done, _, code in request.noted if code == 429]  # when the bot had the 429
    # The n-th call to a chat, as the stand-in got it and as it left the bot (one chat's calls go one at a time).
    left = {}
    for sent, _, chat_id, _ in sorted(request.noted):
        if chat_id is not None:
            left.setdefault(int(chat_id), []).append(sent)
    arrived = {}
    early = []
    for at, name, params in fake.timed_calls:
        if "chat_id" not in params:
            continue
        calls = arrived.setdefault(int(params["chat_id"]), [])
        sent = left[int(params["chat_id"])][len(calls)]
        calls.append(at)
        if answered < at < deadline and sent > told:  # not already on its way when the 429 reached the bot
            early.append(f"{name} to {params['chat_id']}: {at - answered:.2f} s after the 429")
    assert early == [], f"{len(early)} call(s) reached Telegram before the {retry_after} s asked for: {early[:5]}"
    assert sum(deadline <= at < deadline + 1 for calls in arrived.values() for at in calls) >= 10  # chats held back
    for chat in chats:
        texts = [m["plain_text"] for m in fake.sent_to(chat)]
        assert len(texts) == 3 and "SMTP" in texts[0] and texts[1].startswith("Hi!"), texts
