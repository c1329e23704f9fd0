"""Running the Telegram channel: start-up, the intake of updates, background work, and a clean stop.

Start-up waits for an unreachable Telegram, saying so once, instead of failing (a restart loop under
Docker). Updates come through the inbox (``telegram_updates``). Beside the turns run the postman (the
outbox's deliveries), the heartbeat ``mailbot health`` reads, the hourly retention clean-up and the
command menu. With HTTP_PORT, in both modes, a server of its own answers the autoconfiguration paths,
/metrics, /healthz and /readyz from the start (also while Telegram is waited for). SIGTERM or SIGINT
stops everything within 10 s.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import signal
import time

from telegram import BotCommand, Update
from telegram.error import Conflict, InvalidToken
from telegram.ext import Application

from bot import __version__
from bot.app import Core
from bot.channels.health import HEARTBEAT_FILE, HEARTBEAT_SECONDS, STALE_AFTER
from bot.channels.telegram.handlers import CHANNEL, TelegramBot
from bot.channels.telegram.limiter import PausingRateLimiter
from bot.channels.telegram.updates import Fatal, UpdatePump, until_reachable, webhook_routes
from bot.core.types import Reply
from bot.http.probes import database_counts, database_ready
from bot.i18n import N_
from bot.knowledge.language import LANGUAGES
from bot.metrics import METRICS
from bot.storage.leases import BEAT_SECONDS
from bot.storage.outbox import Request

log = logging.getLogger(__name__)

MAINTENANCE_SECONDS = 3600
JOB_CHECK_SECONDS = 60  # how often a replica asks whether a periodic job is its to run
COMMANDS_PERIOD = 86400  # the command menu is set again once a day (and by each new version at once)
COMMANDS_TIMEOUT = 5
STORAGE_THREADS = 2
STOP_DRAIN_SECONDS = 5
COMMANDS = ("start", "help", "language", "setup", "imap", "human", "cancel")
# Descriptions in the command menu, translated with the catalogues.
COMMAND_DESCRIPTIONS = {
    "start": N_("Main menu"),
    "help": N_("What I can do"),
    "language": N_("Change language"),
    "setup": N_("Set up my mail"),
    "imap": N_("Activate IMAP"),
    "human": N_("Talk to a person"),
    "cancel": N_("Stop what we are doing"),
}


class TelegramService:
    def __init__(self, core: Core, bot: TelegramBot):
        self.core, self.bot = core, bot
        self.settings, self.store = core.settings, core.store
        self.pump: UpdatePump | None = None
        self.polling = False
        self._tasks: list[asyncio.Task] = []
        self._intake: list[asyncio.Task] = []  # polling and the dispatcher, once started
        self._accepting = False  # updates are taken in: the replica is ready for work
        self._beat = time.monotonic()

    async def serve(self, application: Application, webhook: bool) -> int:
        """Run until SIGTERM or SIGINT or a fatal error; returns the exit status."""
        settings = self.settings
        METRICS.configure(settings.replica_id, __version__, self.store.backend, database=lambda: database_counts(self.store))
        METRICS.leases = lambda: {"chat": 0, "role": 0, **self.store.leases.held()}
        server = None
        if settings.http_port is not None:
            from bot.http import operations as http_operations  # tornado only where a server runs
            from bot.http import server as http_server

            routes = http_operations.routes(METRICS.exposition, self.alive, self.ready)
            try:
                server = http_server.serve(http_server.application(self.core.kb.servers, routes),
                                           settings.http_port, settings.http_listen)
            except OSError as exc:
                log.error("HTTP_PORT %s on %s cannot be used: %s", settings.http_port, settings.http_listen, exc.strerror)
                return 2
            log.info("serving autoconfiguration, metrics and health on %s:%s", settings.http_listen, settings.http_port)
        try:
            return await self._serve(application, webhook)
        finally:
            if server is not None:
                server.stop()

    async def _serve(self, application: Application, webhook: bool) -> int:
        settings = self.settings
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
        self.polling = not webhook
        self.pump = pump = UpdatePump(application, self.store, list(Update.ALL_TYPES), settings.lease_seconds)
        self._start_background(application)
        self.bot.backlog, self.bot.deferred = pump.backlog, pump.deferred
        server = poller = dispatcher = None
        status = 0
        try:
            if webhook:
                from bot.http import (
                    server as http_server,  # tornado only where a server runs: run stays small without one
                )

                secret = settings.webhook_secret.value if settings.webhook_secret else None
                await until_reachable(lambda: application.bot.set_webhook(
                    settings.webhook_url, secret_token=secret, allowed_updates=list(Update.ALL_TYPES),
                    drop_pending_updates=False), "setting the webhook", stopping)
                try:
                    server = http_server.serve(
                        http_server.application(self.core.kb.servers, webhook_routes(pump, secret, settings.webhook_path)),
                        settings.webhook_port, settings.webhook_listen)
                except OSError as exc:
                    log.error("WEBHOOK_PORT %s on %s cannot be used: %s", settings.webhook_port, settings.webhook_listen,
                              exc.strerror)
                    return 2
            else:
                await until_reachable(lambda: application.bot.delete_webhook(drop_pending_updates=False),
                                      "switching to polling", stopping)
                poller = asyncio.create_task(pump.poll(), name="polling")
            dispatcher = asyncio.create_task(pump.dispatch(stopping), name="dispatcher")
            self._intake = [t for t in (poller, dispatcher) if t is not None]
            self._accepting = not stopping.is_set()
            waiters = {asyncio.create_task(stopping.wait()), *([poller] if poller else [])}
            done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            if poller in done and not poller.cancelled() and isinstance(poller.exception(), Fatal):
                if isinstance(poller.exception().__cause__, Conflict):
                    log.error("another process is polling this bot's token (409 Conflict): only one may run; stopping")
                    self.bot.conflict = True
                else:
                    log.error("Telegram refused the token: check TELEGRAM_BOT_TOKEN")
                status = 1
            elif poller in done:
                log.error("polling stopped: %s", poller.exception())
                status = 1
        finally:
            log.info("stopping")
            self._accepting = False
            stopping.set()
            if poller is not None:
                poller.cancel()
            if server is not None:
                server.stop()
            await self._stop(application, pump, [t for t in (poller, dispatcher) if t is not None])
        return status

    async def _keep_leases(self, pump: UpdatePump) -> None:
        """Renew this replica's leases (and say it is alive) a few times a lease; the workers of leases that
        moved on stop at once."""
        seconds = self.settings.lease_seconds
        while True:
            try:
                held = await asyncio.to_thread(self.store.leases.renew, seconds)
                pump.lost(held)
                limiter = pump.application.bot.rate_limiter
                if isinstance(limiter, PausingRateLimiter):  # Telegram's limits shared out among the replicas
                    limiter.share(await asyncio.to_thread(self.store.leases.running))
            except Exception as exc:  # the database away: the leases run out, and other replicas take over
                log.warning("leases not renewed: %s", type(exc).__name__)
            await asyncio.sleep(min(BEAT_SECONDS, seconds / 3))

    async def _once_across_replicas(self, job: str, period: float) -> bool:
        """Whether this replica runs ``job`` this period (exactly one replica does)."""
        try:
            return await asyncio.to_thread(self.store.leases.due, job, period)
        except Exception as exc:
            log.warning("cannot tell whether %s is due: %s", job, type(exc).__name__)
            return False

    def _start_background(self, application: Application) -> None:
        """The postman, the heartbeat, the clean-up and the command menu: never holding up start or stop."""
        postman = self.core.postman(self._tell_delivered, self._alert_support)
        work_list = [("postman", postman.run()), ("heartbeat", self._heartbeat()), ("leases", self._keep_leases(self.pump)),
                     ("maintenance", self._maintenance()), ("commands", self._set_commands(application))]
        if self.bot.care is not None and self.settings.support_idle_close_days > 0:  # 0: never closed for idleness
            work_list.append(("idle tickets", self._idle_tickets(application)))
        for name, work in work_list:
            self._tasks.append(application.create_task(work, name=name))

    async def _stop(self, application: Application, pump: UpdatePump, intake: list[asyncio.Task]) -> None:
        """Start no more turns, let running ones finish (a few seconds at most), then close everything."""
        for task in intake:  # polling and the dispatcher
            task.cancel()
        await pump.drain(STOP_DRAIN_SECONDS)
        try:  # this replica's chats, role and deliveries are free for the others at once
            await asyncio.wait_for(asyncio.to_thread(self._release_everything), timeout=2)
        except (asyncio.TimeoutError, Exception) as exc:
            log.warning("leases not released (%s): they run out by themselves", type(exc).__name__)
        for task in self._tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                log.error("background task %s had stopped: %r", task.get_name(), task.exception())
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            await asyncio.wait_for(application.stop(), timeout=2)
            await asyncio.wait_for(application.shutdown(), timeout=2)
        except (asyncio.TimeoutError, Exception) as exc:  # stopping anyway
            log.warning("the Telegram client did not stop cleanly: %s", type(exc).__name__)

    def _release_everything(self) -> None:
        self.store.leases.stopped()
        self.store.outbox.release()

    # the postman's news
    async def _tell_delivered(self, request: Request) -> None:
        """The customer hears that their request reached support."""
        payload = request.payload
        if payload.get("channel") != CHANNEL:
            return
        reply = self.core.texts.request_delivered(payload.get("lang", "it"), request.reference, request.kind)
        await self.bot.send(int(payload["chat_id"]), reply)

    async def _alert_support(self, request: Request) -> None:
        """The support group hears of a request that cannot be delivered (when there is a group)."""
        chat_id = self.settings.support_chat_id
        if chat_id is None:
            log.error("request %s not delivered and no SUPPORT_CHAT_ID to alert: %s", request.reference, request.last_error)
            return
        text = self.core.texts.request_trouble(request.reference, ", ".join(request.mailboxes), request.last_error or "",
                                               request.kind)
        if not await self.bot.send(chat_id, Reply(text)):  # the group has removed the bot: the log is the alert
            log.error("request %s not delivered, and the support group cannot be alerted: %s", request.reference,
                      request.last_error)

    # what /healthz and /readyz ask
    def alive(self) -> tuple[bool, str]:
        """The loops run: the heartbeat ticks, and polling and the dispatcher have not stopped. While
        Telegram is waited for at start the process is alive too."""
        for task in self._intake:
            if task.done():
                return False, f"{task.get_name()} has stopped"
        silent = time.monotonic() - self._beat
        if self._intake and silent > STALE_AFTER:
            return False, f"no heartbeat for {silent:.0f} s"
        return True, "alive"

    async def ready(self) -> tuple[bool, str]:
        """Updates are taken in and the database answers (the answer engine was loaded before start)."""
        if not self._accepting:
            return False, "not taking updates (starting, waiting for Telegram, or stopping)"
        try:
            ok, reason = await METRICS.prober.run("ready", lambda: database_ready(self.store))
        except TimeoutError:
            ok, reason = False, f"the database did not answer within {METRICS.prober.timeout:.0f} s"
        if not ok:
            METRICS.db_error()
        return ok, reason

    # background work
    async def _heartbeat(self) -> None:
        """Touch a file in the data folder while running: ``mailbot health`` reads its age."""
        path = self.settings.bot_data_dir / HEARTBEAT_FILE
        while True:
            self._beat = time.monotonic()
            pump = self.pump
            progress = pump.last_progress if pump is not None and self.polling else time.time()
            try:
                path.write_text(json.dumps({"at": time.time(), "progress": progress, "unparseable": pump.unparseable if pump else 0}))
            except OSError as exc:
                log.warning("cannot write the heartbeat file %s: %s", path, exc.strerror)
            self.bot.flood.forget_idle()
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def _maintenance(self) -> None:
        """Every hour, on one replica: what is older than DATA_RETENTION_DAYS is deleted."""
        while True:
            if await self._once_across_replicas("retention", MAINTENANCE_SECONDS):
                try:
                    removed = await asyncio.to_thread(self.store.prune, self.settings.data_retention_days)
                    if any(removed.values()):
                        log.info("retention: deleted %s", ", ".join(f"{n} {what}" for what, n in removed.items() if n))
                except Exception:  # storage trouble: try again at the next round
                    log.exception("retention clean-up failed")
            await asyncio.sleep(JOB_CHECK_SECONDS)

    async def _idle_tickets(self, application: Application) -> None:
        """Tickets with no message for SUPPORT_IDLE_CLOSE_DAYS are closed; checked often enough to close
        each within a tenth of that time (at most hourly)."""
        days = self.settings.support_idle_close_days
        period = min(MAINTENANCE_SECONDS, max(1.0, days * 86400 / 10))
        while True:
            if await self._once_across_replicas("idle-tickets", period):
                try:
                    await self.bot.care.close_idle(application.bot, days)
                except Exception:  # the group or storage failing: try again at the next round
                    log.exception("closing idle tickets failed")
            await asyncio.sleep(min(period, JOB_CHECK_SECONDS))

    async def _set_commands(self, application: Application) -> None:
        """The command menu in each language; a failure here never stops the bot."""
        translator = self.core.translator
        if not await self._once_across_replicas(f"command-menu:{__version__}", COMMANDS_PERIOD):
            return
        for lang in (*LANGUAGES, None):
            code = lang or "it"
            commands = [BotCommand(c, translator.gettext(code, COMMAND_DESCRIPTIONS[c])) for c in COMMANDS]
            try:
                await asyncio.wait_for(application.bot.set_my_commands(commands, language_code=lang), COMMANDS_TIMEOUT)
            except Exception as exc:  # non-essential: log and go on
                log.warning("could not register the %s command menu: %s", lang or "default", exc)


def telegram_bot(core: Core) -> TelegramBot:
    """The channel's handlers, given the parts they use."""
    return TelegramBot(core.settings, core.conversation, core.texts, core.translator, core.store)


def run(core: Core, webhook: bool = False) -> int:
    """Run the bot until stopped; returns the process exit status."""
    bot = telegram_bot(core)
    return asyncio.run(TelegramService(core, bot).serve(bot.build(), webhook))
