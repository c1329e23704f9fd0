"""Updates from Telegram into the inbox, and from the inbox to the handlers, chat by chat.

    getUpdates (polling.py) / webhook ──► inbox (database) ──► confirmed to Telegram
        ──► chat lease ──► worker ──► handlers

A batch is stored first and confirmed after (the next getUpdates' offset); the webhook answers 200 only
once the update is stored. Workers handle each chat's updates in order and different chats at once; an
update that cannot be read is skipped, logged once and counted. Storage runs in threads, never on the
event loop.

Several replicas may share the inbox. A chat's updates are handled by the replica holding the chat's
lease (``bot/storage/leases.py``): whoever stored the update, or another replica that finds it waiting
in its sweep, takes the lease if it is free; the worker lets it go after a last empty look.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application

from bot.metrics import METRICS
from bot.storage import InboxStore, LeaseStore
from bot.storage.db import DatabaseUnavailable
from bot.storage.inbox import DONE, UNPARSEABLE
from bot.storage.leases import Lease, current_lease

if TYPE_CHECKING:
    from bot.http import Route

log = logging.getLogger(__name__)

# turns handled at once; the others wait their turn (one waiting on the group's limit holds one)
CONCURRENT_CHATS = 32
CLAIM_AHEAD = 2 * CONCURRENT_CHATS  # chats a replica takes at once: handling, or next in line
RETRY_READ_SECONDS = 5
SWEEP_SECONDS = 1.0  # how often waiting chats are looked for, besides being woken (another replica stored them)


class UpdatePump:
    """The inbox between Telegram and the handlers: updates stored as they come, then handled chat by chat
    under each chat's lease."""

    def __init__(self, application: Application, inbox: InboxStore, leases: LeaseStore, replica: str, *,
                 lease_seconds: float = 15.0, backlog: set[int] | None = None, deferred: set[int] | None = None):
        self.application = application
        self.inbox, self.leases, self.replica = inbox, leases, replica
        self.lease_seconds = lease_seconds
        self.wake = asyncio.Event()
        self.unparseable = 0
        # Updates that were waiting for us when we started (fetched by polls that do not wait): they piled
        # up while the bot was down, and are no storm for the flood guard. Kept in their inbox rows, so
        # whichever replica handles them knows; this set (the handlers' gate reads it) holds those being
        # handled here now.
        self.backlog: set[int] = backlog if backlog is not None else set()
        # Updates whose turn met an unreachable database (the handlers' error handler adds them): never
        # marked handled, their worker stops, and the next sweep, here or on another replica, handles them again.
        self.deferred: set[int] = deferred if deferred is not None else set()
        self._workers: dict[str, tuple[asyncio.Task[None], Lease]] = {}
        self._limit = asyncio.Semaphore(CONCURRENT_CHATS)

    # in
    async def store(self, updates: list[dict[str, Any]], source: str = "polling", backlog: bool = False) -> int:
        """Store raw updates; returns how many were new. Wakes the workers."""
        new = await asyncio.to_thread(self.inbox.add, updates, None, backlog)
        METRICS.updates_received(source, (u["update_id"] for u in updates), new)
        if new:
            self.wake.set()
        return new

    async def store_polled(self, updates: list[dict[str, Any]], backlog: bool = False) -> None:
        """A batch from getUpdates stored; when the inbox cannot take it whole, one by one, skipping (and
        counting) only the updates it cannot take."""
        try:
            await self.store(updates, backlog=backlog)
        except Exception as exc:  # one update the inbox cannot take must not stop the others
            log.error("a batch of updates could not be stored (%s): storing them one by one", exc)
            await self._store_each(updates, backlog)

    def lost(self, held: set[str]) -> None:
        """The lease keeper's news: the leases not in ``held`` are gone. Their workers stop at once (what
        they were handling is handled again by the new holder)."""
        for chat, (worker, lease) in list(self._workers.items()):
            if lease.key not in held and not worker.done():
                log.warning("lease on chat %s lost: its updates go to the replica that has it now", chat)
                worker.cancel()

    async def _store_each(self, updates: list[dict[str, Any]], backlog: bool = False) -> None:
        for update in updates:
            try:
                await self.store([update], backlog=backlog)
            except Exception as exc:
                self.unparseable += 1
                METRICS.update_handled(update["update_id"], UNPARSEABLE)
                log.error("update %s cannot be stored and is skipped (%s); %d so far",
                          update.get("update_id"), type(exc).__name__, self.unparseable)

    # out
    async def dispatch(self, stopping: asyncio.Event) -> None:
        """Start a worker for every waiting chat whose lease this replica gets, until ``stopping``."""
        self.wake.set()  # what a previous run stored and did not handle
        while not stopping.is_set():
            await _first(self.wake.wait(), stopping.wait(), asyncio.sleep(SWEEP_SECONDS))
            if stopping.is_set():
                break
            self.wake.clear()
            self._forget_finished()
            # Only as many chats as this replica will soon handle: the rest stay free for the others.
            room = CLAIM_AHEAD - sum(not worker.done() for worker, _ in self._workers.values())
            if room <= 0:
                continue
            try:
                await self._claim(room)
            except Exception:
                log.exception("the inbox cannot be read; trying again in a few seconds")
                await asyncio.sleep(RETRY_READ_SECONDS)
                self.wake.set()

    def _forget_finished(self) -> None:
        for chat, (worker, _) in list(self._workers.items()):
            if worker.done():
                del self._workers[chat]
                if not worker.cancelled() and worker.exception() is not None:
                    log.error("the worker of chat %s failed: %r", chat, worker.exception())

    async def _claim(self, room: int) -> None:
        """A worker for each of up to ``room`` waiting chats whose lease this replica gets."""
        waiting = await asyncio.to_thread(self.inbox.chats_waiting, room, self.replica)
        for chat in waiting:
            if chat in self._workers:
                continue
            lease = await asyncio.to_thread(self.leases.acquire, f"chat:{chat}", self.lease_seconds)
            if lease is not None:  # else another replica handles it
                self._workers[chat] = (asyncio.create_task(self._work(chat, lease), name=f"chat {chat}"), lease)

    async def _work(self, chat: str, lease: Lease | None) -> None:
        """Handle one chat's waiting updates in order, under its lease; new ones arriving meanwhile are taken
        too. The lease goes after a last empty look, so nothing stored meanwhile waits for a sweep."""
        try:
            while lease is not None:
                items = await asyncio.to_thread(self.inbox.pending_of, chat)
                if not items:
                    lease = await asyncio.to_thread(self._release_if_idle, chat, lease)
                    if lease is not None:
                        self._workers[chat] = (self._workers[chat][0], lease)
                    continue
                for item in items:
                    async with self._limit:
                        if not await self._handle(item.update_id, item.data, lease, item.backlog):
                            return  # the lease moved on: the new holder handles the rest
        finally:
            self.wake.set()  # anything stored while this worker was finishing gets a new one

    def _release_if_idle(self, chat: str, lease: Lease) -> Lease | None:
        """Let the chat go; the lease again if an update was stored meanwhile and nobody else took it."""
        self.leases.release(lease)
        if not self.inbox.pending_of(chat, 1):
            return None
        return self.leases.acquire(lease.key, self.lease_seconds)

    async def _handle(self, update_id: int, data: dict[str, Any], lease: Lease, backlog: bool = False) -> bool:
        """Handle one update; False when the chat's lease was lost meanwhile (it stays pending)."""
        current_lease.set(lease)  # the turn's commit is fenced by it
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:  # one unreadable update never stops the others
            self.unparseable += 1
            log.warning("update %s cannot be read and is skipped (%s: %s); %d so far",
                        update_id, type(exc).__name__, exc, self.unparseable)
            marked = await asyncio.to_thread(self.inbox.mark, update_id, UNPARSEABLE, None, lease)
            METRICS.update_handled(update_id, UNPARSEABLE)
            return marked
        if backlog:
            self.backlog.add(update_id)
        started, outcome = time.monotonic(), DONE
        try:
            await self.application.process_update(update)
        except Exception:  # the error handler has had its say; never handle it again
            log.exception("update %s failed", update_id)
            outcome = "failed"
        finally:
            self.backlog.discard(update_id)
        if update_id in self.deferred:
            self.deferred.discard(update_id)
            raise DatabaseUnavailable(f"update {update_id} is left in the inbox: the database failed during its turn")
        marked = await asyncio.to_thread(self.inbox.mark, update_id, DONE, None, lease)
        METRICS.update_handled(update_id, outcome, time.monotonic() - started)
        return marked

    async def drain(self, seconds: float) -> None:
        """Let the workers finish what they are handling, for at most ``seconds``."""
        running = [w for w, _ in self._workers.values() if not w.done()]
        if running:
            _, late = await asyncio.wait(running, timeout=seconds)
            for worker in late:
                worker.cancel()


async def _first(*awaitables: Awaitable[object]) -> None:
    """Wait for the first of ``awaitables``; the others are cancelled."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


MAX_UPDATE_BYTES = 256 * 1024  # a Telegram update is a few kB
MAX_UPDATE_ID = 2**53  # Telegram's ids fit 52 bits; anything larger is no update


def parse_update(body: bytes) -> dict[str, Any] | None:
    """The update a webhook body holds, or None for anything malformed: not JSON, nested too deep, not an
    object, without an update id that Telegram could have given."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not 0 <= update_id <= MAX_UPDATE_ID:
        return None
    return data


def webhook_routes(pump: UpdatePump, secret: str | None, path: str = "/telegram") -> list[Route]:
    """The webhook's path (WEBHOOK_URL's, and ``/telegram`` for proxies that rewrite it): checks Telegram's
    secret header, stores the update, then answers 200."""
    import tornado.web  # tornado only where a server runs

    from bot.http.server import LimitedBody

    @tornado.web.stream_request_body
    class TelegramWebhook(LimitedBody, tornado.web.RequestHandler):
        limit = MAX_UPDATE_BYTES

        def prepare(self) -> None:
            self.prepare_body()
            # The secret before the body: a stranger's upload is answered before any of it is kept.
            given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if secret and not hmac.compare_digest(given.encode(), secret.encode()):
                raise tornado.web.HTTPError(403)

        def write_error(self, status_code: int, **kwargs) -> None:
            self.finish()

        async def post(self) -> None:
            self.check_body()
            data = parse_update(bytes(self.body))
            if data is None:
                self.set_status(400)
                return
            try:
                await pump.store([data], source="webhook")
            except Exception:
                log.exception("webhook update %s could not be stored: Telegram will send it again",
                              data.get("update_id"))
                self.set_status(500)
                return
            self.set_status(200)

        def log_exception(self, typ, value, tb) -> None:  # no request details (the secret header) in the log
            log.error("webhook request failed: %s", value)

    return [(re.escape(p), TelegramWebhook, {}) for p in dict.fromkeys((path, "/telegram"))]

