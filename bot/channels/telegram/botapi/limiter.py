"""Telegram's limits on outgoing calls, and its 429 answers honoured by every call of the bot.

Budgets: 30 calls a second for the whole bot (calls with a chat); in each group or channel at most 20
posts in any minute, a sliding window as Telegram counts (reads of the group do not count), where the
calls waiting go by priority, then in order: calls made inside ``first_in_group()`` (opening a ticket)
go ahead of relays already queued. With several replicas each takes its share of both (``share``).

A 429 answer ("retry after N") sets a deadline shared by every call: none goes out before it, whichever
chat it is for, and the call that got the 429 is tried again after it (up to ``max_retries`` times).
AIORateLimiter lifted its pause as soon as any request finished, so calls to other chats reached Telegram
well before the time it had asked for.

getUpdates does not come here (python-telegram-bot never rate-limits it); calls already on their way
when the 429 arrives cannot be called back.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import datetime as dt
import heapq
import itertools
import logging
import time
import warnings
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

MARGIN = 0.1  # seconds added to a 429's retry_after, as AIORateLimiter does
GROUPS_KEPT = 512  # group budgets remembered; idle ones are forgotten past this


_PRIORITY: contextvars.ContextVar[int] = contextvars.ContextVar("group_priority", default=0)
READS = frozenset({"getChat", "getChatAdministrators", "getChatMember", "getChatMemberCount"})
WINDOW_MARGIN = 1.0  # seconds added to a group's minute: a call reaches Telegram a little after it leaves here


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

    def idle(self) -> bool:
        """Nobody waiting and nothing sent within the window: it can be forgotten."""
        now = time.monotonic()
        return not self._waiting and (not self._sent or self._sent[-1] <= now - self.period)

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


def retry_after_seconds(error: RetryAfter) -> float:
    """The seconds a 429 asks for, whether python-telegram-bot gives them as int or timedelta."""
    with warnings.catch_warnings():  # the int form is deprecated in python-telegram-bot 22
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class PausingRateLimiter(BaseRateLimiter[int]):
    """AIORateLimiter's budgets, with a "not before" deadline every call waits for after a 429."""

    def __init__(self, overall_max_rate: float = 30, group_max_rate: float = 20, max_retries: int = 5,
                 clock: Callable[[], float] = time.monotonic):
        self.max_retries = max_retries
        self._budgets = (overall_max_rate, group_max_rate)
        self.replicas = 1
        self._overall = AsyncLimiter(overall_max_rate, 1) if overall_max_rate else None
        self._group_max_rate = group_max_rate
        self._groups: dict[int | str, GroupWindow] = {}
        self._clock = clock
        self._not_before = 0.0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def share(self, replicas: int) -> None:
        """Telegram's budgets are the bot's, not a process's: with ``replicas`` running, each takes its share
        (the limits apply per bot, whichever replica calls)."""
        replicas = max(1, replicas)
        if replicas == self.replicas:
            return
        self.replicas = replicas
        overall, group = self._budgets
        self._overall = AsyncLimiter(overall / replicas, 1) if overall else None
        self._group_max_rate = max(1, int(group / replicas)) if group else group
        self._groups.clear()
        log.info("%d replicas running: this one sends at most %.1f calls/s, %.1f a minute per group",
                 replicas, overall / replicas, (group or 0) / replicas)

    def pause(self, seconds: float) -> None:
        """No call goes out for ``seconds`` from now (a deadline already later stays)."""
        self._not_before = max(self._not_before, self._clock() + seconds)

    @property
    def paused_for(self) -> float:
        """Seconds until calls may go out again (0 when they may now)."""
        return max(0.0, self._not_before - self._clock())

    async def _until_allowed(self) -> None:
        while (wait := self.paused_for) > 0:  # a 429 during the wait moves the deadline: wait again
            await asyncio.sleep(wait)

    def _group(self, group: int | str) -> GroupWindow:
        if len(self._groups) > GROUPS_KEPT:
            for key, window in list(self._groups.items()):
                if key != group and window.idle():
                    del self._groups[key]
        if group not in self._groups:
            self._groups[group] = GroupWindow(int(self._group_max_rate), 60 + WINDOW_MARGIN)
        return self._groups[group]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        retries = rate_limit_args or self.max_retries
        chat_id: object = data.get("chat_id")
        if isinstance(chat_id, (str, int)):
            with contextlib.suppress(ValueError):
                chat_id = int(chat_id)
        group = chat_id if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str) else None
        overall = self._overall if chat_id is not None and self._overall is not None else contextlib.nullcontext()
        window = self._group(group) if group is not None and self._group_max_rate and endpoint not in READS else None
        priority = _PRIORITY.get()
        attempt = 0
        while True:
            await self._until_allowed()  # before taking from the budgets: no burst when the pause ends
            try:
                if window is not None:
                    await window.acquire(priority)
                async with overall:
                    await self._until_allowed()  # a 429 may have come while waiting for the budget
                    return await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = retry_after_seconds(error) + MARGIN
                self.pause(seconds)
                if attempt >= retries:
                    log.warning("%s: Telegram still asks to wait (429) after %d retries; giving up", endpoint, retries)
                    raise
                attempt += 1
                log.info("%s: Telegram asks to wait %.1f s (429): every call waits", endpoint, seconds)
