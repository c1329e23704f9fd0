"""The support group: customers handed to a person, and the team's answers relayed back.

In a forum supergroup each customer gets a topic (created once, reused when the ticket reopens); in a
plain group a header message opens each ticket and the team answers by replying to the customer's
relayed messages. The team first sees who the customer is and the last turns with the bot. Messages are
copied both ways (copyMessage: agents stay anonymous), and each copy in the group is linked to its
ticket in the database, with its copy, so that an edit corrects the copy. A message of the team starting
with "//" is an internal note, never relayed. The topic's title shows the ticket's state and who took it;
the topic closes and reopens with the ticket. The team's commands are in ``commands.py``.

``SupportDesk`` builds the desk's parts, one job each, and is what the channel calls:
  group.py          the group's chat, posts and replies to the team, texts in the team's language
  customers.py      tickets' customers: their sessions, changed for the team; bans and ratings asked
  topics.py         a ticket's header and topic: made, posted into, titled, closed and reopened
  opening.py        opening (or reopening) a ticket in the group
  from_customer.py  the customer's messages and edits relayed to the team
  from_team.py      the team's messages and edits relayed to the customer
  team.py           who is on the team
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Bot, Message, Update
from telegram.ext import ContextTypes

from bot.channels.delivery import SessionLocks
from bot.channels.telegram.desk.customers import CustomerSessions, CustomerTickets
from bot.channels.telegram.desk.from_customer import CustomerRelay
from bot.channels.telegram.desk.from_team import TeamRelay
from bot.channels.telegram.desk.group import GroupUnreachable, SupportGroup
from bot.channels.telegram.desk.opening import TicketOpener
from bot.channels.telegram.desk.team import TeamMembers
from bot.channels.telegram.desk.topics import TicketHeaders, Topics
from bot.config import Settings
from bot.conversation.router import Conversation
from bot.core.session import Session
from bot.core.types import Customer, Reply
from bot.i18n import Translator
from bot.storage import Storage
from bot.storage.tickets import Ticket

__all__ = ["GroupUnreachable", "SupportDesk"]


class SupportDesk:
    """The support desk in the Telegram channel: its parts, and the calls the channel makes."""

    def __init__(self, settings: Settings, store: Storage, translator: Translator, conversation: Conversation,
                 channel: str, send: Callable[[int, Reply], Awaitable[bool]], locks: SessionLocks):
        if settings.support_chat_id is None:
            raise ValueError("the support desk needs SUPPORT_CHAT_ID")
        self.store, self.conversation, self.channel = store, conversation, channel
        self.send = send  # a reply to a customer, rendered by the channel
        self.locks = locks
        self.tickets = CustomerTickets(store)
        self.group = SupportGroup(settings.support_chat_id, translator)
        self.sessions = CustomerSessions(store, channel, locks)
        headers = TicketHeaders(self.group, store.tickets.lifecycle, self.sessions)
        self.topics = Topics(self.group, store.tickets, headers, self.sessions)
        self.members = TeamMembers(self.group, settings.support_staff_ids)
        self._opener = TicketOpener(self.group, store.tickets, self.topics, headers, send)
        self._from_customer = CustomerRelay(self.group, store.tickets, self.topics)
        self._from_team = TeamRelay(self.group, store.tickets, self.topics, self.members, self.sessions,
                                    settings.support_sign_replies)

    # the customer's side
    async def open(self, bot: Bot, customer: Customer, chat_id: int, session: Session, replay: bool = False) -> Ticket:
        """Open (or reopen) the customer's ticket in the group; raises GroupUnreachable (the ticket then
        closed) when the group cannot take it. ``replay``: the same request again after a restart."""
        return await self._opener.open(bot, customer, chat_id, session, replay)

    async def relay_from_customer(self, bot: Bot, message: Message, chat_id: int) -> None:
        """Copy a customer's message into their ticket's topic; raises GroupUnreachable as ``open``."""
        await self._from_customer.relay(bot, message, chat_id)

    async def customer_left(self, bot: Bot, chat_id: int) -> None:
        """The customer went back to the bot: their ticket closes."""
        await self._from_customer.customer_left(bot, chat_id)

    # the team's side
    async def ticket_of(self, message: Message) -> Ticket | None:
        """The ticket a message of the group is about, if any."""
        return await self._from_team.ticket_of(message)

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything else the team writes in the group: inside a ticket it goes to the customer."""
        await self._from_team.on_message(update, context)

    async def on_edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A team member edited a message: the customer's copy is corrected."""
        await self._from_team.on_edit(update, context)

    async def on_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Someone's status in the group changed: the team follows it."""
        await self.members.on_member(update, context)
