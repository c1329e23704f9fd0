"""Telegram's limits with a priority in each group: a ticket being opened goes ahead of relays.

python-telegram-bot's AIORateLimiter queues a group's calls first come, first served (aiolimiter), so a
customer asking for a person on a busy support group waited behind every relay already queued (20 a
minute: close to a minute). Here each group has a window of its own: at most ``rate`` calls in any
``period`` seconds (a sliding window, as Telegram counts, so its 429s, which pause every call of the bot,
do not come), and the calls waiting for it go by priority, then in order. Calls made inside
``first_in_group()`` (opening a ticket) have the higher priority. Reading the group (its administrators,
the chat) does not use the window.

Hooks into AIORateLimiter by ``_get_group_limiter`` (python-telegram-bot 22); tests/unit/test_limiter.py
checks the hook is still called.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import heapq
import itertools
import time
from collections.abc import Iterator

from telegram.ext import AIORateLimiter

_PRIORITY: contextvars.ContextVar[int] = contextvars.ContextVar("group_priority", default=0)
_ENDPOINT: contextvars.ContextVar[str] = contextvars.ContextVar("endpoint", default="")
READS = frozenset({"getChat", "getChatAdministrators", "getChatMember", "getChatMemberCount"})
MARGIN = 1.0  # seconds added to the window: a call reaches Telegram a little after it leaves here


@contextlib.contextmanager
def first_in_group() -> Iterator[None]:
    """Calls to a group made inside (and in tasks started inside) go ahead of the others waiting."""
    token = _PRIORITY.set(1)
    try:
        yield
    finally:
        _PRIORITY.reset(token)


class GroupWindow:
    """At most ``rate`` calls in any ``period`` seconds; waiting calls go by priority, then in order."""

    def __init__(self, rate: int, period: float):
        self.rate, self.period = rate, period
        self._sent: collections.deque[float] = collections.deque()  # when the calls in the window went
        self._waiting: list[tuple[int, int]] = []  # a heap of (-priority, arrival)
        self._arrivals = itertools.count()
        self._changed = asyncio.Condition()

    async def acquire(self, priority: int = 0) -> None:
        turn = (-priority, next(self._arrivals))
        async with self._changed:
            heapq.heappush(self._waiting, turn)
            try:
                while True:
                    now = time.monotonic()
                    while self._sent and self._sent[0] <= now - self.period:
                        self._sent.popleft()
                    if self._waiting[0] == turn and len(self._sent) < self.rate:
                        heapq.heappop(self._waiting)
                        self._sent.append(now)
                        self._changed.notify_all()  # the next one may go too
                        return
                    free_at = self._sent[0] + self.period - now if len(self._sent) >= self.rate else None
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), free_at)
            except BaseException:  # cancelled while waiting: the others move up
                if turn in self._waiting:
                    self._waiting.remove(turn)
                    heapq.heapify(self._waiting)
                    self._changed.notify_all()
                raise

    async def __aenter__(self) -> None:
        if _ENDPOINT.get() not in READS:
            await self.acquire(_PRIORITY.get())

    async def __aexit__(self, *exc_info) -> None:
        return None


class DeskRateLimiter(AIORateLimiter):
    """AIORateLimiter whose group limits are ``GroupWindow``s."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._windows: dict[str | int, GroupWindow] = {}

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        token = _ENDPOINT.set(endpoint)
        try:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        finally:
            _ENDPOINT.reset(token)

    def _get_group_limiter(self, group_id: str | int | bool) -> GroupWindow:  # type: ignore[override]
        if group_id not in self._windows:
            self._windows[group_id] = GroupWindow(int(self._group_max_rate), self._group_time_period + MARGIN)
        return self._windows[group_id]
