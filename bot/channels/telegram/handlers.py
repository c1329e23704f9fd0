"""The Telegram channel: python-telegram-bot's handlers around the conversation.

    update ──► gate (group -1: ban, flood; ``gate.py``) ──► handler ──► Inbound (``inbound.py``)
           ──► the turn (``runner.py``): Conversation.respond, its replies and effects saved, then carried
               out and sent (``sender.py``), each noted delivered

Private chats talk to the bot; the support group's commands are CommandHandlers filtered on that chat
(``desk/``); other groups and channels get silence. Outgoing calls go through our rate limiter
(Telegram's limits, a ticket being opened ahead of relays in the group; after a 429 no call goes out until
its ``retry_after`` has passed; ``limiter.py``)
and ``with_retries`` (network errors and 5xx); a customer who blocked the bot is logged and left alone.
Running the bot is ``service.py``.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, Update
from telegram.constants import ChatType
from telegram.error import InvalidToken
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels.delivery import SessionLocks
from bot.channels.telegram.botapi.calls import CountedRequest
from bot.channels.telegram.botapi.limiter import PausingRateLimiter
from bot.channels.telegram.desk.commands import TEAM_COMMANDS, TeamCommands
from bot.channels.telegram.desk.relay import SupportDesk
from bot.channels.telegram.desk.upkeep import TicketUpkeep
from bot.channels.telegram.gate import Gate
from bot.channels.telegram.inbound import CHANNEL, command_of, customer_of, media_of, stray, text_of
from bot.channels.telegram.runner import TurnRunner
from bot.channels.telegram.sender import Sender
from bot.config import Settings
from bot.conversation.router import Conversation
from bot.conversation.texts import Texts
from bot.core.callbacks import RateTicket, decode
from bot.core.flood import FloodGuard
from bot.core.session import Session, SessionKey
from bot.core.types import Inbound, Reply
from bot.i18n import DEFAULT_LANGUAGE, N_, Translator
from bot.metrics import METRICS
from bot.storage import Storage
from bot.storage.db import DatabaseUnavailable
from bot.storage.leases import LeaseLost

__all__ = ["CHANNEL", "TelegramBot"]

log = logging.getLogger(__name__)

GROUPS_REMEMBERED = 1000  # groups whose id was logged once; past that, none more are logged


class TelegramBot:
    """The Application and its handlers, bound to one conversation and one store; the gate, the turn and
    the sending are parts of their own."""

    def __init__(self, settings: Settings, conversation: Conversation, texts: Texts, translator: Translator,
                 store: Storage):
        self.settings, self.conversation, self.texts, self.translator, self.store = (
            settings, conversation, texts, translator, store)
        self.flood = FloodGuard()
        self.backlog: set[int] = set()  # update ids that piled up while the bot was down: no storm
        # Update ids whose turn met an unreachable database: left in the inbox, handled again (the pump's set).
        self.deferred: set[int] = set()
        self._groups_seen: set[int] = set()
        self.locks = SessionLocks()
        self.application: Application | None = None  # made by ``build``
        self.sender = Sender(lambda: self.bot)
        self.desk = (SupportDesk(settings, store, translator, conversation, CHANNEL, self.sender.send, self.locks)
                     if settings.support_chat_id is not None else None)
        self.team = TeamCommands(self.desk) if self.desk is not None else None
        self.upkeep = TicketUpkeep(self.desk) if self.desk is not None else None
        self.gate = Gate(store, conversation, self.desk, self.flood, self.sender,
                         in_backlog=lambda update_id: update_id in self.backlog)
        self.turns = TurnRunner(store, conversation, self.locks, self.sender, lambda: self.bot, self.desk, self.upkeep)

    def build(self, request: BaseRequest | None = None, rate_limits: bool = True) -> Application:
        """The Application; ``request`` replaces the HTTP client (benchmarks), ``rate_limits`` the limiter."""
        settings = self.settings
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token.value)
            .base_url(settings.telegram_base_url)
            .base_file_url(settings.telegram_base_url.replace("/bot", "/file/bot", 1))
        )
        if rate_limits:
            limiter = PausingRateLimiter(overall_max_rate=30, group_max_rate=20, max_retries=5)
            # The builder's type follows its limiter's argument type; one variable for every choice keeps it plain.
            builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        else:  # python-telegram-bot's own clients (pools of 256 and 1), counting the errors by method
            builder = builder.request(CountedRequest(connection_pool_size=256)).get_updates_request(
                CountedRequest(connection_pool_size=1))
        application = self.application = builder.build()
        self._add_customer_handlers(application)
        if self.desk is not None and self.team is not None:
            self._add_team_handlers(application, self.desk, self.team)
        # Other groups and channels get silence; their id is logged once, to help find SUPPORT_CHAT_ID.
        application.add_handler(MessageHandler(~filters.ChatType.PRIVATE, self.on_group))
        application.add_error_handler(self.on_error)
        return application

    def _add_customer_handlers(self, application: Application) -> None:
        private = filters.ChatType.PRIVATE
        application.add_handler(TypeHandler(Update, self.gate), group=-1)
        if self.desk is not None:
            application.add_handler(CallbackQueryHandler(
                self.on_rating, pattern=lambda data: isinstance(decode(str(data)), RateTicket)))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, self.on_edited))
        application.add_handler(MessageHandler(private & filters.COMMAND, self.on_command))
        application.add_handler(MessageHandler(private & filters.TEXT, self.on_text))
        application.add_handler(MessageHandler(private, self.on_media))

    def _add_team_handlers(self, application: Application, desk: SupportDesk,
                           team: TeamCommands) -> None:
        # New messages only: an edited "/close" must not run again.
        group = filters.Chat(self.settings.support_chat_id)
        support = group & filters.UpdateType.MESSAGE
        application.add_handler(CommandHandler(TEAM_COMMANDS, team.on_command, filters=support))
        # Service messages (a pin, a topic renamed by hand) are nobody's words: Telegram cannot copy them.
        application.add_handler(MessageHandler(support & ~filters.StatusUpdate.ALL, desk.on_message))
        application.add_handler(MessageHandler(group & filters.UpdateType.EDITED_MESSAGE, desk.on_edit))
        application.add_handler(ChatMemberHandler(desk.on_member, ChatMemberHandler.CHAT_MEMBER,
                                                  chat_id=self.settings.support_chat_id))

    @property
    def bot(self) -> Bot:
        assert self.application is not None, "the Application is made by build()"
        return self.application.bot

    async def send(self, chat_id: int, reply: Reply) -> bool:
        """Send one reply (several messages if long); False when the customer cannot be reached."""
        return await self.sender.send(chat_id, reply)

    # handlers
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, /help, /language... and unknown commands, which the conversation answers too."""
        await self.turns.run(update, command_of(update))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A question or an answer typed by the customer."""
        await self.turns.run(update, text_of(update))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button pressed: answered at once, its keyboard removed so it cannot act twice."""
        query = update.callback_query
        await self.sender.answer_query(update)
        if query is None or stray(update):
            return
        if query.message is not None and getattr(query.message, "reply_markup", None):
            await self.sender.remove_keyboard(query)
        await self.turns.run(update, Inbound(button=query.data or "", customer=customer_of(update)))

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited message: the customer is asked to write the correction anew."""
        await self.turns.run(update, Inbound(media="edited", customer=customer_of(update)))

    async def on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Photos, stickers, voice, documents, locations...: the customer is told what the bot reads."""
        await self.turns.run(update, Inbound(media=media_of(update.effective_message), customer=customer_of(update)))

    async def on_rating(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A customer's 1-5 rating of a closed ticket; the buttons go, so it counts once."""
        query = update.callback_query
        await self.sender.answer_query(update)
        rating = decode(query.data or "") if query is not None else None
        if query is None or stray(update) or not isinstance(rating, RateTicket) or self.desk is None:
            return
        assert update.effective_chat is not None  # not stray
        chat_id = update.effective_chat.id
        rated = 1 <= rating.stars <= 5 and await self.desk.tickets.rate(rating.ticket, chat_id, rating.stars)
        if query.message is not None and getattr(query.message, "reply_markup", None):
            await self.sender.remove_keyboard(query)
        if not rated:  # someone else's ticket, or rated already: nothing to thank for
            log.info("rating %r from chat %s ignored", query.data, chat_id)
            return
        session = await self._session(chat_id)
        lang = session.lang or DEFAULT_LANGUAGE
        await self.sender.send(chat_id, Reply(self.translator.gettext(lang, THANKS_FOR_RATING)))

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
        if isinstance(error, InvalidToken):  # a 409 never comes here: the poller (polling.py) owns it
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
            chat_id = update.effective_chat.id
            session = await self._session(chat_id)
            await self.sender.send(chat_id, self.conversation.apology(session, Inbound(customer=customer_of(update))))

    async def _session(self, chat_id: int) -> Session:
        return Session.from_dict(await asyncio.to_thread(self.store.get, SessionKey(CHANNEL, str(chat_id))))


THANKS_FOR_RATING = N_("Thank you for your rating!")
