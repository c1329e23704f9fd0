"""Updates from Telegram into the inbox, and from the inbox to the handlers, chat by chat.

    getUpdates / webhook ──► inbox (SQLite) ──► confirmed to Telegram ──► one worker per chat ──► handlers

python-telegram-bot's own polling confirms a batch as soon as it is fetched, so a crash loses what was
fetched and not yet handled. Here a batch is stored first and confirmed after (the next getUpdates'
offset); the webhook answers 200 only once the update is stored. Workers handle each chat's updates in
order and different chats at once; an update that cannot be read is skipped, logged once and counted.
Storage runs in threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TimedOut
from telegram.ext import Application

from bot.inbox import DONE, UNPARSEABLE, Inbox
from bot.metrics import METRICS

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25  # seconds of a long poll
MAX_BACKOFF = 60.0
CONCURRENT_CHATS = 32  # turns handled at once; the others wait their turn (one waiting on the group's limit holds one)
PENDING_BATCH = 500
FULL_BATCH = 100  # getUpdates' largest answer: a full one means more are waiting
RETRY_READ_SECONDS = 5


class Fatal(Exception):
    """Polling cannot go on: another process polls the token, or the token is refused."""


class UpdatePump:
    def __init__(self, application: Application, inbox: Inbox, allowed_updates: list[str]):
        self.application = application
        self.inbox = inbox
        self.allowed_updates = allowed_updates
        self.wake = asyncio.Event()
        self.last_progress = time.time()  # the last successful getUpdates, or webhook call
        self.unparseable = 0
        # Updates that were waiting for us when we started (fetched by polls that do not wait): they piled
        # up while the bot was down, and are no storm for the flood guard.
        self.backlog: set[int] = set()
        self._catching_up = True
        self._workers: dict[str, asyncio.Task] = {}
        self._limit = asyncio.Semaphore(CONCURRENT_CHATS)

    # in
    async def store(self, updates: list[dict], source: str = "polling") -> int:
        """Store raw updates; returns how many were new. Wakes the workers."""
        new = await asyncio.to_thread(self.inbox.add, updates)
        METRICS.updates_received(source, (u["update_id"] for u in updates), new)
        self.last_progress = time.time()
        if new:
            self.wake.set()
        return new

    async def poll(self) -> None:
        """Long polling for ever; each batch stored before the next call confirms it. Raises Fatal."""
        offset: int | None = None
        backoff = 1.0
        outage_logged = False
        bot = self.application.bot
        while True:
            # While catching up, a poll that does not wait: what it returns was already waiting.
            timeout = 0 if self._catching_up else POLL_TIMEOUT
            try:
                raw = await bot.do_api_request(
                    "getUpdates",
                    api_kwargs={"offset": offset, "timeout": timeout, "allowed_updates": self.allowed_updates},
                    read_timeout=timeout + 10,
                )
            except (Conflict, InvalidToken) as exc:
                raise Fatal(exc) from exc
            except (NetworkError, TimedOut) as exc:
                if not outage_logged:
                    log.warning("Telegram cannot be reached for updates (%s): trying again, every %d s at most", exc, MAX_BACKOFF)
                    outage_logged = True
                await asyncio.sleep(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            if outage_logged:
                log.info("Telegram can be reached again")
                outage_logged = False
            backoff = 1.0
            self.last_progress = time.time()
            updates = [u for u in raw or [] if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
            if len(updates) != len(raw or []):
                log.warning("getUpdates returned %d item(s) without an update id: skipped", len(raw or []) - len(updates))
            if self._catching_up:
                self.backlog.update(u["update_id"] for u in updates)
                if len(updates) < FULL_BATCH:
                    self._catching_up = False
            if updates:
                try:
                    await self.store(updates)
                except Exception as exc:  # one update the inbox cannot take must not stop the others
                    log.error("a batch of updates could not be stored (%s): storing them one by one", exc)
                    await self._store_each(updates)
                offset = max(u["update_id"] for u in updates) + 1

    async def _store_each(self, updates: list[dict]) -> None:
        for update in updates:
            try:
                await self.store([update])
            except Exception as exc:
                self.unparseable += 1
                METRICS.update_handled(update["update_id"], UNPARSEABLE)
                log.error("update %s cannot be stored and is skipped (%s); %d so far",
                          update.get("update_id"), type(exc).__name__, self.unparseable)

    # out
    async def dispatch(self, stopping: asyncio.Event) -> None:
        """Start a worker for every chat with updates waiting, until ``stopping``."""
        self.wake.set()  # what a previous run stored and did not handle
        while not stopping.is_set():
            await _first(self.wake.wait(), stopping.wait())
            self.wake.clear()
            for chat, worker in list(self._workers.items()):  # finished workers are forgotten
                if worker.done():
                    del self._workers[chat]
                    if not worker.cancelled() and worker.exception() is not None:
                        log.error("the worker of chat %s failed: %r", chat, worker.exception())
            try:
                waiting = await asyncio.to_thread(self._chats_waiting)
            except Exception:
                log.exception("the inbox cannot be read; trying again in a few seconds")
                await asyncio.sleep(RETRY_READ_SECONDS)
                self.wake.set()
                continue
            for chat in waiting:
                if chat not in self._workers:
                    self._workers[chat] = asyncio.create_task(self._work(chat), name=f"chat {chat}")

    def _chats_waiting(self) -> list[str]:
        return list(dict.fromkeys(item.chat for item in self.inbox.pending(PENDING_BATCH)))

    async def _work(self, chat: str) -> None:
        """Handle one chat's waiting updates in order; new ones arriving meanwhile are taken too."""
        try:
            while True:
                items = await asyncio.to_thread(self.inbox.pending_of, chat)
                if not items:
                    return
                for item in items:
                    async with self._limit:
                        await self._handle(item.update_id, item.data)
        finally:
            self.wake.set()  # anything stored while this worker was finishing gets a new one

    async def _handle(self, update_id: int, data: dict) -> None:
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:  # one unreadable update never stops the others
            self.unparseable += 1
            log.warning("update %s cannot be read and is skipped (%s: %s); %d so far",
                        update_id, type(exc).__name__, exc, self.unparseable)
            await asyncio.to_thread(self.inbox.mark, update_id, UNPARSEABLE)
            METRICS.update_handled(update_id, UNPARSEABLE)
            return
        started, outcome = time.monotonic(), DONE
        try:
            await self.application.process_update(update)
        except Exception:  # the error handler has had its say; never handle it again
            log.exception("update %s failed", update_id)
            outcome = "failed"
        await asyncio.to_thread(self.inbox.mark, update_id, DONE)
        METRICS.update_handled(update_id, outcome, time.monotonic() - started)

    async def drain(self, seconds: float) -> None:
        """Let the workers finish what they are handling, for at most ``seconds``."""
        running = [w for w in self._workers.values() if not w.done()]
        if running:
            _, late = await asyncio.wait(running, timeout=seconds)
            for worker in late:
                worker.cancel()


async def _first(*awaitables) -> None:
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


def webhook_routes(pump: UpdatePump, secret: str | None, path: str = "/telegram") -> list[tuple]:
    """The webhook's path: checks Telegram's secret header, stores the update, then answers 200."""
    import hmac

    import tornado.web

    class TelegramWebhook(tornado.web.RequestHandler):
        async def post(self) -> None:
            given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if secret and not hmac.compare_digest(given.encode(), secret.encode()):
                self.set_status(403)
                return
            try:
                data = json.loads(self.request.body)
            except ValueError:
                self.set_status(400)
                return
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                self.set_status(400)
                return
            try:
                await pump.store([data], source="webhook")
            except Exception:
                log.exception("webhook update %s could not be stored: Telegram will send it again", data.get("update_id"))
                self.set_status(500)
                return
            self.set_status(200)

        def log_exception(self, typ, value, tb) -> None:  # no request details (the secret header) in the log
            log.error("webhook request failed: %s", value)

    return [(path, TelegramWebhook)]


async def until_reachable(call: Callable[[], object], what: str, stopping: asyncio.Event) -> bool:
    """``call`` until it succeeds, waiting longer each time and saying so once; False if stopped first."""
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
                log.warning("%s: Telegram cannot be reached (%s); trying again, every %d s at most", what, exc, MAX_BACKOFF)
                said = True
            try:
                await asyncio.wait_for(stopping.wait(), timeout=backoff)
            except asyncio.TimeoutError:
                pass
            backoff = min(MAX_BACKOFF, backoff * 2)
    return False
