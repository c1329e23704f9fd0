"""The Telegram channel: python-telegram-bot's handlers around the conversation.

    update ──► gate (group -1: ban, flood) ──► handler ──► Inbound ──► Conversation.respond
           ──► session and replies saved ──► replies sent ──► noted delivered

Private chats talk to the bot; the support group's commands are CommandHandlers filtered on that chat
(``support_desk``); other groups and channels get silence. Outgoing calls go through our rate limiter
(Telegram's limits, a ticket being opened ahead of relays in the group; after a 429 no call goes out until
its ``retry_after`` has passed; ``telegram_limiter``)
and ``with_retries`` (network errors and 5xx); a customer who blocked the bot is logged and left alone.
Running the bot is ``telegram_service``.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels.delivery import Delivery, SessionLocks, change_delivery
from bot.channels.telegram.calls import CountedRequest, with_retries
from bot.channels.telegram.desk.commands import TEAM_COMMANDS, TeamCommands
from bot.channels.telegram.desk.relay import GroupUnreachable, SupportDesk
from bot.channels.telegram.desk.upkeep import TicketCare
from bot.channels.telegram.limiter import PausingRateLimiter
from bot.channels.telegram.render import keyboard, split_html, to_html
from bot.channels.turns import handoff_failed_at_once, respond_at_once
from bot.config import Settings
from bot.conversation.router import Conversation
from bot.conversation.texts import Texts
from bot.core.callbacks import RateTicket, decode
from bot.core.flood import DROP, WARN, FloodGuard
from bot.core.session import Session, SessionKey
from bot.core.types import Customer, Inbound, Reply
from bot.i18n import N_, Translator
from bot.metrics import METRICS
from bot.storage import Storage
from bot.storage.db import DatabaseUnavailable
from bot.storage.leases import LeaseLost

log = logging.getLogger(__name__)

CHANNEL = "telegram"
GROUPS_REMEMBERED = 1000  # groups whose id was logged once; past that, none more are logged
KEYBOARDS_REMEMBERED = 10_000
# What a customer may send that is not text, by the Message attribute that holds it.
MEDIA = ("photo", "sticker", "voice", "video", "video_note", "audio", "document", "location", "venue",
         "contact", "animation", "poll", "dice", "game", "story")


class TelegramBot:
    """The handlers and the sending, bound to one conversation and one store."""

    def __init__(self, settings: Settings, conversation: Conversation, texts: Texts, translator: Translator,
                 store: Storage):
        self.settings, self.conversation, self.texts, self.translator, self.store = settings, conversation, texts, translator, store
        self.flood = FloodGuard()
        self.conflict = False
        self.backlog: set[int] = set()  # update ids that piled up while the bot was down: no storm
        # Update ids whose turn met an unreachable database: left in the inbox, handled again (the pump's set).
        self.deferred: set[int] = set()
        self._groups_seen: set[int] = set()
        self._keyboards_removed: dict[tuple[int, int], None] = {}  # oldest first, bounded
        self.locks = SessionLocks()
        self.desk = (SupportDesk(settings, store, translator, conversation, CHANNEL, self.send, self.locks)
                     if settings.support_chat_id is not None else None)
        self.team = TeamCommands(self.desk) if self.desk is not None else None
        self.care = TicketCare(self.desk) if self.desk is not None else None
        self.application: Application | None = None

    def build(self, request: BaseRequest | None = None, rate_limits: bool = True) -> Application:
        """The Application; ``request`` replaces the HTTP client (benchmarks), ``rate_limits`` the limiter."""
        settings = self.settings
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token.value)
            .base_url(settings.telegram_base_url)
            .base_file_url(settings.telegram_base_url.replace("/bot", "/file/bot", 1))
        )
        if rate_limits:
            builder = builder.rate_limiter(PausingRateLimiter(overall_max_rate=30, group_max_rate=20, max_retries=5))
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        else:  # python-telegram-bot's own clients (pools of 256 and 1), counting the errors by method
            builder = builder.request(CountedRequest(connection_pool_size=256)).get_updates_request(
                CountedRequest(connection_pool_size=1))
        application = self.application = builder.build()
        private = filters.ChatType.PRIVATE
        application.add_handler(TypeHandler(Update, self.gate), group=-1)
        if self.desk is not None:
            application.add_handler(CallbackQueryHandler(self.on_rating, pattern=lambda data: isinstance(decode(data), RateTicket)))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, self.on_edited))
        application.add_handler(MessageHandler(private & filters.COMMAND, self.on_command))
        application.add_handler(MessageHandler(private & filters.TEXT, self.on_text))
        application.add_handler(MessageHandler(private, self.on_media))
        if self.desk is not None:
            # New messages only: an edited "/close" must not run again.
            group = filters.Chat(settings.support_chat_id)
            support = group & filters.UpdateType.MESSAGE
            application.add_handler(CommandHandler(TEAM_COMMANDS, self.team.on_command, filters=support))
            # Service messages (a pin, a topic renamed by hand) are nobody's words: Telegram cannot copy them.
            application.add_handler(MessageHandler(support & ~filters.StatusUpdate.ALL, self.desk.on_message))
            application.add_handler(MessageHandler(group & filters.UpdateType.EDITED_MESSAGE, self.desk.on_edit))
            application.add_handler(ChatMemberHandler(self.desk.on_member, ChatMemberHandler.CHAT_MEMBER, chat_id=settings.support_chat_id))
        # Other groups and channels get silence; their id is logged once, to help find SUPPORT_CHAT_ID.
        application.add_handler(MessageHandler(~private, self.on_group))
        application.add_error_handler(self.on_error)
        return application

    @property
    def bot(self) -> Bot:
        return self.application.bot

    # before any handler
    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A banned customer is ignored; a customer sending a storm is told once to slow down, then ignored
        (presses of buttons count like messages). What piled up while the bot was down is no storm."""
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE or update.update_id in self.backlog:
            return
        if self.desk is not None and await self.desk.tickets.banned(chat.id):
            raise ApplicationHandlerStop
        # Counted in the inbox, where every replica sees the same; in memory for an update that came
        # another way (handed to the Application directly).
        verdict = await asyncio.to_thread(self.store.inbox.flood, update.update_id, self.flood.limit, self.flood.window)
        if verdict is None:
            verdict = self.flood.check(chat.id)
        if verdict == DROP:
            raise ApplicationHandlerStop
        if verdict == WARN:
            if update.callback_query is not None:
                await self._answer_query(update)
            session = Session.from_dict(await asyncio.to_thread(self.store.get, SessionKey(CHANNEL, str(chat.id))))
            await self.send(chat.id, self.conversation.slow_down(session, Inbound(customer=_customer(update))))
            raise ApplicationHandlerStop

    # handlers
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, /help, /language... and unknown commands, which the conversation answers too."""
        command, _, args = (update.effective_message.text or "").partition(" ")
        await self._turn(update, Inbound(command=command.lstrip("/").split("@")[0], text=args.strip(),
                                         customer=_customer(update)))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A question or an answer typed by the customer."""
        await self._turn(update, Inbound(text=update.effective_message.text or "", customer=_customer(update)))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button pressed: answered at once, its keyboard removed so it cannot act twice."""
        query = update.callback_query
        await self._answer_query(update)
        if _stray(update):
            return
        if query.message is not None and getattr(query.message, "reply_markup", None):
            await self._remove_keyboard(query)
        await self._turn(update, Inbound(button=query.data or "", customer=_customer(update)))

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited message: the customer is asked to write the correction anew."""
        await self._turn(update, Inbound(media="edited", customer=_customer(update)))

    async def on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Photos, stickers, voice, documents, locations...: the customer is told what the bot reads."""
        message = update.effective_message
        kind = next((name for name in MEDIA if getattr(message, name, None)), "other")
        await self._turn(update, Inbound(media=kind, customer=_customer(update)))

    async def on_rating(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A customer's 1-5 rating of a closed ticket; the buttons go, so it counts once."""
        query = update.callback_query
        await self._answer_query(update)
        rating = decode(query.data or "")
        if _stray(update) or not isinstance(rating, RateTicket):
            return
        chat_id = update.effective_chat.id
        rated = 1 <= rating.stars <= 5 and await self.desk.tickets.rate(rating.ticket, chat_id, rating.stars)
        if query.message is not None and query.message.reply_markup:
            await self._remove_keyboard(query)
        if not rated:  # someone else's ticket, or rated already: nothing to thank for
            log.info("rating %r from chat %s ignored", query.data, chat_id)
            return
        session = Session.from_dict(await asyncio.to_thread(self.store.get, SessionKey(CHANNEL, str(chat_id))))
        lang = session.lang or "it"
        await self.send(chat_id, Reply(self.translator.gettext(lang, THANKS_FOR_RATING)))

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message in a group or channel: not answered; the chat is logged the first time."""
        chat = update.effective_chat
        if chat is not None and chat.id not in self._groups_seen and len(self._groups_seen) < GROUPS_REMEMBERED:
            self._groups_seen.add(chat.id)
            log.info("not answering in %s chat %s (%r)", chat.type, chat.id, chat.title)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one error handler: log without secrets, apologise to the customer in their language."""
        error = context.error
        if isinstance(error, LeaseLost):  # another replica has the chat now, and handles this update again
            log.info("chat lease lost in the middle of a turn: nothing committed, nothing said")
            return
        if isinstance(error, DatabaseUnavailable):
            # Nothing of the turn was committed, or it was and its replies are in the delivery record: the
            # update stays in the inbox and is handled again, here or on another replica. An apology now
            # would come on top of the answer.
            log.warning("the database failed during a turn (%s): the update is handled again later", error)
            if isinstance(update, Update):
                self.deferred.add(update.update_id)
            return
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
        if isinstance(update, Update):
            METRICS.note_outcome(update.update_id, "failed")
        if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
            session = Session.from_dict(await asyncio.to_thread(self.store.get, SessionKey(CHANNEL, str(update.effective_chat.id))))
            await self.send(update.effective_chat.id, self.conversation.apology(session, Inbound(customer=_customer(update))))

    # one turn of the conversation
    async def _turn(self, update: Update, inbound: Inbound) -> None:
        async with self.locks(update.effective_chat.id):  # the team's changes to the session wait for the turn
            stored = await self._respond(update, inbound)
        if stored is not None:
            await self._deliver(update, inbound, *stored)

    async def _respond(self, update: Update, inbound: Inbound):
        key = SessionKey(CHANNEL, str(update.effective_chat.id))
        # In a thread, as one transaction: the session, its delivery record and whatever the turn stores
        # (a request to the outbox, feedback, an unanswered question) commit together or not at all.
        return await asyncio.to_thread(self._respond_at_once, key, update.update_id, inbound)

    def _respond_at_once(self, key: SessionKey, update_id: int, inbound: Inbound):
        return respond_at_once(self.store, self.conversation, key, f"{CHANNEL}:{key.chat_id}:{update_id}", update_id, inbound)

    async def _deliver(self, update: Update, inbound: Inbound, key: SessionKey, session: Session, delivery: Delivery,
                       replay: bool = False) -> None:
        """Send what the turn left to say (and relay), then note it delivered."""
        if not delivery.undelivered and not delivery.relay_pending:
            return
        chat_id = update.effective_chat.id
        replies = [Reply.from_dict(r) for r in delivery.undelivered]
        # A message that opens the ticket (one left out of hours, one reopening it) goes after the ticket.
        opening = any(r.handoff for r in replies)
        if delivery.relay_pending and not opening:
            await self._relay(update, inbound, key, session)
        reachable = True
        for reply in replies:
            if reply.handoff and self.desk is not None:
                # The customer is told the team knows only once the ticket is in the group.
                try:
                    await self.desk.open(self.bot, inbound.customer or _customer(update), chat_id, session, replay=replay)
                except GroupUnreachable as exc:
                    reply, reachable = await self._handoff_failed(exc, key, session, inbound, update.update_id), False
            if not await self.send(chat_id, reply):
                break
            # Delivered: after a crash from here on, only the replies still to send go out.
            await self._note(key, change_delivery(lambda d: d.undelivered.pop(0) if d.undelivered else None))
        if delivery.relay_pending and opening and reachable:
            await self._relay(update, inbound, key, session)
        if self.desk is not None and any(r.handback for r in replies):
            await self.desk.customer_left(self.bot, chat_id)
        if self.care is not None:
            try:  # news for the team: never the customer's trouble
                await self.care.guide_progress(self.bot, chat_id, session)
            except Exception:
                log.exception("the setup guide's progress was not shown to the team")
        await self._note(key, change_delivery(lambda d: (d.undelivered.clear(), setattr(d, "relay_pending", False))))

    async def _relay(self, update: Update, inbound: Inbound, key: SessionKey, session: Session) -> None:
        """The customer's message to their ticket; an unreachable group gets them the truth and the mailbox."""
        if self.desk is not None and update.effective_message is not None:
            try:
                await self.desk.relay_from_customer(self.bot, update.effective_message, update.effective_chat.id)
            except GroupUnreachable as exc:
                await self.send(update.effective_chat.id, await self._handoff_failed(exc, key, session, inbound, update.update_id))
        await self._note(key, change_delivery(lambda d: setattr(d, "relay_pending", False)))

    async def _handoff_failed(self, error: Exception, key: SessionKey, session: Session, inbound: Inbound,
                              update_id: int = 0) -> Reply:
        log.error("the support group cannot be reached (%s): the conversation goes to the support mailbox", error)
        return await asyncio.to_thread(self._handoff_failed_at_once, key, session, inbound, update_id)

    def _handoff_failed_at_once(self, key: SessionKey, session: Session, inbound: Inbound, update_id: int) -> Reply:
        source = f"{CHANNEL}:{key.chat_id}:{update_id}:unreachable"
        return handoff_failed_at_once(self.store, self.conversation, key, source, session, inbound)

    async def _note(self, key: SessionKey, change) -> None:
        """Change the stored record in one step, leaving whatever else changed meanwhile."""
        await asyncio.to_thread(self.store.update, key, change)

    # sending
    async def _answer_query(self, update: Update) -> None:
        try:
            await update.callback_query.answer()
        except BadRequest as exc:  # too old or already answered: the press itself still counts
            log.info("callback query not answered: %s", exc)

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

    async def send(self, chat_id: int, reply: Reply) -> bool:
        """Send one reply (several messages if long); False when the customer cannot be reached."""
        pieces = split_html(to_html(reply))
        rows = keyboard(reply)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(**b) for b in row] for row in rows]) if rows else None
        try:
            for n, piece in enumerate(pieces):
                last = n == len(pieces) - 1
                await with_retries(lambda piece=piece, last=last: self.bot.send_message(
                    chat_id, piece, parse_mode=ParseMode.HTML, reply_markup=markup if last else None))
            if reply.attachment:
                document = InputFile(reply.attachment.content, filename=Path(reply.attachment.filename).name)
                await with_retries(lambda: self.bot.send_document(chat_id, document))
        except Forbidden as exc:
            log.info("chat %s cannot be reached (%s): not retried", chat_id, exc)
            return False
        METRICS.reply_sent()
        return True


def _stray(update: Update) -> bool:
    """A press with no data, from an inline message (no chat) or outside a private chat: answered, ignored."""
    query, chat = update.callback_query, update.effective_chat
    if query.data and chat is not None and chat.type == ChatType.PRIVATE:
        return False
    log.info("a button press with no data or no private chat ignored")
    return True


def _customer(update: Update) -> Customer:
    user = update.effective_user
    if user is None:
        return Customer(id=str(update.effective_chat.id) if update.effective_chat else "")
    return Customer(id=str(user.id), name=user.full_name, username=user.username, language_code=user.language_code)


THANKS_FOR_RATING = N_("Thank you for your rating!")
