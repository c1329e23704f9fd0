"""The desk's side of a ticket's customer: their stored session, changed by the team's actions in one
step and never in the middle of their turn, and what the channel asks about them (banned? their
rating of a closed ticket)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from bot.channels.delivery import SessionLocks, change_session
from bot.core.session import Session, SessionKey
from bot.storage import Storage
from bot.storage.tickets import Ticket

T = TypeVar("T")


class CustomerSessions:
    """The sessions of tickets' customers, read and changed for the team."""

    def __init__(self, store: Storage, channel: str, locks: SessionLocks):
        self.store, self.channel, self.locks = store, channel, locks

    def key(self, ticket: Ticket) -> SessionKey:
        return SessionKey(self.channel, str(ticket.customer_chat))

    async def session(self, ticket: Ticket) -> Session:
        return Session.from_dict(await asyncio.to_thread(self.store.get, self.key(ticket)))

    async def change(self, ticket: Ticket, change: Callable[[Session], T]) -> T:
        """Run ``change(session)`` on the ticket customer's stored session, in one step and never in the
        middle of their turn; returns its result."""
        async with self.locks(ticket.customer_chat):
            return await self.change_locked(ticket, change)

    async def change_locked(self, ticket: Ticket, change: Callable[[Session], T]) -> T:
        """``change`` for a caller already holding the customer's lock (``locks``)."""
        result: list[T] = []
        await asyncio.to_thread(self.store.update, self.key(ticket), change_session(lambda s: result.append(change(s))))
        return result[0]

    async def requests(self, ticket: Ticket) -> list[str]:
        """References of the customer's requests to the support mailbox, oldest first."""
        customer = f"{self.channel}:{ticket.customer_chat}"
        return [r.reference for r in await asyncio.to_thread(self.store.outbox.of_customer, customer)]


class CustomerTickets:
    """What the channel asks about a customer's tickets, awaited from the event loop."""

    def __init__(self, store: Storage):
        self.store = store

    async def banned(self, customer_chat: int) -> bool:
        return await asyncio.to_thread(self.store.tickets.bans.banned, customer_chat)

    async def rate(self, ticket_id: int, customer_chat: int, stars: int) -> bool:
        """The customer's stars for their own closed ticket, once."""
        return await asyncio.to_thread(self.store.tickets.ratings.rate, ticket_id, customer_chat, stars)
