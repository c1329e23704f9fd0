"""Opening a ticket: the customer's ticket opened (or reopened) in the database, its topic made or
reopened in the support group, and the header that shows the team who the customer is. A busy group
still tells the customer at once that the team is being told."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import TelegramError

from bot.channels.telegram.botapi.limiter import first_in_group
from bot.channels.telegram.desk.group import GroupUnreachable, SupportGroup
from bot.channels.telegram.desk.topics import TicketHeaders, Topics
from bot.core.session import Session
from bot.core.types import Customer, Reply
from bot.i18n import DEFAULT_LANGUAGE, N_
from bot.storage.interfaces import TicketStore
from bot.storage.tickets import ALREADY_OPEN, NEW, REOPENED, Ticket

log = logging.getLogger(__name__)

NOTICE_AFTER = 1.0  # seconds a customer asking for a person waits for the ticket before hearing it is coming
TELLING_THE_TEAM = N_("One moment: I'm letting our support team know…")


class TicketOpener:
    """Puts a customer's ticket in the support group."""

    def __init__(self, group: SupportGroup, tickets: TicketStore, topics: Topics, headers: TicketHeaders,
                 send: Callable[[int, Reply], Awaitable[bool]]):
        self.group, self.tickets, self.topics, self.headers = group, tickets, topics, headers
        self.send = send  # a reply to a customer, rendered by the channel

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
                notice = self.group.customer_text(session.lang or DEFAULT_LANGUAGE, TELLING_THE_TEAM)
                await self.send(chat_id, Reply(notice))
            return await opening
        except BaseException:
            opening.cancel()
            raise

    async def _open(self, bot: Bot, customer: Customer, chat_id: int, session: Session, replay: bool) -> Ticket:
        lifecycle = self.tickets.lifecycle
        ticket, how = await asyncio.to_thread(lifecycle.open, chat_id, customer.name or str(chat_id),
                                              customer.username, session.lang or DEFAULT_LANGUAGE)
        if how != ALREADY_OPEN:
            await asyncio.to_thread(self.tickets.handling.set_reason, ticket.id, session.last_article)
        try:
            forum = await self.group.is_forum(bot)
            if replay and how == ALREADY_OPEN:
                if (await asyncio.to_thread(self.tickets.links.has_messages, ticket.id)
                        and (not forum or ticket.topic_id is not None)):
                    return ticket
                how = NEW  # a crash came before its topic or header were in the group: put them there now
            if forum and ticket.topic_id is None:
                ticket = await self.topics.create(bot, ticket)
            elif forum and how == REOPENED:
                ticket = await self.topics.reopen_with_ticket(bot, ticket)
            header = await self.group.post(bot, ticket, await self.headers.text(ticket, customer, session, how == NEW))
        except TelegramError as exc:  # 403, 5xx past the retries, a 429 past the limiter's, a migrated chat
            await asyncio.to_thread(lifecycle.close, ticket.id)
            raise GroupUnreachable(str(exc)) from exc
        await asyncio.to_thread(self.tickets.links.link, header.message_id, ticket.id)
        return ticket
