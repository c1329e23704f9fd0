"""Calling the Bot API through outages: network errors and 5xx answers retried with backoff.

At start-up ``until_reachable`` waits for an unreachable Telegram, saying so once, instead of failing (a
restart loop under Docker). A customer's reply, a post to the support group or a relay survives an outage
of a minute and a half; 400 (a bad request), 403 (blocked, or removed from the group) and 429 (the rate limiter's
business) are final here. Every error answer, each retry and each 429 the rate limiter waits out
included, is counted by method and code (``CountedRequest``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.metrics import METRICS

log = logging.getLogger(__name__)

RETRY_FOR_SECONDS = 90.0
MAX_RETRY_DELAY = 15.0
MAX_BACKOFF = 60.0  # seconds between tries at most, while Telegram cannot be reached at start or for updates

T = TypeVar("T")


async def with_retries(call: Callable[[], Awaitable[T]], what: str = "sending",
                       seconds: float = RETRY_FOR_SECONDS) -> T:
    """``call()``, again after network errors and 5xx answers, for ``seconds`` at most."""
    delay = 1.0
    deadline = time.monotonic() + seconds
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except (Forbidden, BadRequest, RetryAfter):
            raise
        except (NetworkError, TimedOut) as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("%s failed (%s), attempt %d, retrying in %.0f s", what, exc, attempt, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY)


class CountedRequest(HTTPXRequest):
    """python-telegram-bot's HTTP client, counting each failed call by method and HTTP code (``network``
    or ``timeout`` when no answer came)."""

    async def do_request(self, url: str, method: str, *args, **kwargs) -> tuple[int, bytes]:
        api_method = "file" if "/file/bot" in url else url.rsplit("/", 1)[-1]  # a download's path is no method
        try:
            code, payload = await super().do_request(url, method, *args, **kwargs)
        except TimedOut:
            METRICS.telegram_error(api_method, "timeout")
            raise
        except NetworkError:
            METRICS.telegram_error(api_method, "network")
            raise
        if code >= 400:
            METRICS.telegram_error(api_method, code)
        return code, payload


async def until_reachable(call: Callable[[], Awaitable[object]], what: str, stopping: asyncio.Event) -> bool:
    """``call`` until it succeeds, waiting longer each time and saying so once; False if stopped first.
    A refused token (InvalidToken) is raised at once."""
    backoff = 1.0
    said = False
    while not stopping.is_set():
        try:
            await call()
            if said:
                log.info("%s: done", what)
            return True
        except InvalidToken:
            raise
        except (NetworkError, TimedOut) as exc:
            if not said:
                log.warning("%s: Telegram cannot be reached (%s); trying again, every %d s at most", what, exc,
                            MAX_BACKOFF)
                said = True
            try:
                await asyncio.wait_for(stopping.wait(), timeout=backoff)
            except asyncio.TimeoutError:
                pass
            backoff = min(MAX_BACKOFF, backoff * 2)
    return False
