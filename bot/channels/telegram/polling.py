"""Long polling for updates by the one replica holding the poller's role; the one place Telegram's 409 is decided.

python-telegram-bot's own polling confirms a batch as soon as it is fetched, so a crash loses what was
fetched and not yet handled. Here each batch goes to the inbox first (``intake``) and is confirmed by the
next getUpdates' offset. Only the holder of the ``role:poller`` lease polls; the others stand by and take
over when it is gone.

Telegram's 409 Conflict ("terminated by other getUpdates request") while another replica of this database
runs means that replica is still finishing a long poll: wait, never exit. With no other replica it is a
process on another database polling the same token, a mistake: said in the log, and polling stops
(``CannotPoll``), as it does when the token is refused.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, TimedOut

from bot.channels.telegram.botapi.calls import MAX_BACKOFF
from bot.storage import LeaseStore

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25  # seconds of a long poll
FULL_BATCH = 100  # getUpdates' largest answer: a full one means more are waiting
POLLER = "role:poller"

# Stores a batch of raw updates in the inbox; the flag says they were waiting when polling started.
Intake = Callable[[list[dict[str, Any]], bool], Awaitable[None]]


class CannotPoll(Exception):
    """Polling cannot go on: another process polls the token, or the token is refused (already logged)."""


class Backoff:
    """Waits growing from one second to ``MAX_BACKOFF`` while Telegram fails; an outage said once."""

    def __init__(self) -> None:
        self.delay = 1.0
        self.outage = False

    async def wait(self) -> None:
        await asyncio.sleep(self.delay)
        self.delay = min(MAX_BACKOFF, self.delay * 2)

    async def unreachable(self, error: Exception) -> None:
        if not self.outage:
            log.warning("Telegram cannot be reached for updates (%s): trying again, every %d s at most", error,
                        MAX_BACKOFF)
            self.outage = True
        await self.wait()

    def answered(self) -> None:
        if self.outage:
            log.info("Telegram can be reached again")
            self.outage = False
        self.delay = 1.0


class Poller:
    """getUpdates in a loop while this replica holds the poller's role; standing by while another does."""

    def __init__(self, bot: Bot, leases: LeaseStore, intake: Intake, allowed_updates: list[str],
                 lease_seconds: float = 15.0):
        self.bot, self.leases, self.intake = bot, leases, intake
        self.allowed_updates = allowed_updates
        self.lease_seconds = lease_seconds
        self.last_progress = time.time()  # the last successful getUpdates (standing by counts too)
        self._held = False
        # While catching up, polls that do not wait: what they return was already waiting (a backlog).
        self._catching_up = True

    async def run(self) -> None:
        """Poll while this replica holds the poller's role; stand by while another does. Raises CannotPoll."""
        standing_by = False
        while True:
            lease = await asyncio.to_thread(self.leases.acquire, POLLER, self.lease_seconds)
            if lease is None:
                if not standing_by:
                    log.info("another replica polls Telegram: standing by")
                    standing_by = True
                self.last_progress = time.time()  # standing by is progress: the poller is elsewhere
                await asyncio.sleep(self.lease_seconds / 3)
                continue
            log.info("this replica polls Telegram for updates")
            standing_by = False
            await self._poll_while_held()
            log.warning("the poller's role moved to another replica")

    def lost(self, held: set[str]) -> None:
        """The lease keeper's news: the leases this replica holds. Without the poller's, polling stops."""
        self._held = POLLER in held

    async def _poll_while_held(self) -> None:
        """Long polling, each batch stored before the next call confirms it, until the role is lost."""
        offset: int | None = None
        backoff = Backoff()
        self._held = True
        while self._held:
            timeout = 0 if self._catching_up else POLL_TIMEOUT
            try:
                raw = await self.bot.do_api_request(
                    "getUpdates",
                    api_kwargs={"offset": offset, "timeout": timeout, "allowed_updates": self.allowed_updates},
                    read_timeout=timeout + 10,
                )
            except Conflict as exc:
                await self._conflict(exc, backoff)
                continue
            except InvalidToken as exc:
                log.error("Telegram refused the token: check TELEGRAM_BOT_TOKEN")
                raise CannotPoll("Telegram refused the token") from exc
            except (NetworkError, TimedOut) as exc:
                await backoff.unreachable(exc)
                continue
            backoff.answered()
            self.last_progress = time.time()
            offset = await self._take(raw, offset)

    async def _conflict(self, error: Conflict, backoff: Backoff) -> None:
        """Another getUpdates on this token: a replica finishing its long poll is waited for; a stranger stops us."""
        if not await asyncio.to_thread(self.leases.others_alive):
            log.error("another process is polling this bot's token (409 Conflict): only one may run; stopping")
            raise CannotPoll("another process polls this bot's token") from error
        log.info("another replica is still polling (409): waiting for it to stop")
        await backoff.wait()

    async def _take(self, raw: object, offset: int | None) -> int | None:
        """A getUpdates answer to the inbox; returns the offset that confirms it."""
        items = raw if isinstance(raw, list) else []
        updates = [u for u in items if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
        if len(updates) != len(items):
            log.warning("getUpdates returned %d item(s) without an update id: skipped", len(items) - len(updates))
        backlog = self._catching_up
        if self._catching_up and len(updates) < FULL_BATCH:
            self._catching_up = False
        if not updates:
            return offset
        await self.intake(updates, backlog)
        return max(u["update_id"] for u in updates) + 1
