"""What a customer with an open ticket sends, relayed into the ticket's topic (or the plain group):
messages copied (copyMessage keeps the team's view faithful), edits shown as replies to the copy
they correct, and the customer going back to the bot closing the ticket."""

from __future__ import annotations

import asyncio
import html
import logging

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bot.channels.telegram.desk.group import GroupUnreachable, SupportGroup
from bot.channels.telegram.desk.topics import Topics
from bot.storage.interfaces import TicketStore
from bot.storage.tickets import IN, OPEN, Ticket

log = logging.getLogger(__name__)


class CustomerRelay:
    """The customer's side of a ticket, towards the team."""

    def __init__(self, group: SupportGroup, tickets: TicketStore, topics: Topics):
        self.group, self.tickets, self.topics = group, tickets, topics

    def _t(self, message: str) -> str:
        return self.group.team_text(message)

    async def relay(self, bot: Bot, message: Message, chat_id: int) -> None:
        """Copy a customer's message into their ticket's topic (or the group); raises GroupUnreachable
        (the ticket then closed) when the group cannot take it."""
        ticket = await asyncio.to_thread(self.tickets.lifecycle.latest, chat_id)
        if ticket is None or ticket.state != OPEN:
            return
        if message.edit_date:
            await self._edited(bot, ticket, message)
            return
        try:
            ticket, copy = await self.topics.call_in(bot, ticket, lambda t: bot.copy_message(
                self.group.chat_id, chat_id, message.message_id, message_thread_id=t.topic_id))
        except BadRequest as exc:  # this one message cannot be copied (a quiz, an invoice...): the team hears so
            log.warning("a message of ticket #%s cannot be copied to the group: %s", ticket.id, exc)
            await self._uncopyable(bot, ticket)
            return
        except TelegramError as exc:
            await asyncio.to_thread(self.tickets.lifecycle.close, ticket.id)
            raise GroupUnreachable(str(exc)) from exc
        await asyncio.to_thread(self.tickets.links.link, copy.message_id, ticket.id)
        await asyncio.to_thread(self.tickets.links.copied, ticket.id, IN, message.message_id, copy.message_id)
        await asyncio.to_thread(self.tickets.lifecycle.customer_wrote, ticket.id)
        await self.topics.retitle(bot, ticket)

    async def _uncopyable(self, bot: Bot, ticket: Ticket) -> None:
        try:
            notice = await self.group.post(bot, ticket, html.escape(
                self._t("⚠️ The customer sent something that cannot be shown here.")))
            await asyncio.to_thread(self.tickets.links.link, notice.message_id, ticket.id)
        except TelegramError:
            pass

    async def _edited(self, bot: Bot, ticket: Ticket, message: Message) -> None:
        """A customer's edit shows in the topic as an edit of the message it replaces (a reply to its copy)."""
        copy = await asyncio.to_thread(self.tickets.links.copy_of, ticket.id, IN, message.message_id)
        text = html.escape(self._t("✏️ The customer edited this message:")) + "\n" + html.escape(
            message.text or message.caption or "")
        try:
            ticket, posted = await self.topics.call_in(bot, ticket, lambda t: bot.send_message(
                self.group.chat_id, text, parse_mode=ParseMode.HTML, message_thread_id=t.topic_id,
                reply_to_message_id=copy, allow_sending_without_reply=True))
        except TelegramError as exc:
            log.warning("a customer's edit in ticket #%s did not reach the group: %s", ticket.id, exc)
            return
        await asyncio.to_thread(self.tickets.links.link, posted.message_id, ticket.id)
        await asyncio.to_thread(self.tickets.lifecycle.customer_wrote, ticket.id)

    async def customer_left(self, bot: Bot, chat_id: int) -> None:
        """The customer went back to the bot: their open ticket closes, and the team hears it."""
        ticket = await asyncio.to_thread(self.tickets.lifecycle.latest, chat_id)
        if ticket is None or ticket.state != OPEN:
            return
        if not await asyncio.to_thread(self.tickets.lifecycle.close, ticket.id):  # only the closer tells the team
            return
        notice = html.escape(self._t("The customer went back to the bot: ticket #{n} closed.").format(n=ticket.id))
        try:
            await self.topics.post(bot, ticket, notice)
        except (BadRequest, Forbidden, NetworkError) as exc:
            log.error("the support group could not be told that ticket #%s closed: %s", ticket.id, exc)
        closed = await asyncio.to_thread(self.tickets.lifecycle.get, ticket.id)
        await self.topics.closed(bot, closed or ticket)

