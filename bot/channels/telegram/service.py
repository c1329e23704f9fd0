"""Running the Telegram channel: its parts built and given to each other (``run``), start-up, the intake of
updates, background work, and a clean stop.

Start-up waits for an unreachable Telegram, saying so once, instead of failing (a restart loop under
Docker). Updates come through the inbox (``updates.py``), polled by one replica (``polling.py``, where
Telegram's 409 is decided) or posted to the webhook. Beside the turns run the postman (the outbox's
deliveries), the heartbeat ``mailbot health`` reads, the leases' renewal, the hourly retention clean-up and
the command menu (``jobs.py``). With HTTP_PORT, in both modes, a server of its own answers the
autoconfiguration paths, /metrics, /healthz and /readyz from the start (also while Telegram is waited for).
SIGTERM or SIGINT stops everything within 10 s.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import Application

from bot import __version__
from bot.app import Core
from bot.channels.health import HEARTBEAT_FILE, Heartbeat, Probes
from bot.channels.telegram import jobs
from bot.channels.telegram.botapi.calls import until_reachable
from bot.channels.telegram.botapi.limiter import PausingRateLimiter
from bot.channels.telegram.handlers import CHANNEL, TelegramBot
from bot.channels.telegram.polling import CannotPoll, Poller
from bot.channels.telegram.updates import UpdatePump, webhook_routes
from bot.config import Settings
from bot.conversation.texts import Texts
from bot.core.types import Reply
from bot.http.probes import database_counts, database_ready
from bot.knowledge.base import ServerSettings
from bot.knowledge.language import DEFAULT_LANGUAGE
from bot.metrics import METRICS
from bot.storage import Storage
from bot.storage.outbox import Request

log = logging.getLogger(__name__)

STORAGE_THREADS = 2
STOP_DRAIN_SECONDS = 5

BackgroundLoop = tuple[str, Callable[[], Coroutine[Any, Any, None]]]  # a background loop: its name, and how to start it


class PostmanNews:
    """What the postman has to say on Telegram: a request delivered, or one that cannot be."""

    def __init__(self, texts: Texts, send: Callable[[int, Reply], Awaitable[bool]], support_chat_id: int | None):
        self.texts, self.send, self.support_chat_id = texts, send, support_chat_id

    async def delivered(self, request: Request) -> None:
        """The customer hears that their request reached support."""
        payload = request.payload
        if payload.get("channel") != CHANNEL:
            return
        reply = self.texts.request_delivered(payload.get("lang", DEFAULT_LANGUAGE), request.reference, request.kind)
        await self.send(int(payload["chat_id"]), reply)

    async def trouble(self, request: Request) -> None:
        """The support group hears of a request that cannot be delivered (when there is a group)."""
        chat_id = self.support_chat_id
        if chat_id is None:
            log.error("request %s not delivered and no SUPPORT_CHAT_ID to alert: %s", request.reference,
                      request.last_error)
            return
        text = self.texts.request_trouble(request.reference, ", ".join(request.mailboxes), request.last_error or "",
                                          request.kind)
        if not await self.send(chat_id, Reply(text)):  # the group has removed the bot: the log is the alert
            log.error("request %s not delivered, and the support group cannot be alerted: %s", request.reference,
                      request.last_error)


@dataclasses.dataclass(frozen=True)
class Parts:
    """What the service runs, built by ``run`` before it starts."""

    application: Application
    pump: UpdatePump
    poller: Poller | None  # None: updates come to the webhook
    probes: Probes
    work: list[BackgroundLoop]
    servers: ServerSettings  # for the autoconfiguration paths of the HTTP servers


class TelegramService:
    """Start, intake, background work and a clean stop, for parts built beforehand."""

    def __init__(self, settings: Settings, store: Storage, parts: Parts):
        self.settings, self.store, self.parts = settings, store, parts
        self._tasks: list[asyncio.Task[None]] = []

    async def serve(self) -> int:
        """Run until SIGTERM or SIGINT or a fatal error; returns the exit status."""
        settings, store = self.settings, self.store
        METRICS.configure(settings.replica_id, __version__, store.backend, database=lambda: database_counts(store),
                          leases=lambda: {"chat": 0, "role": 0, **store.leases.held()})
        server = None
        if settings.http_port is not None:
            from bot.http import operations as http_operations  # tornado only where a server runs
            from bot.http import server as http_server

            routes = http_operations.routes(METRICS.exposition, self.parts.probes.alive, self.parts.probes.ready)
            try:
                server = http_server.serve(http_server.application(self.parts.servers, routes),
                                           settings.http_port, settings.http_listen)
            except OSError as exc:
                log.error("HTTP_PORT %s on %s cannot be used: %s", settings.http_port, settings.http_listen,
                          exc.strerror)
                return 2
            log.info("serving autoconfiguration, metrics and health on %s:%s", settings.http_listen, settings.http_port)
        try:
            return await self._serve()
        finally:
            if server is not None:
                server.stop()

    async def _serve(self) -> int:
        application, pump, poller = self.parts.application, self.parts.pump, self.parts.poller
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        # Storage is one SQLite connection behind a lock, and turns hold the GIL: two threads do all the
        # work there is, and each thread more costs memory (its own allocator arena).
        loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(max_workers=STORAGE_THREADS))
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        try:
            if not await until_reachable(application.initialize, "starting", stopping):
                return 0
        except InvalidToken:
            log.error("Telegram refused the token: check TELEGRAM_BOT_TOKEN")
            return 1
        await application.start()
        for name, work in self.parts.work:
            self._tasks.append(application.create_task(work(), name=name))
        server = None
        intake: list[asyncio.Task[None]] = []
        try:
            if poller is None:
                server = await self._open_webhook(stopping)
                if server is None:
                    return 2
            else:
                await until_reachable(lambda: application.bot.delete_webhook(drop_pending_updates=False),
                                      "switching to polling", stopping)
                intake.append(asyncio.create_task(poller.run(), name="polling"))
            intake.append(asyncio.create_task(pump.dispatch(stopping), name="dispatcher"))
            self.parts.probes.taking(intake, accepting=not stopping.is_set())
            return await self._until_stopped(stopping, intake[0] if poller is not None else None)
        finally:
            log.info("stopping")
            self.parts.probes.stopping()
            stopping.set()
            for task in intake:
                task.cancel()
            if server is not None:
                server.stop()
            await self._stop()

    async def _open_webhook(self, stopping: asyncio.Event) -> Any:
        """The webhook set at Telegram and its server listening; None when its port cannot be used."""
        from bot.http import server as http_server  # tornado only where a server runs: run stays small without one

        settings, application = self.settings, self.parts.application
        secret = settings.webhook_secret.value if settings.webhook_secret else None
        await until_reachable(lambda: application.bot.set_webhook(
            settings.webhook_url, secret_token=secret, allowed_updates=list(Update.ALL_TYPES),
            drop_pending_updates=False), "setting the webhook", stopping)
        routes = webhook_routes(self.parts.pump, secret, settings.webhook_path)
        try:
            return http_server.serve(http_server.application(self.parts.servers, routes),
                                     settings.webhook_port, settings.webhook_listen)
        except OSError as exc:
            log.error("WEBHOOK_PORT %s on %s cannot be used: %s", settings.webhook_port, settings.webhook_listen,
                      exc.strerror)
            return None

    @staticmethod
    async def _until_stopped(stopping: asyncio.Event, polling: asyncio.Task[None] | None) -> int:
        """Wait for a signal, or for polling to end (it said why when it could not go on); the exit status."""
        waiter = asyncio.create_task(stopping.wait())
        await asyncio.wait({waiter, *([polling] if polling is not None else [])}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if polling is None or not polling.done():
            return 0
        error = None if polling.cancelled() else polling.exception()
        if not isinstance(error, CannotPoll):
            log.error("polling stopped: %s", error)
        return 1

    async def _stop(self) -> None:
        """Start no more turns, let running ones finish (a few seconds at most), then close everything."""
        await self.parts.pump.drain(STOP_DRAIN_SECONDS)
        try:  # this replica's chats, role and deliveries are free for the others at once
            await asyncio.wait_for(asyncio.to_thread(self._release_everything), timeout=2)
        except (asyncio.TimeoutError, Exception) as exc:
            log.warning("leases not released (%s): they run out by themselves", type(exc).__name__)
        for task in self._tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                log.error("background task %s had stopped: %r", task.get_name(), task.exception())
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        application = self.parts.application
        try:
            await asyncio.wait_for(application.stop(), timeout=2)
            await asyncio.wait_for(application.shutdown(), timeout=2)
        except (asyncio.TimeoutError, Exception) as exc:  # stopping anyway
            log.warning("the Telegram client did not stop cleanly: %s", type(exc).__name__)

    def _release_everything(self) -> None:
        """In a thread: every lease and claim of this replica let go."""
        self.store.leases.stopped()
        self.store.outbox.release()


def telegram_bot(core: Core) -> TelegramBot:
    """The channel's handlers, given the parts they use."""
    assert core.store is not None, "the Telegram channel needs a store"
    return TelegramBot(core.settings, core.conversation, core.texts, core.translator, core.store)


def build_parts(core: Core, bot: TelegramBot, store: Storage, webhook: bool) -> Parts:
    """The Application, the inbox's pump, the poller (not with a webhook), the probes and the background work,
    each given what it needs."""
    settings = core.settings
    application = bot.build()
    pump = UpdatePump(application, store.inbox, store.leases, settings.replica_id, lease_seconds=settings.lease_seconds,
                      backlog=bot.backlog, deferred=bot.deferred)
    poller = None if webhook else Poller(application.bot, store.leases, pump.store_polled, list(Update.ALL_TYPES),
                                         settings.lease_seconds)
    heartbeat = Heartbeat(settings.bot_data_dir / HEARTBEAT_FILE,
                          progress=(lambda: poller.last_progress) if poller is not None else time.time,
                          unparseable=lambda: pump.unparseable, on_beat=bot.flood.forget_idle)
    limiter = application.bot.rate_limiter
    news = PostmanNews(core.texts, bot.send, settings.support_chat_id)
    postman = core.postman(news.delivered, news.trouble)
    told = [pump.lost, *([poller.lost] if poller is not None else [])]
    work: list[BackgroundLoop] = [
        ("postman", postman.run),
        ("heartbeat", heartbeat.run),
        ("leases", lambda: jobs.keep_leases(store.leases, settings.lease_seconds, told,
                                            limiter if isinstance(limiter, PausingRateLimiter) else None)),
        ("maintenance", lambda: jobs.retention(store, settings.data_retention_days)),
        ("commands", lambda: jobs.command_menu(application.bot, store.leases, core.translator)),
    ]
    upkeep = bot.upkeep
    if upkeep is not None and settings.support_idle_close_days > 0:  # 0: never closed for idleness
        work.append(("idle tickets", lambda: jobs.close_idle_tickets(
            lambda days: upkeep.close_idle(application.bot, days), store.leases, settings.support_idle_close_days)))
    probes = Probes(heartbeat, lambda: database_ready(store))
    return Parts(application, pump, poller, probes, work, core.kb.servers)


def run(core: Core, webhook: bool = False) -> int:
    """Run the bot until stopped; returns the process exit status."""
    bot = telegram_bot(core)
    assert core.store is not None
    return asyncio.run(TelegramService(core.settings, core.store, build_parts(core, bot, core.store, webhook)).serve())
