"""A ticket's topic in the support group: its header (who the customer is, what they were doing with
the bot, their requests and last turns, so that the team starts informed), the topic made once, posted
into (made again, with the header, when the team deleted it), its title (state, number, customer,
language, who took it) and whether it is closed, kept in the database so that nothing is asked of
Telegram twice (it refuses to rename a topic to its own name, or to close a closed one)."""

from __future__ import annotations

import asyncio
import functools
import html
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Bot, Message
from telegram.error import BadRequest, TelegramError

from bot.channels.telegram.botapi.calls import with_retries
from bot.channels.telegram.botapi.render import MAX_TOPIC_NAME, fit, utf16_length
from bot.channels.telegram.desk.customers import CustomerSessions
from bot.channels.telegram.desk.group import GROUP_RETRY_SECONDS, SupportGroup, topic_gone
from bot.core.session import Session
from bot.core.types import Customer
from bot.desk.names import shown_name
from bot.desk.rules import language_label
from bot.flows.setup import SetupFlow, SetupState
from bot.storage.interfaces import TicketStore
from bot.storage.tickets import CLOSED, Ticket, TicketLifecycle

log = logging.getLogger(__name__)

T = TypeVar("T")

SPEAKERS = {"customer": "👤", "bot": "🤖"}
TURNS_SHOWN = 10
REQUESTS_SHOWN = 3


class TicketHeaders:
    """Writes the header that opens (or reopens) a ticket in the group."""

    def __init__(self, group: SupportGroup, tickets: TicketLifecycle, sessions: CustomerSessions):
        self.group, self.tickets, self.sessions = group, tickets, sessions

    def _t(self, message: str) -> str:
        return self.group.team_text(message)

    async def text(self, ticket: Ticket, customer: Customer, session: Session, new: bool) -> str:
        """The header in HTML: a new ticket's, or a reopened one's (``new`` False)."""
        e = html.escape
        title = self._t("New ticket") if new else self._t("Ticket reopened")
        lines = [
            f"<b>{e(title)} #{ticket.id}</b>",
            f"{e(shown_name(customer.name))} (@{e(shown_name(customer.username))}, id <code>{e(customer.id)}</code>), "
            f"{language_label(ticket.lang)}",
        ]
        frame = session.frame(SetupFlow.name)
        state = SetupState.from_dict(frame["state"]) if frame else None
        guide = state if isinstance(state, SetupState) else SetupState()
        doing = [guide.client, guide.protocol, session.email]
        if any(doing):
            lines.append(e(self._t("Context: {what}").format(what=", ".join(str(d) for d in doing if d))))
        references = await self.sessions.requests(ticket)
        if references:
            shown = ", ".join(references[-REQUESTS_SHOWN:])
            lines.append(e(self._t("Requests: {references}").format(references=shown)))
        lines.append("")
        turns = self._t("Last turns with the bot")
        lines.append(f"<b>{e(turns)}</b>")
        for speaker, text in session.history[-TURNS_SHOWN:]:
            lines.append(f"{SPEAKERS.get(speaker, speaker)} {e(text)}")
        current = await asyncio.to_thread(self.tickets.get, ticket.id)
        if not new or current is None or current.topic_id is None:
            lines.append("")
            lines.append(e(self._t("Reply to the customer's messages to answer them; /close when done.")))
        return "\n".join(lines)


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


class Topics:
    """Tickets' topics: making them, posting into them, their titles, closing and reopening them."""

    def __init__(self, group: SupportGroup, tickets: TicketStore, headers: TicketHeaders,
                 sessions: CustomerSessions):
        self.group, self.tickets, self.headers, self.sessions = group, tickets, headers, sessions
        self._lock = asyncio.Lock()  # chats run at once: two renames to the same title would be refused

    async def title(self, ticket: Ticket) -> str:
        """The topic's title: state, number, customer, language, and who took the ticket."""
        state = CLOSED if ticket.state == CLOSED else "team" if ticket.waiting_since else "customer"
        handling = await asyncio.to_thread(self.tickets.handling.get, ticket.id)
        if state == "customer" and handling.first_answer is None:
            state = "team"  # nobody has answered yet
        return topic_title(STATE_ICONS[state], ticket.id, ticket.name, ticket.lang, handling.agent_name)

    async def create(self, bot: Bot, ticket: Ticket) -> Ticket:
        """Make the ticket's topic; the ticket as it is now."""
        name = await self.title(ticket)
        make = functools.partial(bot.create_forum_topic, self.group.chat_id, name)
        topic = await with_retries(make, "creating a topic", seconds=GROUP_RETRY_SECONDS)
        await asyncio.to_thread(self.tickets.lifecycle.set_topic, ticket.id, topic.message_thread_id)
        await asyncio.to_thread(self.tickets.handling.set_title, ticket.id, name)
        return await self._current(ticket)

    async def _current(self, ticket: Ticket) -> Ticket:
        return await asyncio.to_thread(self.tickets.lifecycle.get, ticket.id) or ticket

    async def call_in(self, bot: Bot, ticket: Ticket, call: Callable[[Ticket], Awaitable[T]]) -> tuple[Ticket, T]:
        """``call(ticket)`` into the ticket's topic; a topic the team deleted is made again, with the
        customer's header, and the call goes through there. A ticket with no topic yet (a crash while
        it was being made) gets one first: nothing of a customer lands in the group's General."""
        if ticket.topic_id is None and await self.group.is_forum(bot):
            ticket = await self.create(bot, ticket)
        try:
            return ticket, await with_retries(functools.partial(call, ticket), "posting to the support group")
        except BadRequest as exc:
            if not topic_gone(exc) or ticket.topic_id is None:
                raise
        log.warning("the topic of ticket #%s was deleted: making it again", ticket.id)
        ticket = await self.create(bot, ticket)
        session = await self.sessions.session(ticket)
        customer = Customer(id=str(ticket.customer_chat), name=ticket.name, username=ticket.username)
        await self.group.post(bot, ticket, await self.headers.text(ticket, customer, session, False))
        return ticket, await with_retries(functools.partial(call, ticket), "posting to the support group")

    async def post(self, bot: Bot, ticket: Ticket, text_html: str) -> tuple[Ticket, Message]:
        """Post into the ticket's topic (made again if deleted); the ticket as it is now and the post."""
        return await self.call_in(bot, ticket, lambda t: self.group.post(bot, t, text_html))

    async def retitle(self, bot: Bot, ticket: Ticket) -> None:
        """Bring the topic's title up to date (state, agent); a failure only costs the title."""
        async with self._lock:
            current = await asyncio.to_thread(self.tickets.lifecycle.get, ticket.id)
            if current is None or current.topic_id is None:
                return
            title = await self.title(current)
            handling = await asyncio.to_thread(self.tickets.handling.get, current.id)
            if handling.title == title:  # kept in the database: the same after a restart
                return
            rename = functools.partial(bot.edit_forum_topic, self.group.chat_id, current.topic_id, name=title)
            try:
                await with_retries(rename, "renaming a topic")
            except TelegramError as exc:
                if "not_modified" not in str(exc).lower():
                    log.warning("the topic of ticket #%s was not renamed: %s", current.id, exc)
                    return
            await asyncio.to_thread(self.tickets.handling.set_title, current.id, title)

    async def closed(self, bot: Bot, ticket: Ticket) -> None:
        """The ticket closed: its topic closes, its title says so."""
        await self._set_closed(bot, ticket, closed=True)
        await self.retitle(bot, ticket)

    async def reopened(self, bot: Bot, ticket: Ticket) -> None:
        """The ticket reopened: its topic too."""
        await self._set_closed(bot, ticket, closed=False)
        await self.retitle(bot, ticket)

    async def _set_closed(self, bot: Bot, ticket: Ticket, closed: bool) -> None:
        """Close or reopen the ticket's topic with it, once (Telegram refuses to do either twice)."""
        async with self._lock:
            if not ticket.topic_id:
                return
            if (await asyncio.to_thread(self.tickets.handling.get, ticket.id)).topic_closed == closed:
                return
            change = bot.close_forum_topic if closed else bot.reopen_forum_topic
            try:
                await with_retries(functools.partial(change, self.group.chat_id, ticket.topic_id),
                                   "closing or reopening a topic")
            except TelegramError as exc:
                if "not_modified" not in str(exc).lower():
                    done = "closed" if closed else "reopened"
                    log.info("the topic of ticket #%s was not %s: %s", ticket.id, done, exc)
                    return
            await asyncio.to_thread(self.tickets.handling.set_topic_closed, ticket.id, closed)

    async def reopen_with_ticket(self, bot: Bot, ticket: Ticket) -> Ticket:
        """A ticket reopened by the customer: its topic opens again (made anew if the team deleted it)."""
        if ticket.topic_id is None:
            return await self.create(bot, ticket)
        try:
            handling = await asyncio.to_thread(self.tickets.handling.get, ticket.id)
            if handling.topic_closed or handling.title is None:  # closed, or from before topics were followed
                reopen = functools.partial(bot.reopen_forum_topic, self.group.chat_id, ticket.topic_id)
                await with_retries(reopen, "reopening a topic")
                await asyncio.to_thread(self.tickets.handling.set_topic_closed, ticket.id, False)
        except BadRequest as exc:
            if "not_modified" in str(exc).lower():  # a topic that was never closed: nothing to do
                await asyncio.to_thread(self.tickets.handling.set_topic_closed, ticket.id, False)
            elif not topic_gone(exc):
                raise
            else:
                ticket = await self.create(bot, ticket)
        await self.retitle(bot, ticket)
        return ticket
