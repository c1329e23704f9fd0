"""What the team writes in a ticket's topic (or in reply to a customer's relayed message), relayed to
the customer: copied (the agents stay anonymous, or signed with SUPPORT_SIGN_REPLIES), an edit
correcting the customer's copy in place, and a message starting with "//" kept as an internal note."""

from __future__ import annotations

import asyncio
import functools
import logging

from telegram import Bot, Message, MessageId, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.channels.telegram.botapi.calls import with_retries
from bot.channels.telegram.desk.customers import CustomerSessions
from bot.channels.telegram.desk.group import SupportGroup, for_another_bot
from bot.channels.telegram.desk.team import TeamMembers
from bot.channels.telegram.desk.topics import Topics
from bot.desk.names import shown_name
from bot.flows import handoff
from bot.storage.interfaces import TicketStore
from bot.storage.tickets import OPEN, OUT, Ticket

log = logging.getLogger(__name__)

NOTE_PREFIX = "//"


def is_note(message: Message) -> bool:
    """An internal note of the team: never relayed."""
    return (message.text or message.caption or "").startswith(NOTE_PREFIX)


class TeamRelay:
    """The team's side of a ticket, towards the customer."""

    def __init__(self, group: SupportGroup, tickets: TicketStore, topics: Topics, members: TeamMembers,
                 sessions: CustomerSessions, sign_replies: bool):
        self.group, self.tickets, self.topics, self.members = group, tickets, topics, members
        self.sessions, self.sign_replies = sessions, sign_replies

    def _t(self, message: str) -> str:
        return self.group.team_text(message)

    def _tc(self, lang: str, message: str) -> str:
        return self.group.customer_text(lang, message)

    async def ticket_of(self, message: Message) -> Ticket | None:
        """The ticket a message of the group is about: its topic's, or the one of the message it replies to."""
        if message.is_topic_message and message.message_thread_id:
            ticket = await asyncio.to_thread(self.tickets.lifecycle.by_topic, message.message_thread_id)
            if ticket:
                return ticket
        reply = message.reply_to_message
        if reply is not None and not (reply.forum_topic_created and message.is_topic_message):
            return await asyncio.to_thread(self.tickets.links.ticket_of, reply.message_id)
        return None

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything else the team writes in the group: inside a ticket it goes to the customer."""
        message, bot = update.effective_message, context.bot
        if message is None or for_another_bot(bot, message) or not await self.members.from_team(bot, message):
            return
        ticket = await self.ticket_of(message)
        if ticket is None:
            return  # the team talking among themselves
        if is_note(message):
            await self.group.say(bot, message, self._t("📝 Internal note: not sent to the customer."))
            return
        if ticket.state != OPEN:
            await self.group.say(bot, message, self._t("This ticket is closed: /reopen it to write to the customer."))
            return
        try:
            copy = await self._deliver(bot, message, ticket)
        except Forbidden:
            await self.group.say(bot, message, self._t("⚠️ Not delivered: the customer has blocked the bot."))
            return
        except TelegramError as exc:
            await self.group.say(bot, message, self._t("⚠️ Not delivered: {error}").format(error=exc.message))
            return
        await asyncio.to_thread(self.tickets.links.link, message.message_id, ticket.id)
        await asyncio.to_thread(self.tickets.links.copied, ticket.id, OUT, message.message_id, copy.message_id)
        await asyncio.to_thread(self.tickets.lifecycle.team_answered, ticket.id)
        await self.sessions.change(ticket, handoff.team_answered)
        await self.topics.retitle(bot, ticket)

    async def _deliver(self, bot: Bot, message: Message, ticket: Ticket) -> MessageId:
        """The team's message copied to the customer, after its author's name when replies are signed."""
        if self.sign_replies and message.from_user:
            session = await self.sessions.session(ticket)
            signature = self._tc(session.lang or ticket.lang, "{name} from our team:").format(
                name=shown_name(message.from_user.first_name))
            await with_retries(functools.partial(bot.send_message, ticket.customer_chat, signature))
        return await with_retries(functools.partial(
            bot.copy_message, ticket.customer_chat, self.group.chat_id, message.message_id))

    async def on_edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A team member edited a message: the customer's copy is corrected in place (text or caption);
        a message edited into a note is taken back from the customer."""
        message, bot = update.effective_message, context.bot
        if message is None or not await self.members.from_team(bot, message, tell=False):
            return
        ticket = await self.ticket_of(message)
        if ticket is None:
            return
        copy = await asyncio.to_thread(self.tickets.links.copy_of, ticket.id, OUT, message.message_id)
        if copy is None:
            return
        try:
            await self._correct(bot, message, ticket.customer_chat, copy)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                await self.group.say(bot, message, self._t(
                    "⚠️ The customer still sees the old version: {error}").format(error=exc.message))
        except TelegramError as exc:
            log.warning("an edit in ticket #%s did not reach the customer: %s", ticket.id, exc)

    @staticmethod
    async def _correct(bot: Bot, message: Message, chat: int, copy: int) -> None:
        if is_note(message):
            await with_retries(functools.partial(bot.delete_message, chat, copy))
        elif message.text is not None:
            await with_retries(functools.partial(bot.edit_message_text, message.text, chat, copy,
                                                 entities=message.entities))
        else:
            await with_retries(functools.partial(bot.edit_message_caption, chat, copy, caption=message.caption or "",
                                                 caption_entities=message.caption_entities))
