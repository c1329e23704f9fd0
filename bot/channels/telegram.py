"""The Telegram channel: python-telegram-bot's Application around the conversation core.

    update ──► Inbound ──► Dialogue.handle ──► session saved ──► replies rendered and sent

Private chats only: groups and channels get silence (the support group comes with the handoff).
Updates are handled one at a time, which keeps every chat's order. Outgoing calls go through
AIORateLimiter (Telegram's limits, 429 answers retried after ``retry_after``); network errors and 5xx
answers are retried with backoff; a customer who blocked the bot is logged and left alone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import signal
import time
from pathlib import Path

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken
from telegram.request import BaseRequest
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.app import Core
from bot.channels.health import HEARTBEAT_FILE, HEARTBEAT_SECONDS
from bot.channels.support_desk import GroupUnreachable, SupportDesk
from bot.channels.telegram_calls import with_retries
from bot.channels.telegram_render import keyboard, split_html, to_html
from bot.channels.telegram_updates import Fatal, UpdatePump, until_reachable, webhook_routes
from bot.core.flood import DROP, WARN, FloodGuard
from bot.core.session import Session, SessionKey
from bot.core.types import Customer, Inbound, Reply
from bot.i18n import N_
from bot.knowledge.language import LANGUAGES
from bot.mail import Postman
from bot.outbox import Request

log = logging.getLogger(__name__)

CHANNEL = "telegram"
COMMANDS = ("start", "help", "language", "setup", "imap", "human", "cancel")
MAINTENANCE_SECONDS = 3600
COMMANDS_TIMEOUT = 5
STORAGE_THREADS = 2
GROUPS_REMEMBERED = 1000  # groups whose id was logged once; past that, none more are logged
STOP_DRAIN_SECONDS = 5
KEYBOARDS_REMEMBERED = 10_000
# What a customer may send that is not text, by the Message attribute that holds it.
MEDIA = ("photo", "sticker", "voice", "video", "video_note", "audio", "document", "location", "venue",
         "contact", "animation", "poll", "dice", "game", "story")


class TelegramBot:
    """The handlers and the sending, bound to one core."""

    def __init__(self, core: Core):
        self.core = core
        self.store = core.store
        self.flood = FloodGuard()
        self.conflict = False
        self._groups_seen: set[int] = set()
        self._keyboards_removed: dict[tuple[int, int], None] = {}  # oldest first, bounded
        self.desk = SupportDesk(core, CHANNEL) if core.settings.support_chat_id is not None and core.store else None

    # plumbing
    def build(self, request: BaseRequest | None = None, rate_limits: bool = True) -> Application:
        """The Application; ``request`` replaces the HTTP client (benchmarks), ``rate_limits`` the limiter."""
        settings = self.core.settings
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token.value)
            .base_url(settings.telegram_base_url)
            .base_file_url(settings.telegram_base_url.replace("/bot", "/file/bot", 1))
        )
        if rate_limits:
            builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=30, group_max_rate=20, max_retries=5))
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        application = builder.build()
        private = filters.ChatType.PRIVATE
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, self.on_edited))
        application.add_handler(MessageHandler(private & filters.COMMAND, self.on_command))
        application.add_handler(MessageHandler(private & filters.TEXT, self.on_text))
        application.add_handler(MessageHandler(private, self.on_media))
        if self.desk is not None:
            # New messages only: an edited "/close" must not run again.
            application.add_handler(MessageHandler(filters.Chat(settings.support_chat_id) & filters.UpdateType.MESSAGE,
                                                   self.on_support_group))
        # Other groups and channels get silence; their id is logged once, to help find SUPPORT_CHAT_ID.
        application.add_handler(MessageHandler(~private, self.on_group))
        application.add_error_handler(self.on_error)
        return application

    async def _post_init(self, application: Application) -> None:
        self.application = application
        self._tasks = [asyncio.create_task(self._heartbeat()), asyncio.create_task(self._maintenance()),
                       asyncio.create_task(self._set_commands(application))]  # never holds up start or stop
        if self.store is not None:
            postman = Postman(self.store.outbox, self.core.settings, self._tell_delivered, self._alert_support)
            loop = asyncio.get_running_loop()  # turns run in threads: wake the postman from the loop's side
            self.core.dialogue.activation.on_submitted = lambda: loop.call_soon_threadsafe(postman.wake.set)
            self._tasks.append(asyncio.create_task(postman.run()))

    async def _post_shutdown(self, application: Application) -> None:
        tasks = getattr(self, "_tasks", ())
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                log.error("background task %s had stopped: %r", task.get_name(), task.exception())
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def serve(self, application: Application, webhook: bool) -> int:
        """Run until SIGTERM or SIGINT (then stop within 10 s) or a fatal error; returns the exit status.

        Start-up waits for an unreachable Telegram, saying so once, instead of failing (a restart loop
        under Docker). Updates come through the inbox (``telegram_updates``).
        """
        settings = self.core.settings
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
        await self._post_init(application)
        self.polling = not webhook
        self.pump = pump = UpdatePump(application, self.store.inbox, list(Update.ALL_TYPES))
        server = poller = dispatcher = None
        status = 0
        try:
            if webhook:
                from bot import http_server  # tornado only where a server runs: run stays small without one

                secret = settings.webhook_secret.value if settings.webhook_secret else None
                await until_reachable(lambda: application.bot.set_webhook(
                    settings.webhook_url, secret_token=secret, allowed_updates=list(Update.ALL_TYPES),
                    drop_pending_updates=False), "setting the webhook", stopping)
                server = http_server.application(self.core.kb.servers, webhook_routes(pump, secret)).listen(
                    settings.webhook_port, address=settings.webhook_listen)
            else:
                await until_reachable(lambda: application.bot.delete_webhook(drop_pending_updates=False),
                                      "switching to polling", stopping)
                poller = asyncio.create_task(pump.poll(), name="polling")
                if settings.http_port is not None:  # the autoconfiguration paths, for mail programs
                    from bot import http_server

                    server = http_server.application(self.core.kb.servers).listen(
                        settings.http_port, address=settings.http_listen)
                    log.info("serving autoconfiguration on %s:%s", settings.http_listen, settings.http_port)
            dispatcher = asyncio.create_task(pump.dispatch(stopping), name="dispatcher")
            waiters = {asyncio.create_task(stopping.wait()), *([poller] if poller else [])}
            done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            if poller in done and not poller.cancelled() and isinstance(poller.exception(), Fatal):
                cause = poller.exception().__cause__
                if isinstance(cause, Conflict):
                    log.error("another process is polling this bot's token (409 Conflict): only one may run; stopping")
                    self.conflict = True
                else:
                    log.error("Telegram refused the token: check TELEGRAM_BOT_TOKEN")
                status = 1
            elif poller in done:
                log.error("polling stopped: %s", poller.exception())
                status = 1
        finally:
            log.info("stopping")
            stopping.set()
            if poller is not None:
                poller.cancel()
            if server is not None:
                server.stop()
            await self._stop(application, pump, [t for t in (poller, dispatcher) if t is not None])
        return status

    async def _stop(self, application: Application, pump: UpdatePump, intake: list[asyncio.Task]) -> None:
        """Start no more turns, let running ones finish (a few seconds at most), then close everything."""
        for task in intake:  # polling and the dispatcher
            task.cancel()
        await pump.drain(STOP_DRAIN_SECONDS)
        await self._post_shutdown(application)
        try:
            await asyncio.wait_for(application.stop(), timeout=2)
            await asyncio.wait_for(application.shutdown(), timeout=2)
        except (asyncio.TimeoutError, Exception) as exc:  # stopping anyway
            log.warning("the Telegram client did not stop cleanly: %s", type(exc).__name__)

    async def _tell_delivered(self, request: Request) -> None:
        """The customer hears that their IMAP request reached support."""
        payload = request.payload
        if payload.get("channel") != CHANNEL:
            return
        reply = self.core.dialogue.request_delivered(payload.get("lang", "it"), request.reference, request.kind)
        await self._send_to(int(payload["chat_id"]), reply)

    async def _alert_support(self, request: Request) -> None:
        """The support group hears of a request that cannot be delivered (when there is a group)."""
        chat_id = self.core.settings.support_chat_id
        if chat_id is None:
            log.error("request %s not delivered and no SUPPORT_CHAT_ID to alert: %s", request.reference, request.last_error)
            return
        text = self.core.dialogue.request_trouble(request.reference, ", ".join(request.mailboxes), request.last_error or "")
        await self._send_to(chat_id, Reply(text))

    async def _send_to(self, chat_id: int, reply: Reply) -> None:
        class _Context:  # _send only needs the bot
            bot = self.application.bot

        await self._send(_Context, chat_id, reply)

    async def _heartbeat(self) -> None:
        """Touch a file in the data folder while running: ``mailbot health`` reads its age."""
        path = self.core.settings.bot_data_dir / HEARTBEAT_FILE
        while True:
            pump = getattr(self, "pump", None)
            progress = pump.last_progress if pump is not None and self.polling else time.time()
            try:
                path.write_text(json.dumps({"at": time.time(), "progress": progress, "unparseable": pump.unparseable if pump else 0}))
            except OSError as exc:
                log.warning("cannot write the heartbeat file %s: %s", path, exc.strerror)
            self.flood.forget_idle()
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def _maintenance(self) -> None:
        """At start and every hour: what is older than DATA_RETENTION_DAYS is deleted."""
        while True:
            try:
                removed = await asyncio.to_thread(self.store.prune, self.core.settings.data_retention_days)
                if any(removed.values()):
                    log.info("retention: deleted %s", ", ".join(f"{n} {what}" for what, n in removed.items() if n))
            except Exception:  # storage trouble: try again at the next round
                log.exception("retention clean-up failed")
            await asyncio.sleep(MAINTENANCE_SECONDS)

    async def _set_commands(self, application: Application) -> None:
        """The command menu in each language; a failure here never stops the bot."""
        translator = self.core.translator
        for lang in (*LANGUAGES, None):
            code = lang or "it"
            commands = [BotCommand(c, translator.gettext(code, COMMAND_DESCRIPTIONS[c])) for c in COMMANDS]
            try:
                await asyncio.wait_for(application.bot.set_my_commands(commands, language_code=lang), COMMANDS_TIMEOUT)
            except Exception as exc:  # non-essential: log and go on
                log.warning("could not register the %s command menu: %s", lang or "default", exc)

    # handlers
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, /help, /language... and unknown commands, which the dialogue answers too."""
        message = update.effective_message
        command, _, args = (message.text or "").partition(" ")
        await self._turn(update, context, Inbound(command=command.lstrip("/").split("@")[0], text=args.strip(),
                                                  customer=_customer(update)))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A question or an answer typed by the customer."""
        await self._turn(update, context, Inbound(text=update.effective_message.text or "", customer=_customer(update)))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button pressed: answered at once, its keyboard removed so it cannot act twice. Presses
        count for the flood guard like messages: a storm of (forged) presses gets no answers."""
        query = update.callback_query
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        verdict = self.flood.check(chat.id)
        if verdict == DROP:
            return
        try:
            await query.answer()
        except BadRequest as exc:  # too old or already answered: the press itself still counts
            log.info("callback query not answered: %s", exc)
        if verdict == WARN:
            session = Session.from_dict(await asyncio.to_thread(self.store.get, SessionKey(CHANNEL, str(chat.id))))
            await self._send(context, chat.id, self.core.dialogue.slow_down(session, Inbound(customer=_customer(update))))
            return
        if (query.data or "").startswith("rt:") and self.desk is not None:
            await self._rating(update, context, query.data)
            return
        if query.message is not None and getattr(query.message, "reply_markup", None):
            await self._remove_keyboard(query)
        await self._turn(update, context, Inbound(button=query.data or "", customer=_customer(update)), flood=False)

    async def _remove_keyboard(self, query) -> None:
        """Remove the keyboard a press came from, once: presses of the same message that were already
        on their way (or forged) do not ask Telegram again."""
        message = query.message
        key = (message.chat.id, message.message_id)
        if key in self._keyboards_removed:
            return
        self._keyboards_removed[key] = None
        while len(self._keyboards_removed) > KEYBOARDS_REMEMBERED:
            self._keyboards_removed.pop(next(iter(self._keyboards_removed)))
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except BadRequest as exc:
            log.debug("keyboard not removed: %s", exc)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited message: the customer is asked to write the correction anew."""
        await self._turn(update, context, Inbound(media="edited", customer=_customer(update)))

    async def on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Photos, stickers, voice, documents, locations...: the customer is told what the bot reads."""
        message = update.effective_message
        kind = next((name for name in MEDIA if getattr(message, name, None)), "other")
        await self._turn(update, context, Inbound(media=kind, customer=_customer(update)))

    async def on_support_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The support team writing: commands, and answers relayed to customers."""
        await self.desk.on_group_message(update, context.bot)

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message in a group or channel: not answered; the chat is logged the first time."""
        chat = update.effective_chat
        if chat is not None and chat.id not in self._groups_seen and len(self._groups_seen) < GROUPS_REMEMBERED:
            self._groups_seen.add(chat.id)
            log.info("not answering in %s chat %s (%r)", chat.type, chat.id, chat.title)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one error handler: log without secrets, apologise to the customer in their language."""
        error = context.error
        if isinstance(error, Conflict):
            log.error("another process is polling this bot's token (409 Conflict): only one may run; stopping")
            self.conflict = True
            context.application.stop_running()
            return
        if isinstance(error, InvalidToken):
            log.error("Telegram refused the token: check TELEGRAM_BOT_TOKEN")
            context.application.stop_running()
            return
        if update is None:  # polling errors: the library retries them
            log.warning("while fetching updates: %s: %s", type(error).__name__, error)
            return
        log.error("error while handling update: %s", error, exc_info=error)
        if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
            key = SessionKey(CHANNEL, str(update.effective_chat.id))
            session = Session.from_dict(await asyncio.to_thread(self.store.get, key))
            reply = self.core.dialogue.apology(session, Inbound(customer=_customer(update)))
            await self._send(context, update.effective_chat.id, reply)

    # one turn of the conversation
    async def _turn(self, update: Update, context: ContextTypes.DEFAULT_TYPE, inbound: Inbound, flood: bool = True) -> None:
        chat_id = update.effective_chat.id
        key = SessionKey(CHANNEL, str(chat_id))
        session = Session.from_dict(await asyncio.to_thread(self.store.get, key))
        # An update handled just before a crash, whose inbox entry was not yet marked, comes again after
        # the restart; the session, saved with each turn, knows it was handled, and what of it was not
        # yet delivered.
        if session.handled(update.update_id):
            log.info("update %s was handled before a restart: delivering what was left", update.update_id)
            await self._deliver(context, update, inbound, key, session, replay=True)
            return
        pump = getattr(self, "pump", None)
        if flood and not (pump is not None and update.update_id in pump.backlog):  # what piled up while down is no storm
            verdict = self.flood.check(chat_id)
            if verdict == DROP:
                await asyncio.to_thread(self.store.set, key, session.to_dict())
                return
            if verdict == WARN:
                session.undelivered = [self.core.dialogue.slow_down(session, inbound).to_dict()]
                await asyncio.to_thread(self.store.set, key, session.to_dict())
                await self._deliver(context, update, inbound, key, session)
                return
        if self.desk is not None and await self.desk.tickets.banned(chat_id):
            await asyncio.to_thread(self.store.set, key, session.to_dict())
            return
        # In a thread: a turn may write (a request to the outbox, an unanswered question).
        turn = await asyncio.to_thread(self.core.dialogue.respond, key, session, inbound)
        session.undelivered = [reply.to_dict() for reply in turn.replies]
        session.relay_pending = turn.relay
        # Saved, with its replies, before anything is sent: a restart never forgets where we were or
        # what was still to say.
        await asyncio.to_thread(self.store.set, key, session.to_dict())
        await self._deliver(context, update, inbound, key, session)

    async def _deliver(
        self, context, update: Update, inbound: Inbound, key: SessionKey, session: Session, replay: bool = False
    ) -> None:
        """Send what the turn left to say (and relay), then note it delivered."""
        if not session.undelivered and not session.relay_pending:
            return
        chat_id = update.effective_chat.id
        replies = [Reply.from_dict(r) for r in session.undelivered]
        if session.relay_pending and self.desk is not None and update.effective_message is not None:
            try:
                await self.desk.relay_from_customer(context.bot, update.effective_message, chat_id)
            except GroupUnreachable as exc:  # the customer hears the truth; the conversation goes by mail
                log.error("the support group cannot be reached (%s): the conversation goes to the support mailbox", exc)
                truth = await asyncio.to_thread(self.core.dialogue.handoff_failed, key, session, inbound)
                await self._note(key, flow=session.flow, step=session.step, form=session.form)
                await self._send(context, chat_id, truth)
        await self._note(key, relay_pending=False)
        for reply in replies:
            if reply.handoff and self.desk is not None:
                # The customer is told the team knows only once the ticket is in the group.
                try:
                    await self.desk.open(context.bot, inbound.customer or _customer(update), chat_id, session, replay=replay)
                except GroupUnreachable as exc:
                    log.error("the support group cannot be reached (%s): the conversation goes to the support mailbox", exc)
                    reply = await asyncio.to_thread(self.core.dialogue.handoff_failed, key, session, inbound)
                    await self._note(key, flow=session.flow, step=session.step, form=session.form)
            if not await self._send(context, chat_id, reply):
                break
            # Delivered: after a crash from here on, only the replies still to send go out.
            await asyncio.to_thread(self.store.update, key, _drop_first_undelivered)
        if self.desk is not None and any(r.handback for r in replies):
            await self.desk.customer_left(context.bot, chat_id)
        await self._note(key, undelivered=[], relay_pending=False)

    async def _note(self, key: SessionKey, **fields) -> None:
        """Set a few fields of the stored session, leaving whatever else changed meanwhile."""
        await asyncio.to_thread(self.store.update, key, lambda data: data.update(fields))

    async def _rating(self, update: Update, context: ContextTypes.DEFAULT_TYPE, data: str) -> None:
        """A customer's 1-5 rating of a closed ticket; the buttons go, so it counts once."""
        _, ticket_id, stars = (data.split(":") + ["", ""])[:3]
        rated = ticket_id.isdigit() and stars in ("1", "2", "3", "4", "5") and await self.desk.tickets.rate(
            int(ticket_id), update.effective_chat.id, int(stars)
        )
        if update.callback_query.message is not None and update.callback_query.message.reply_markup:
            await self._remove_keyboard(update.callback_query)
        if not rated:  # someone else's ticket, or rated already: nothing to thank for
            log.info("rating %r from chat %s ignored", data, update.effective_chat.id)
            return
        session = Session.from_dict(await asyncio.to_thread(self.store.get, SessionKey(CHANNEL, str(update.effective_chat.id))))
        lang = session.lang or "it"
        await self._send(context, update.effective_chat.id, Reply(self.core.translator.gettext(lang, THANKS_FOR_RATING)))

    async def _send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply) -> bool:
        """Send one reply (several messages if long); False when the customer cannot be reached."""
        pieces = split_html(to_html(reply))
        rows = keyboard(reply)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(**b) for b in row] for row in rows]) if rows else None
        try:
            for n, piece in enumerate(pieces):
                last = n == len(pieces) - 1
                await with_retries(
                    lambda piece=piece, last=last: context.bot.send_message(
                        chat_id, piece, parse_mode=ParseMode.HTML, reply_markup=markup if last else None
                    )
                )
            if reply.attachment:
                document = InputFile(reply.attachment.content, filename=Path(reply.attachment.filename).name)
                await with_retries(lambda: context.bot.send_document(chat_id, document))
        except Forbidden as exc:
            log.info("chat %s cannot be reached (%s): not retried", chat_id, exc)
            return False
        return True

def _drop_first_undelivered(data: dict) -> None:
    data["undelivered"] = list(data.get("undelivered") or [])[1:]


def _customer(update: Update) -> Customer:
    user = update.effective_user
    if user is None:
        return Customer(id=str(update.effective_chat.id) if update.effective_chat else "")
    return Customer(id=str(user.id), name=user.full_name, username=user.username, language_code=user.language_code)


THANKS_FOR_RATING = N_("Thank you for your rating!")

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


def run(core: Core, webhook: bool = False) -> int:
    """Run the bot until stopped; returns the process exit status."""
    bot = TelegramBot(core)
    return asyncio.run(bot.serve(bot.build(), webhook))
