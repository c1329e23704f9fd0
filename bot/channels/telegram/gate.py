"""Before any handler (group -1): a banned customer is ignored; a customer sending a storm is told once to
slow down, then ignored (presses of buttons count like messages). What piled up while the bot was down
is no storm."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.channels.telegram.desk.relay import SupportDesk
from bot.channels.telegram.inbound import CHANNEL, customer_of
from bot.channels.telegram.sender import Sender
from bot.conversation.router import Conversation
from bot.core.flood import DROP, WARN, FloodGuard
from bot.core.session import Session, SessionKey
from bot.core.types import Inbound
from bot.storage import Storage


class Gate:
    def __init__(self, store: Storage, conversation: Conversation, desk: SupportDesk | None, flood: FloodGuard,
                 sender: Sender, in_backlog: Callable[[int], bool]):
        self.store, self.conversation, self.desk, self.flood = store, conversation, desk, flood
        self.sender, self.in_backlog = sender, in_backlog

    async def __call__(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE or self.in_backlog(update.update_id):
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
            await self.sender.answer_query(update)
            stored = await asyncio.to_thread(self.store.get, SessionKey(CHANNEL, str(chat.id)))
            session = Session.from_dict(stored)
            await self.sender.send(chat.id, self.conversation.slow_down(session, Inbound(customer=customer_of(update))))
            raise ApplicationHandlerStop
