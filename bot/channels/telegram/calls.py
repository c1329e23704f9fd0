"""Calling the Bot API through outages: network errors and 5xx answers retried with backoff.

A customer's reply, a post to the support group or a relay survives an outage of a minute and a
half; 400 (a bad request), 403 (blocked, or removed from the group) and 429 (the rate limiter's
business) are final here. Every error answer, each retry and each 429 the rate limiter waits out
included, is counted by method and code (``CountedRequest``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.metrics import METRICS

log = logging.getLogger(__name__)

RETRY_FOR_SECONDS = 90.0
MAX_RETRY_DELAY = 15.0

T = TypeVar("T")


async def with_retries(call: Callable[[], Awaitable[T]], what: str = "sending", seconds: float = RETRY_FOR_SECONDS) -> T:
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
