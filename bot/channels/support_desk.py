"""The support group: customers handed to a person, and the team's answers relayed back.

In a forum supergroup each customer gets a topic (created once, reused when the ticket reopens); in a
plain group a header message opens each ticket and the team answers by replying to the customer's
relayed messages. The team first sees who the customer is and the last turns with the bot. Messages are
copied both ways (copyMessage: agents stay anonymous), and each copy in the group is linked to its
ticket in SQLite. Team commands work only inside the support group (CommandHandlers filtered on it):
/close, /reopen, /tickets, /ban, /unban; only the team may use them.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.channels.delivery import change_session
from bot.channels.telegram_calls import with_retries
from bot.channels.telegram_render import MAX_TOPIC_NAME, fit, split_html, utf16_length
from bot.config import Settings
from bot.conversation.router import Conversation
from bot.core.callbacks import RateTicket, encode
from bot.core.session import Session, SessionKey
from bot.core.types import Customer
from bot.flows.handoff import HandoffFlow, HandoffState
from bot.flows.setup import SetupFlow, SetupState
from bot.i18n import Translator
from bot.store import SQLiteStore
from bot.tickets import ALREADY_OPEN, NEW, OPEN, REOPENED, Ticket

log = logging.getLogger(__name__)

TEAM_LANGUAGE = "it"
TEAM_COMMANDS = ("tickets", "close", "reopen", "ban", "unban")
ADMINS_TTL = 300.0
# How long a customer waiting for a person waits while the group fails, before their conversation goes
# to the support mailbox instead.
GROUP_RETRY_SECONDS = 20.0
_LANGUAGE_NAMES = {"it": "🇮🇹 italiano", "en": "🇬🇧 English"}


class _InThreads:
    """The storage object's methods, awaited in a thread: storage never blocks the event loop."""

    def __init__(self, target):
        self._target = target

    def __getattr__(self, name: str):
        method = getattr(self._target, name)

        async def call(*args, **kwargs):
            return await asyncio.to_thread(method, *args, **kwargs)

        return call


class GroupUnreachable(Exception):
    """The support group cannot take a ticket: the bot was removed, or Telegram keeps failing."""


def _for_another_bot(bot: Bot, message: Message) -> bool:
    """A command addressed to another bot of the group ("/close@other_bot")."""
    text = message.text or ""
    if not text.startswith("/"):
        return False
    addressee = text.split()[0].partition("@")[2]
    return bool(addressee) and addressee.lower() != (bot.username or "").lower()


def _topic_gone(error: BadRequest) -> bool:
    return "thread not found" in str(error).lower() or "topic_id_invalid" in str(error).lower()


class SupportDesk:
    def __init__(self, settings: Settings, store: SQLiteStore, translator: Translator, conversation: Conversation,
                 channel: str):
        self.settings, self.translator, self.conversation, self.channel = settings, translator, conversation, channel
        self.tickets = _InThreads(store.tickets)
        self._store = _InThreads(store)
        self._outbox = _InThreads(store.outbox)
        self.chat_id = settings.support_chat_id
        self._commands = {"close": self._close, "reopen": self._reopen, "ban": self._ban, "unban": self._unban}
        self._forum: bool | None = None
        self._admins: set[int] | None = None
        self._admins_at = 0.0

    def _t(self, message: str) -> str:
        return self.translator.gettext(TEAM_LANGUAGE, message)

    def _tc(self, lang: str, message: str) -> str:
        return self.translator.gettext(lang, message)

    async def is_forum(self, bot: Bot) -> bool:
        if self._forum is None:
            try:
                self._forum = bool((await bot.get_chat(self.chat_id)).is_forum)
            except (BadRequest, Forbidden) as exc:
                log.error("the support group %s cannot be reached: %s", self.chat_id, exc)
                return False
        return self._forum

    # the customer's side
    async def open(self, bot: Bot, customer: Customer, chat_id: int, session: Session, replay: bool = False) -> Ticket:
        """Open (or reopen) the customer's ticket and show the team who they are and what they did.
        ``replay``: the same request again after a restart; an open ticket is then left as it is.
        Raises GroupUnreachable when the ticket cannot be put in the group (the ticket is then closed)."""
        ticket, how = await self.tickets.open(chat_id, customer.name or str(chat_id), customer.username, session.lang or "it")
        try:
            forum = await self.is_forum(bot)
            if replay and how == ALREADY_OPEN:
                if await self.tickets.has_messages(ticket.id) and (not forum or ticket.topic_id is not None):
                    return ticket
                how = NEW  # a crash came before its topic or header were in the group: put them there now
            if forum and ticket.topic_id is None:
                ticket = await self._new_topic(bot, ticket)
            elif forum and how == REOPENED:
                try:
                    await with_retries(lambda: bot.reopen_forum_topic(self.chat_id, ticket.topic_id), "reopening a topic")
                except BadRequest as exc:
                    if not _topic_gone(exc):
                        raise
                    ticket = await self._new_topic(bot, ticket)
            header = await self._post(bot, ticket, await self._header(ticket, customer, session, how == NEW))
        except TelegramError as exc:  # 403, 5xx past the retries, a 429 past the limiter's, a migrated chat
            await self.tickets.close(ticket.id)
            raise GroupUnreachable(str(exc)) from exc
        await self.tickets.link(header.message_id, ticket.id)
        return ticket

    async def _new_topic(self, bot: Bot, ticket: Ticket) -> Ticket:
        name = fit(f"#{ticket.id} {ticket.name}", MAX_TOPIC_NAME - utf16_length(f" ({ticket.lang})")) + f" ({ticket.lang})"
        topic = await with_retries(lambda: bot.create_forum_topic(self.chat_id, name), "creating a topic",
                                   seconds=GROUP_RETRY_SECONDS)
        await self.tickets.set_topic(ticket.id, topic.message_thread_id)
        return await self.tickets.get(ticket.id)

    async def _in_topic(self, bot: Bot, ticket: Ticket, call) -> tuple[Ticket, object]:
        """``call(ticket)`` into the ticket's topic; a topic the team deleted is made again, with the
        customer's header, and the call goes through there. A ticket with no topic yet (a crash while
        it was being made) gets one first: nothing of a customer lands in the group's General."""
        if ticket.topic_id is None and await self.is_forum(bot):
            ticket = await self._new_topic(bot, ticket)
        try:
            return ticket, await with_retries(lambda: call(ticket), "posting to the support group")
        except BadRequest as exc:
            if not _topic_gone(exc) or ticket.topic_id is None:
                raise
        log.warning("the topic of ticket #%s was deleted: making it again", ticket.id)
        ticket = await self._new_topic(bot, ticket)
        key, session = await self._customer_session(ticket)
        customer = Customer(id=str(ticket.customer_chat), name=ticket.name, username=ticket.username)
        await self._post(bot, ticket, await self._header(ticket, customer, session, False))
        return ticket, await with_retries(lambda: call(ticket), "posting to the support group")

    async def _header(self, ticket: Ticket, customer: Customer, session: Session, new: bool) -> str:
        e = html.escape
        title = self._t("New ticket") if new else self._t("Ticket reopened")
        turns = self._t("Last turns with the bot")
        lines = [
            f"<b>{e(title)} #{ticket.id}</b>",
            f"{e(customer.name or '-')} (@{e(customer.username or '-')}, id <code>{e(customer.id)}</code>), "
            f"{_LANGUAGE_NAMES.get(ticket.lang, ticket.lang)}",
        ]
        frame = session.frame(SetupFlow.name)
        guide = SetupState.from_dict(frame["state"]) if frame else SetupState()
        doing = [guide.client, guide.protocol, session.email]
        if any(doing):
            lines.append(e(self._t("Context: {what}").format(what=", ".join(str(d) for d in doing if d))))
        references = [r.reference for r in await self._outbox.of_customer(f"{self.channel}:{ticket.customer_chat}")]
        if references:
            lines.append(e(self._t("Requests: {references}").format(references=", ".join(references[-3:]))))
        lines.append("")
        lines.append(f"<b>{e(turns)}</b>")
        who = {"customer": "👤", "bot": "🤖"}
        for speaker, text in session.history[-10:]:
            lines.append(f"{who.get(speaker, speaker)} {e(text)}")
        if not new or (await self.tickets.get(ticket.id)).topic_id is None:
            lines.append("")
            lines.append(e(self._t("Reply to the customer's messages to answer them; /close when done.")))
        return "\n".join(lines)

    async def _post(self, bot: Bot, ticket: Ticket, text_html: str) -> Message:
        """Post to the ticket's topic (or the plain group); raises what Telegram says after retries."""
        message = None
        for piece in split_html(text_html):
            message = await with_retries(lambda piece=piece: bot.send_message(
                self.chat_id, piece, parse_mode=ParseMode.HTML, message_thread_id=ticket.topic_id), "posting to the support group",
                seconds=GROUP_RETRY_SECONDS)
        return message

    async def relay_from_customer(self, bot: Bot, message: Message, chat_id: int) -> None:
        """Copy a customer's message into their ticket's topic (or the group); raises GroupUnreachable
        (the ticket then closed) when the group cannot take it."""
        ticket = await self.tickets.latest(chat_id)
        if ticket is None or ticket.state != OPEN:
            return
        try:
            ticket, copy = await self._in_topic(bot, ticket, lambda t: bot.copy_message(
                self.chat_id, chat_id, message.message_id, message_thread_id=t.topic_id))
        except BadRequest as exc:  # this one message cannot be copied (a quiz, an invoice...): the team hears so
            log.warning("a message of ticket #%s cannot be copied to the group: %s", ticket.id, exc)
            try:
                await self._post(bot, ticket, html.escape(self._t("⚠️ The customer sent something that cannot be shown here.")))
            except TelegramError:
                pass
            return
        except TelegramError as exc:
            await self.tickets.close(ticket.id)
            raise GroupUnreachable(str(exc)) from exc
        await self.tickets.link(copy.message_id, ticket.id)
        await self.tickets.customer_wrote(ticket.id)

    async def customer_left(self, bot: Bot, chat_id: int) -> None:
        ticket = await self.tickets.latest(chat_id)
        if ticket and ticket.state == OPEN:
            await self.tickets.close(ticket.id)
            try:
                await self._in_topic(bot, ticket, lambda t: self._post(bot, t, html.escape(
                    self._t("The customer went back to the bot: ticket #{n} closed.").format(n=ticket.id))))
            except (BadRequest, Forbidden, NetworkError) as exc:
                log.error("the support group could not be told that ticket #%s closed: %s", ticket.id, exc)

    # the team's side
    async def _ticket_of(self, message: Message) -> Ticket | None:
        if message.is_topic_message and message.message_thread_id:
            ticket = await self.tickets.by_topic(message.message_thread_id)
            if ticket:
                return ticket
        reply = message.reply_to_message
        if reply is not None and not (reply.forum_topic_created and message.is_topic_message):
            return await self.tickets.by_support_message(reply.message_id)
        return None

    async def is_team(self, bot: Bot, message: Message) -> bool:
        """Whether the sender may act for the team: an administrator of the group (anonymous ones post as
        the group itself) or one of SUPPORT_STAFF_IDS. Administrators are asked again every few minutes."""
        if message.sender_chat is not None:
            return message.sender_chat.id == self.chat_id
        user = message.from_user
        if user is None or user.is_bot:
            return False
        if user.id in self.settings.support_staff_ids:
            return True
        if self._admins is None or time.monotonic() - self._admins_at > ADMINS_TTL:
            try:
                admins = await with_retries(lambda: bot.get_chat_administrators(self.chat_id), "reading the administrators",
                                            seconds=GROUP_RETRY_SECONDS)
                self._admins = {member.user.id for member in admins}
                self._admins_at = time.monotonic()
            except TelegramError as exc:  # the last list known, if any, stands in for it
                log.warning("cannot read the support group's administrators: %s", exc)
                if self._admins is None:
                    return False
        return user.id in self._admins

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A team command (a CommandHandler on the support group): /tickets anywhere, the others inside a
        customer's topic or as a reply to their message."""
        message, bot = update.effective_message, context.bot
        if message is None or not await self._from_team(bot, message):
            return
        name = message.text.split()[0][1:].split("@", 1)[0].lower()
        if name == "tickets":
            await self._list(bot, message)
            return
        ticket = await self._ticket_of(message)
        if ticket is None:
            await self._say(bot, message, self._t("Use this command inside a customer's topic, or as a reply to their message."))
            return
        await self._commands[name](bot, message, ticket)

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything else the team writes in the group: inside a ticket it goes to the customer."""
        message, bot = update.effective_message, context.bot
        if message is None or not await self._from_team(bot, message) or _for_another_bot(bot, message):
            return
        ticket = await self._ticket_of(message)
        if ticket is None:
            return  # the team talking among themselves
        if ticket.state != OPEN:
            await self._say(bot, message, self._t("This ticket is closed: /reopen it to write to the customer."))
            return
        try:
            if self.settings.support_sign_replies and message.from_user:
                key, session = await self._customer_session(ticket)
                signature = self._tc(session.lang or ticket.lang, "{name} from our team:").format(name=message.from_user.first_name)
                await with_retries(lambda: bot.send_message(ticket.customer_chat, signature))
            await with_retries(lambda: bot.copy_message(ticket.customer_chat, self.chat_id, message.message_id))
        except Forbidden:
            await self._say(bot, message, self._t("⚠️ Not delivered: the customer has blocked the bot."))
            return
        except TelegramError as exc:
            await self._say(bot, message, self._t("⚠️ Not delivered: {error}").format(error=exc.message))
            return
        await self.tickets.team_answered(ticket.id)

    async def _from_team(self, bot: Bot, message: Message) -> bool:
        if await self.is_team(bot, message):
            return True
        user = message.from_user
        log.info("support group: ignoring a message from %s, who is not on the team", user.id if user else message.sender_chat)
        return False

    async def _say(self, bot: Bot, message: Message, text: str) -> None:
        """A reply to the team, in as many messages as Telegram's length limit needs (/tickets can be long)."""
        for piece in split_html(text):
            await bot.send_message(self.chat_id, piece, message_thread_id=message.message_thread_id if message.is_topic_message else None,
                                   reply_to_message_id=message.message_id)

    async def _customer_session(self, ticket: Ticket) -> tuple[SessionKey, Session]:
        key = SessionKey(self.channel, str(ticket.customer_chat))
        return key, Session.from_dict(await self._store.get(key))

    async def _close(self, bot: Bot, message: Message, ticket: Ticket) -> None:
        await self.tickets.close(ticket.id)
        key, session = await self._customer_session(ticket)
        await self._store.update(key, change_session(lambda s: s.leave(HandoffFlow.name)))
        lang = session.lang or ticket.lang
        rating = InlineKeyboardMarkup([[InlineKeyboardButton(str(n) + "⭐", callback_data=encode(RateTicket(ticket.id, n)))
                                        for n in range(1, 6)]])
        try:
            await bot.send_message(ticket.customer_chat, self._tc(lang, "Our team has closed this conversation. How would you rate the help you got, from 1 to 5? I'm here again for your questions."),
                                   reply_markup=rating)
        except Forbidden:
            pass
        if ticket.topic_id:
            try:
                await bot.close_forum_topic(self.chat_id, ticket.topic_id)
            except BadRequest:
                pass
        await self._say(bot, message, self._t("✅ Ticket #{n} closed.").format(n=ticket.id))

    async def _reopen(self, bot: Bot, message: Message, ticket: Ticket) -> None:
        await self.tickets.reopen(ticket.id)
        key, session = await self._customer_session(ticket)
        await self._store.update(key, change_session(lambda s: s.push(HandoffFlow.name, HandoffState().to_dict())))
        try:
            await bot.send_message(ticket.customer_chat, self._tc(session.lang or ticket.lang, "Our team has reopened your conversation: a person will answer you here."))
        except Forbidden:
            pass
        await self._say(bot, message, self._t("Ticket #{n} reopened.").format(n=ticket.id))

    async def _ban(self, bot: Bot, message: Message, ticket: Ticket) -> None:
        await self.tickets.ban(ticket.customer_chat)
        await self.tickets.close(ticket.id)
        key, _session = await self._customer_session(ticket)
        await self._store.update(key, change_session(lambda s: s.leave(HandoffFlow.name)))
        await self._say(bot, message, self._t("🚫 The customer of ticket #{n} is banned: their messages are ignored.").format(n=ticket.id))

    async def _unban(self, bot: Bot, message: Message, ticket: Ticket) -> None:
        await self.tickets.unban(ticket.customer_chat)
        await self._say(bot, message, self._t("The customer of ticket #{n} can write again.").format(n=ticket.id))

    async def _list(self, bot: Bot, message: Message) -> None:
        tickets = await self.tickets.open_tickets()
        if not tickets:
            await self._say(bot, message, self._t("No open tickets."))
            return
        now = time.time()
        lines = [self._t("Open tickets:")]
        for t in tickets:
            waiting = self._t("waiting for {minutes} min").format(minutes=int((now - t.waiting_since) // 60)) if t.waiting_since else self._t("answered")
            lines.append(f"#{t.id} {t.name} (@{t.username or '-'}), {waiting}")
        await self._say(bot, message, "\n".join(lines))
