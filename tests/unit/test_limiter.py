"""A group's window: Telegram's 20 a minute, a ticket being opened ahead of relays (issue 18)."""

from __future__ import annotations

import asyncio
import time

from bot.channels.telegram.botapi.limiter import GroupWindow, PausingRateLimiter, first_in_group


def test_a_call_with_priority_goes_ahead_of_those_already_waiting():
    async def scenario() -> list[str]:
        window, order = GroupWindow(rate=2, period=0.1), []

        async def call(name: str, priority: int = 0) -> None:
            await window.acquire(priority)
            order.append(name)

        await call("a")
        await call("b")  # the window is full now
        relays = [asyncio.create_task(call(f"relay {n}")) for n in range(3)]
        await asyncio.sleep(0.01)
        opening = asyncio.create_task(call("ticket", priority=1))
        started = time.monotonic()
        await asyncio.gather(*relays, opening)
        assert time.monotonic() - started >= 0.07  # never more than 2 in any 0.1 s
        return order

    assert asyncio.run(scenario()) == ["a", "b", "ticket", "relay 0", "relay 1", "relay 2"]


def test_the_limiter_puts_a_groups_posts_in_its_window_and_not_its_reads():
    async def scenario() -> None:
        limiter = PausingRateLimiter(overall_max_rate=30, group_max_rate=20, max_retries=0)

        async def answer(*args, **kwargs):
            return True

        for endpoint in ("getChatAdministrators", "getChat"):
            await limiter.process_request(answer, (), {}, endpoint, {"chat_id": -100}, None)
        assert not limiter._groups.get(-100) or not limiter._groups[-100]._sent
        with first_in_group():
            await limiter.process_request(answer, (), {}, "createForumTopic", {"chat_id": -100}, None)
        await limiter.process_request(answer, (), {}, "sendMessage", {"chat_id": 7}, None)
        assert len(limiter._groups[-100]._sent) == 1 and list(limiter._groups) == [-100]

    asyncio.run(scenario())
