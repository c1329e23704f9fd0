"""One turn of a Telegram customer, one way:

    Inbound ──► respond_at_once (a storage thread: session, replies and effects committed together)
            ──► deliver: the relay, the ticket opened before the reply that announces it, the replies,
                the hand back; each noted done in the delivery record as it is

When the support group cannot be reached the turn's second step (``TeamUnreachable``) is asked of the
conversation, in its own transaction: the customer hears the truth, and the conversation goes by mail.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from telegram import Bot, Update

from bot.channels.delivery import Delivery, SessionLocks, change_delivery
from bot.channels.telegram.desk.relay import GroupUnreachable, SupportDesk
from bot.channels.telegram.desk.upkeep import TicketUpkeep
from bot.channels.telegram.inbound import CHANNEL, customer_of
from bot.channels.telegram.sender import Sender
from bot.channels.turns import Turn, respond_at_once, team_unreachable_at_once
from bot.conversation.router import Conversation
from bot.core.session import SessionKey
from bot.core.types import HandBack, Inbound, OpenTicket, RelayToTeam, Reply
from bot.storage import Storage

log = logging.getLogger(__name__)


class TurnRunner:
    def __init__(self, store: Storage, conversation: Conversation, locks: SessionLocks, sender: Sender,
                 bot: Callable[[], Bot], desk: SupportDesk | None = None, upkeep: TicketUpkeep | None = None):
        self.store, self.conversation, self.locks, self.sender = store, conversation, locks, sender
        self.bot, self.desk, self.upkeep = bot, desk, upkeep

    async def run(self, update: Update, inbound: Inbound) -> None:
        chat = update.effective_chat
        assert chat is not None  # the handlers of private chats only
        key = SessionKey(CHANNEL, str(chat.id))
        async with self.locks(chat.id):  # the team's changes to the session wait for the turn
            # In a thread, as one transaction: the session, its delivery record and whatever the turn stores
            # (a request to the outbox, feedback, an unanswered question) commit together or not at all.
            turn = await asyncio.to_thread(self.respond_at_once, key, update.update_id, inbound)
        await self.deliver(update, inbound, turn)

    def respond_at_once(self, key: SessionKey, update_id: int, inbound: Inbound) -> Turn:
        """The turn of one update, committed (blocking: a storage thread)."""
        source = f"{CHANNEL}:{key.chat_id}:{update_id}"
        return respond_at_once(self.store, self.conversation, key, source, update_id, inbound)

    async def deliver(self, update: Update, inbound: Inbound, turn: Turn) -> None:
        """Carry out what the turn left to do and say, noting each step done."""
        delivery = turn.delivery
        if not delivery.pending:
            return
        chat_id = int(turn.key.chat_id)
        # A message that opens the ticket (one left out of hours, one reopening it) goes after the ticket.
        opening, relay = delivery.opening, delivery.has(RelayToTeam())
        if relay and opening is None:
            await self.relay(update, inbound, turn)
        reachable = await self.say(update, inbound, turn, opening)
        if relay and opening is not None and reachable:
            await self.relay(update, inbound, turn)
        if self.desk is not None and delivery.has(HandBack()):
            await self.desk.customer_left(self.bot(), chat_id)
        if self.upkeep is not None:
            try:  # news for the team: never the customer's trouble
                await self.upkeep.guide_progress(self.bot(), chat_id, turn.session)
            except Exception:
                log.exception("the setup guide's progress was not shown to the team")
        await self.note(turn.key, Delivery.finished)

    async def say(self, update: Update, inbound: Inbound, turn: Turn, opening: OpenTicket | None) -> bool:
        """Send the replies left, the ticket opened before the one that announces it; returns whether the
        team could be reached."""
        chat_id, reachable = int(turn.key.chat_id), True
        for n, reply in enumerate(list(turn.delivery.replies)):
            said = [reply]
            if opening is not None and n == opening.before and self.desk is not None:
                # The customer is told the team knows only once the ticket is in the group.
                try:
                    await self.desk.open(self.bot(), inbound.customer or customer_of(update), chat_id, turn.session,
                                         replay=turn.replayed)
                except GroupUnreachable as exc:
                    said, reachable = await self.team_unreachable(exc, turn, inbound, update.update_id), False
            if not await self.send_all(chat_id, said):
                break
            # Delivered: after a crash from here on, only the replies still to send go out.
            await self.note(turn.key, Delivery.sent_one)
        return reachable

    async def send_all(self, chat_id: int, replies: list[Reply]) -> bool:
        for reply in replies:
            if not await self.sender.send(chat_id, reply):
                return False
        return True

    async def relay(self, update: Update, inbound: Inbound, turn: Turn) -> None:
        """The customer's message to their ticket; an unreachable group gets them the truth and the mailbox."""
        message = update.effective_message
        if self.desk is not None and message is not None:
            try:
                await self.desk.relay_from_customer(self.bot(), message, int(turn.key.chat_id))
            except GroupUnreachable as exc:
                replies = await self.team_unreachable(exc, turn, inbound, update.update_id)
                await self.send_all(int(turn.key.chat_id), replies)
        await self.note(turn.key, lambda d: d.done(RelayToTeam()))

    async def team_unreachable(self, error: Exception, turn: Turn, inbound: Inbound, update_id: int) -> list[Reply]:
        """The turn's second step: what the conversation says when the team cannot be reached."""
        log.error("the support group cannot be reached (%s): the conversation goes to the support mailbox", error)
        source = f"{CHANNEL}:{turn.key.chat_id}:{update_id}:unreachable"
        return await asyncio.to_thread(team_unreachable_at_once, self.store, self.conversation, turn.key, source,
                                       turn.session, inbound)

    async def note(self, key: SessionKey, change: Callable[[Delivery], Any]) -> None:
        """Change the stored delivery record in one step, leaving whatever else changed meanwhile."""
        await asyncio.to_thread(self.store.update, key, change_delivery(change))
