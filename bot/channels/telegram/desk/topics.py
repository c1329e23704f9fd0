"""The state of a ticket's topic in the support group: its title (state, number, customer, language,
who took it) and whether it is closed, kept in SQLite so that nothing is asked of Telegram twice (it
refuses to rename a topic to its own name, or to close a closed one)."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.channels.telegram.calls import with_retries
from bot.channels.telegram.render import MAX_TOPIC_NAME, fit, utf16_length
from bot.desk.names import shown_name
from bot.storage.tickets import CLOSED, Ticket

log = logging.getLogger(__name__)

# The ticket's state in its topic's title: waiting for the team, waiting for the customer, closed.
STATE_ICONS = {"team": "🔴", "customer": "⏳", CLOSED: "✅"}
MAX_LANGUAGE = 8  # UTF-16 units of the language's code in a title


def topic_title(icon: str, number: int, customer: str, lang: str, agent: str | None) -> str:
    """"🔴 #12 Mario Rossi (it) · Giulia" in at most 128 UTF-16 units, whatever the names: each is
    cleaned (``shown_name``) and, when both do not fit, each gets at least half the room left."""
    customer, agent = shown_name(customer), shown_name(agent, empty="")
    head = f"{icon} #{number} "
    tail = f" ({fit(shown_name(lang), MAX_LANGUAGE)})" + (" · " if agent else "")
    room = max(MAX_TOPIC_NAME - utf16_length(head + tail), 2)
    agent_room = min(utf16_length(agent), max(room - utf16_length(customer), room // 2))
    title = head + fit(customer, room - agent_room) + tail + fit(agent, agent_room)
    return fit(title, MAX_TOPIC_NAME)


class TopicStates:
    """Part of the support desk: ``tickets`` (in threads) and ``chat_id`` are the desk's."""

    tickets: object
    chat_id: int
    _topic_lock: asyncio.Lock

    async def _title(self, ticket: Ticket) -> str:
        """The topic's title: state, number, customer, language, and who took the ticket."""
        state = CLOSED if ticket.state == CLOSED else "team" if ticket.waiting_since else "customer"
        work = await self.tickets.work(ticket.id)
        if state == "customer" and work.first_answer is None:
            state = "team"  # nobody has answered yet
        return topic_title(STATE_ICONS[state], ticket.id, ticket.name, ticket.lang, work.agent_name)

    async def retitle(self, bot: Bot, ticket: Ticket) -> None:
        """Bring the topic's title up to date (state, agent); a failure only costs the title."""
        async with self._topic_lock:  # chats run at once: two renames to the same title would be refused
            await self._retitle(bot, ticket)

    async def _retitle(self, bot: Bot, ticket: Ticket) -> None:
        ticket = await self.tickets.get(ticket.id)
        if ticket is None or ticket.topic_id is None:
            return
        title = await self._title(ticket)
        if (await self.tickets.work(ticket.id)).title == title:  # kept in SQLite: the same after a restart
            return
        try:
            await with_retries(lambda: bot.edit_forum_topic(self.chat_id, ticket.topic_id, name=title), "renaming a topic")
        except TelegramError as exc:
            if "not_modified" not in str(exc).lower():
                log.warning("the topic of ticket #%s was not renamed: %s", ticket.id, exc)
                return
        await self.tickets.set_title(ticket.id, title)

    async def topic_closed(self, bot: Bot, ticket: Ticket) -> None:
        await self._topic_state(bot, ticket, closed=True)
        await self.retitle(bot, ticket)

    async def topic_reopened(self, bot: Bot, ticket: Ticket) -> None:
        await self._topic_state(bot, ticket, closed=False)
        await self.retitle(bot, ticket)

    async def _topic_state(self, bot: Bot, ticket: Ticket, closed: bool) -> None:
        """Close or reopen the ticket's topic with it, once (Telegram refuses to do either twice)."""
        async with self._topic_lock:
            if not ticket.topic_id or (await self.tickets.work(ticket.id)).topic_closed == closed:
                return
            change = bot.close_forum_topic if closed else bot.reopen_forum_topic
            try:
                await with_retries(lambda: change(self.chat_id, ticket.topic_id), "closing or reopening a topic")
            except TelegramError as exc:
                if "not_modified" not in str(exc).lower():
                    log.info("the topic of ticket #%s was not %s: %s", ticket.id, "closed" if closed else "reopened", exc)
                    return
            await self.tickets.set_topic_closed(ticket.id, closed)

