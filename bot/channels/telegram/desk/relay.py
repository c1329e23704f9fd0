"""The support group: customers handed to a person, and the team's answers relayed back.

In a forum supergroup each customer gets a topic (created once, reused when the ticket reopens); in a
plain group a header message opens each ticket and the team answers by replying to the customer's
relayed messages. The team first sees who the customer is and the last turns with the bot. Messages are
copied both ways (copyMessage: agents stay anonymous), and each copy in the group is linked to its
ticket in SQLite, with its copy, so that an edit corrects the copy. A message of the team starting with
"//" is an internal note, never relayed. The topic's title shows the ticket's state and who took it;
the topic closes and reopens with the ticket. The team's commands are ``support_commands``.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.channels.delivery import SessionLocks, change_session
from bot.channels.telegram.calls import with_retries
from bot.channels.telegram.desk.team import GROUP_RETRY_SECONDS, TeamMembers
from bot.channels.telegram.desk.topics import TopicStates
from bot.channels.telegram.limiter import first_in_group
from bot.channels.telegram.render import split_html
from bot.channels.threads import InThreads
from bot.config import Settings
from bot.conversation.router import Conversation
from bot.core.session import Session, SessionKey
from bot.core.types import Customer, Reply
from bot.desk.names import shown_name
from bot.flows import handoff
from bot.flows.setup import SetupFlow, SetupState
from bot.i18n import N_, Translator
from bot.storage import Storage
from bot.storage.tickets import ALREADY_OPEN, IN, NEW, OPEN, OUT, REOPENED, Ticket

log = logging.getLogger(__name__)

TEAM_LANGUAGE = "it"
NOTE_PREFIX = "//"
LANGUAGE_NAMES = {"it": "🇮🇹 italiano", "en": "🇬🇧 English"}
NOTICE_AFTER = 1.0  # seconds a customer asking for a person waits for the ticket before hearing it is coming
TELLING_THE_TEAM = N_("One moment: I'm letting our support team know…")


class GroupUnreachable(Exception):
    """The support group cannot take a ticket: the bot was removed, or Telegram keeps failing."""


def _for_another_bot(bot: Bot, message: Message) -> bool:
    """A command addressed to another bot of the group ("/close@other_bot")."""
    text = message.text or ""
    addressee = text.split()[0].partition("@")[2] if text.startswith("/") else ""
    return bool(addressee) and addressee.lower() != (bot.username or "").lower()


def _topic_gone(error: BadRequest) -> bool:
    return "thread not found" in str(error).lower() or "topic_id_invalid" in str(error).lower()


class SupportDesk(TopicStates, TeamMembers):
    def __init__(self, settings: Settings, store: Storage, translator: Translator, conversation: Conversation,
                 channel: str, send: Callable[[int, Reply], Awaitable[bool]], locks: SessionLocks):
        self.settings, self.translator, self.conversation, self.channel = settings, translator, conversation, channel
        self.send = send  # a reply to a customer, rendered by the channel
        self.locks = locks
        self.tickets = InThreads(store.tickets)
        self._store = InThreads(store)
        self._outbox = InThreads(store.outbox)
        self.chat_id = settings.support_chat_id
        self._forum: bool | None = None
        self._topic_lock = asyncio.Lock()
        TeamMembers.__init__(self)

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
        Raises GroupUnreachable when the ticket cannot be put in the group (the ticket is then closed).

        Its posts go ahead of the relays waiting for the group's 20 a minute; still, when the group is
        busy the customer is told at once that the team is being told (the caller confirms it after)."""
        with first_in_group():  # the task started here inherits the priority
            opening = asyncio.ensure_future(self._open(bot, customer, chat_id, session, replay))
        try:
            done, _ = await asyncio.wait({opening}, timeout=NOTICE_AFTER)
            if not done:
                log.info("the support group is busy: customer %s told the team is being told", chat_id)
                await self.send(chat_id, Reply(self._tc(session.lang or "it", TELLING_THE_TEAM)))
            return await opening
        except BaseException:
            opening.cancel()
            raise

    async def _open(self, bot: Bot, customer: Customer, chat_id: int, session: Session, replay: bool) -> Ticket:
        ticket, how = await self.tickets.open(chat_id, customer.name or str(chat_id), customer.username, session.lang or "it")
        if how != ALREADY_OPEN:
            await self.tickets.set_reason(ticket.id, session.last_article)
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
                    work = await self.tickets.work(ticket.id)
                    if work.topic_closed or work.title is None:  # closed, or from before topics were followed
                        await with_retries(lambda: bot.reopen_forum_topic(self.chat_id, ticket.topic_id), "reopening a topic")
                        await self.tickets.set_topic_closed(ticket.id, False)
                except BadRequest as exc:
                    if "not_modified" in str(exc).lower():  # a topic that was never closed: nothing to do
                        await self.tickets.set_topic_closed(ticket.id, False)
                    elif not _topic_gone(exc):
                        raise
                    else:
                        ticket = await self._new_topic(bot, ticket)
                await self.retitle(bot, ticket)
            header = await self._post(bot, ticket, await self._header(ticket, customer, session, how == NEW))
        except TelegramError as exc:  # 403, 5xx past the retries, a 429 past the limiter's, a migrated chat
            await self.tickets.close(ticket.id)
            raise GroupUnreachable(str(exc)) from exc
        await self.tickets.link(header.message_id, ticket.id)
        return ticket

    async def _new_topic(self, bot: Bot, ticket: Ticket) -> Ticket:
        name = await self._title(ticket)
        topic = await with_retries(lambda: bot.create_forum_topic(self.chat_id, name), "creating a topic",
                                   seconds=GROUP_RETRY_SECONDS)
        await self.tickets.set_topic(ticket.id, topic.message_thread_id)
        await self.tickets.set_title(ticket.id, name)
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
        key, session = await self.customer_session(ticket)
        customer = Customer(id=str(ticket.customer_chat), name=ticket.name, username=ticket.username)
        await self._post(bot, ticket, await self._header(ticket, customer, session, False))
        return ticket, await with_retries(lambda: call(ticket), "posting to the support group")

    async def _header(self, ticket: Ticket, customer: Customer, session: Session, new: bool) -> str:
        e = html.escape
        title = self._t("New ticket") if new else self._t("Ticket reopened")
        turns = self._t("Last turns with the bot")
        lines = [
            f"<b>{e(title)} #{ticket.id}</b>",
            f"{e(shown_name(customer.name))} (@{e(shown_name(customer.username))}, id <code>{e(customer.id)}</code>), "
            f"{LANGUAGE_NAMES.get(ticket.lang, ticket.lang)}",
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
        if message.edit_date:
            await self._customer_edited(bot, ticket, message)
            return
        try:
            ticket, copy = await self._in_topic(bot, ticket, lambda t: bot.copy_message(
                self.chat_id, chat_id, message.message_id, message_thread_id=t.topic_id))
        except BadRequest as exc:  # this one message cannot be copied (a quiz, an invoice...): the team hears so
            log.warning("a message of ticket #%s cannot be copied to the group: %s", ticket.id, exc)
            try:
                notice = await self._post(bot, ticket, html.escape(self._t("⚠️ The customer sent something that cannot be shown here.")))
                await self.tickets.link(notice.message_id, ticket.id)
            except TelegramError:
                pass
            return
        except TelegramError as exc:
            await self.tickets.close(ticket.id)
            raise GroupUnreachable(str(exc)) from exc
        await self.tickets.link(copy.message_id, ticket.id)
        await self.tickets.copied(ticket.id, IN, message.message_id, copy.message_id)
        await self.tickets.customer_wrote(ticket.id)
        await self.retitle(bot, ticket)

    async def _customer_edited(self, bot: Bot, ticket: Ticket, message: Message) -> None:
        """A customer's edit shows in the topic as an edit of the message it replaces (a reply to its copy)."""
        copy = await self.tickets.copy_of(ticket.id, IN, message.message_id)
        text = html.escape(self._t("✏️ The customer edited this message:")) + "\n" + html.escape(
            message.text or message.caption or "")
        try:
            ticket, posted = await self._in_topic(bot, ticket, lambda t: bot.send_message(
                self.chat_id, text, parse_mode=ParseMode.HTML, message_thread_id=t.topic_id,
                reply_to_message_id=copy, allow_sending_without_reply=True))
        except TelegramError as exc:
            log.warning("a customer's edit in ticket #%s did not reach the group: %s", ticket.id, exc)
            return
        await self.tickets.link(posted.message_id, ticket.id)
        await self.tickets.customer_wrote(ticket.id)

    async def customer_left(self, bot: Bot, chat_id: int) -> None:
        ticket = await self.tickets.latest(chat_id)
        if ticket and ticket.state == OPEN and await self.tickets.close(ticket.id):  # only the closer tells the team
            try:
                await self._in_topic(bot, ticket, lambda t: self._post(bot, t, html.escape(
                    self._t("The customer went back to the bot: ticket #{n} closed.").format(n=ticket.id))))
            except (BadRequest, Forbidden, NetworkError) as exc:
                log.error("the support group could not be told that ticket #%s closed: %s", ticket.id, exc)
            await self.topic_closed(bot, await self.tickets.get(ticket.id))

    # the team's side
    async def ticket_of(self, message: Message) -> Ticket | None:
        if message.is_topic_message and message.message_thread_id:
            ticket = await self.tickets.by_topic(message.message_thread_id)
            if ticket:
                return ticket
        reply = message.reply_to_message
        if reply is not None and not (reply.forum_topic_created and message.is_topic_message):
            return await self.tickets.by_support_message(reply.message_id)
        return None

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything else the team writes in the group: inside a ticket it goes to the customer."""
        message, bot = update.effective_message, context.bot
        if message is None or _for_another_bot(bot, message) or not await self.from_team(bot, message):
            return
        ticket = await self.ticket_of(message)
        if ticket is None:
            return  # the team talking among themselves
        if (message.text or message.caption or "").startswith(NOTE_PREFIX):
            await self._say(bot, message, self._t("📝 Internal note: not sent to the customer."))
            return
        if ticket.state != OPEN:
            await self._say(bot, message, self._t("This ticket is closed: /reopen it to write to the customer."))
            return
        try:
            if self.settings.support_sign_replies and message.from_user:
                key, session = await self.customer_session(ticket)
                signature = self._tc(session.lang or ticket.lang, "{name} from our team:").format(name=shown_name(message.from_user.first_name))
                await with_retries(lambda: bot.send_message(ticket.customer_chat, signature))
            copy = await with_retries(lambda: bot.copy_message(ticket.customer_chat, self.chat_id, message.message_id))
        except Forbidden:
            await self._say(bot, message, self._t("⚠️ Not delivered: the customer has blocked the bot."))
            return
        except TelegramError as exc:
            await self._say(bot, message, self._t("⚠️ Not delivered: {error}").format(error=exc.message))
            return
        await self.tickets.link(message.message_id, ticket.id)
        await self.tickets.copied(ticket.id, OUT, message.message_id, copy.message_id)
        await self.tickets.team_answered(ticket.id)
        await self.change_customer(ticket, handoff.team_answered)
        await self.retitle(bot, ticket)

    async def on_edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A team member edited a message: the customer's copy is corrected in place (text or caption);
        a message edited into a note is taken back from the customer."""
        message, bot = update.effective_message, context.bot
        if message is None or not await self.from_team(bot, message, tell=False):
            return
        ticket = await self.ticket_of(message)
        copy = await self.tickets.copy_of(ticket.id, OUT, message.message_id) if ticket else None
        if ticket is None or copy is None:
            return
        try:
            if (message.text or message.caption or "").startswith(NOTE_PREFIX):
                await with_retries(lambda: bot.delete_message(ticket.customer_chat, copy))
            elif message.text is not None:
                await with_retries(lambda: bot.edit_message_text(message.text, ticket.customer_chat, copy,
                                                                 entities=message.entities))
            else:
                await with_retries(lambda: bot.edit_message_caption(ticket.customer_chat, copy, caption=message.caption or "",
                                                                    caption_entities=message.caption_entities))
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                await self._say(bot, message, self._t("⚠️ The customer still sees the old version: {error}").format(error=exc.message))
        except TelegramError as exc:
            log.warning("an edit in ticket #%s did not reach the customer: %s", ticket.id, exc)

    # what the bot does for the team in the customer's chat
    async def change_customer(self, ticket: Ticket, change):
        """Run ``change(session)`` on the ticket customer's stored session, in one step and never in the
        middle of their turn; returns its result."""
        result = []
        async with self.locks(ticket.customer_chat):
            await self._store.update(SessionKey(self.channel, str(ticket.customer_chat)),
                                     change_session(lambda s: result.append(change(s))))
        return result[0]

    async def _say(self, bot: Bot, message: Message, text: str, as_html: bool = False) -> None:
        """A reply to the team (plain text, or HTML with ``as_html``), in as many messages as Telegram's
        length limit needs (/tickets can be long)."""
        for piece in split_html(text if as_html else html.escape(text)):
            await with_retries(lambda piece=piece: bot.send_message(
                self.chat_id, piece, parse_mode=ParseMode.HTML, reply_to_message_id=message.message_id,
                message_thread_id=message.message_thread_id if message.is_topic_message else None,
                allow_sending_without_reply=True), "answering the team", seconds=GROUP_RETRY_SECONDS)

    async def customer_session(self, ticket: Ticket) -> tuple[SessionKey, Session]:
        key = SessionKey(self.channel, str(ticket.customer_chat))
        return key, Session.from_dict(await self._store.get(key))
