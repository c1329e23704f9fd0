"""The team's commands in the support group, each a CommandHandler filtered on that chat.

In a ticket's topic, or replying to a customer's message in a plain group: /close, /reopen, /ban,
/unban and /take (``TicketCommands``); /kb WORDS (an article to the customer, in their language) and
/guide [CLIENT] (the setup guide, the bot taking the chat for it while the ticket stays open)
(``ForCustomer``); /info (the customer's card). Anywhere in the group: /tickets [PAGE] and /stats
[DAYS] (``figures.py``). Only the team may use them; texts to the team are in the team's language.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import Forbidden
from telegram.ext import ContextTypes

from bot.channels.telegram.desk.figures import Figures, page_of
from bot.channels.telegram.desk.relay import SupportDesk
from bot.core.callbacks import RateTicket, encode
from bot.core.session import Session
from bot.desk.names import shown_name
from bot.flows import handoff
from bot.knowledge.text import fold
from bot.storage.tickets import OPEN, Ticket

__all__ = ["GROUP_COMMANDS", "TEAM_COMMANDS", "TICKET_COMMANDS", "TeamCommands", "page_of"]

TICKET_COMMANDS = ("close", "reopen", "ban", "unban", "kb", "guide", "take", "info")
GROUP_COMMANDS = ("tickets", "stats")
TEAM_COMMANDS = (*TICKET_COMMANDS, *GROUP_COMMANDS)

TicketCommand = Callable[[Bot, Message, Ticket, str], Awaitable[None]]
GroupCommand = Callable[[Bot, Message, str], Awaitable[None]]


class TicketCommands:
    """/close, /reopen, /ban, /unban and /take: the ticket's state and who has it."""

    def __init__(self, desk: SupportDesk):
        self.desk, self.group, self.tickets = desk, desk.group, desk.store.tickets

    def _t(self, message: str) -> str:
        return self.group.team_text(message)

    def _tc(self, lang: str, message: str) -> str:
        return self.group.customer_text(lang, message)

    async def close(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        # Compare-and-set: of two closers at once (another agent, the idle loop, on any replica) one wins.
        if ticket.state != OPEN or not await asyncio.to_thread(self.tickets.lifecycle.close, ticket.id):
            await self.group.say(bot, message, self._t("Ticket #{n} is already closed.").format(n=ticket.id))
            return
        session = await self.desk.sessions.session(ticket)
        await self.desk.sessions.change(ticket, handoff.team_closed)
        rating = InlineKeyboardMarkup([[
            InlineKeyboardButton(str(n) + "⭐", callback_data=encode(RateTicket(ticket.id, n))) for n in range(1, 6)]])
        try:
            await bot.send_message(ticket.customer_chat, self._tc(
                session.lang or ticket.lang, "Our team has closed this conversation. How would you rate the help you "
                "got, from 1 to 5? I'm here again for your questions."), reply_markup=rating)
        except Forbidden:
            pass
        await self.desk.topics.closed(bot, await self._current(ticket))
        await self.group.say(bot, message, self._t("✅ Ticket #{n} closed.").format(n=ticket.id))

    async def reopen(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        latest = await asyncio.to_thread(self.tickets.lifecycle.latest, ticket.customer_chat) or ticket
        if ticket.state == OPEN or latest.id != ticket.id:
            await self.group.say(bot, message, self._t("Ticket #{n} is already open.").format(n=latest.id)
                                 if latest.state == OPEN else
                                 self._t("This customer has a newer ticket: #{n}.").format(n=latest.id))
            return
        if not await asyncio.to_thread(self.tickets.lifecycle.reopen, ticket.id):  # reopened by someone else now
            await self.group.say(bot, message, self._t("Ticket #{n} is already open.").format(n=ticket.id))
            return
        session = await self.desk.sessions.session(ticket)
        await self.desk.sessions.change(ticket, handoff.team_reopened)
        try:
            await bot.send_message(ticket.customer_chat, self._tc(
                session.lang or ticket.lang, "Our team has reopened your conversation: a person will answer you here."))
        except Forbidden:
            pass
        await self.desk.topics.reopened(bot, await self._current(ticket))
        await self.group.say(bot, message, self._t("Ticket #{n} reopened.").format(n=ticket.id))

    async def ban(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        await asyncio.to_thread(self.tickets.bans.ban, ticket.customer_chat)
        latest = await asyncio.to_thread(self.tickets.lifecycle.latest, ticket.customer_chat) or ticket
        if ticket.state == OPEN:
            await asyncio.to_thread(self.tickets.lifecycle.close, ticket.id)
        if latest.id == ticket.id:  # an old ticket's topic: the customer's current one is left alone
            await self.desk.sessions.change(ticket, handoff.team_closed)
        await self.desk.topics.closed(bot, await self._current(ticket))
        await self.group.say(bot, message, self._t(
            "🚫 The customer of ticket #{n} is banned: their messages are ignored.").format(n=ticket.id))

    async def unban(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        await asyncio.to_thread(self.tickets.bans.unban, ticket.customer_chat)
        await self.group.say(bot, message, self._t("The customer of ticket #{n} can write again.").format(n=ticket.id))

    async def take(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        user = message.from_user
        if user is None or message.sender_chat is not None:
            await self.group.say(bot, message, self._t(
                "To take a ticket, post as yourself, not as an anonymous admin."))
            return
        handling = await asyncio.to_thread(self.tickets.handling.get, ticket.id)
        # The first /take of someone else's ticket asks; the second (on any replica) takes it over.
        if handling.agent_id not in (None, user.id) and not await asyncio.to_thread(
                self.tickets.handling.ask_takeover, ticket.id, user.id):
            await self.group.say(bot, message, self._t(
                "{name} has ticket #{n}: send /take again to take it over.").format(
                name=shown_name(handling.agent_name), n=ticket.id))
            return
        await asyncio.to_thread(self.tickets.handling.take, ticket.id, user.id, user.first_name)
        await self.desk.topics.retitle(bot, ticket)
        await self.group.say(bot, message, self._t("👤 {name} has taken ticket #{n}.").format(
            name=shown_name(user.first_name), n=ticket.id))

    async def _current(self, ticket: Ticket) -> Ticket:
        return await asyncio.to_thread(self.tickets.lifecycle.get, ticket.id) or ticket


class ForCustomer:
    """The team's /kb and /guide."""

    def __init__(self, desk: SupportDesk):
        self.desk, self.group, self.conversation = desk, desk.group, desk.conversation

    def _t(self, message: str) -> str:
        return self.group.team_text(message)

    async def article(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        """/kb WORDS: the article that matches, sent to the customer in their language."""
        e = html.escape
        if not args.strip():
            await self.group.say(bot, message, self._t("Write what to look for, or an article id: /kb WORDS"))
            return
        best, unsure, others = await asyncio.to_thread(self.conversation.find_article, args.strip())
        if best is None:
            await self.group.say(bot, message, self._t("No article matches that: try other words."))
            return
        if ticket.state != OPEN:
            await self.group.say(bot, message, self._t("This ticket is closed: /reopen it to write to the customer."))
            return
        key = self.desk.sessions.key(ticket)
        reply = await self.desk.sessions.change(ticket, lambda s: self.conversation.article_for(
            key, s, s.lang or ticket.lang, best))
        if not await self.desk.send(ticket.customer_chat, reply):
            await self.group.say(bot, message, self._t("⚠️ Not delivered: the customer has blocked the bot."))
            return
        await self._answered(bot, ticket)
        text = e(self._t("📤 Sent to the customer: «{title}» ({id}).").format(title=reply.title, id=best))
        if unsure and others:
            text += "\n" + e(self._t("Not sure it is the right one. Did you mean:")) + " " + ", ".join(
                f"<code>/kb {e(a)}</code>" for a in others)
        await self.group.say(bot, message, text, as_html=True)

    async def guide(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        """/guide [CLIENT]: the setup guide for the customer, their progress shown in the topic."""
        if ticket.state != OPEN:
            await self.group.say(bot, message, self._t("This ticket is closed: /reopen it to write to the customer."))
            return
        conversation = self.conversation
        client = conversation.engine.detect_client(fold(args).split()) if args.strip() else None
        if args.strip() and client is None:
            await self.group.say(bot, message, self._t(
                "I don't know that program: the customer will choose it from the list."))
        key = self.desk.sessions.key(ticket)
        replies = await self.desk.sessions.change(ticket, lambda s: conversation.guide_for(
            key, s, s.lang or ticket.lang, client))
        for reply in replies:
            if not await self.desk.send(ticket.customer_chat, reply):
                await self.group.say(bot, message, self._t("⚠️ Not delivered: the customer has blocked the bot."))
                return
        await self._answered(bot, ticket, handoff.team_guides)
        await self.group.say(bot, message, self._t(
            "📋 The setup guide has been sent to the customer: the bot walks them through it, the ticket stays "
            "open, and you'll see their progress here."))

    async def _answered(self, bot: Bot, ticket: Ticket,
                        change: Callable[[Session], None] = handoff.team_answered) -> None:
        """What the bot sent for the team is the team's answer: the ticket waits for the customer now."""
        await asyncio.to_thread(self.desk.store.tickets.lifecycle.team_answered, ticket.id)
        await self.desk.sessions.change(ticket, change)
        await self.desk.topics.retitle(bot, ticket)


class TeamCommands:
    """Dispatches the team's commands: only the team's, each to the part that does it."""

    def __init__(self, desk: SupportDesk):
        self.desk = desk
        state, for_customer, figures = TicketCommands(desk), ForCustomer(desk), Figures(desk)
        self._on_ticket: dict[str, TicketCommand] = {
            "close": state.close, "reopen": state.reopen, "ban": state.ban, "unban": state.unban,
            "take": state.take, "kb": for_customer.article, "guide": for_customer.guide, "info": figures.info,
        }
        self._on_group: dict[str, GroupCommand] = {"tickets": figures.tickets, "stats": figures.stats}

    def _t(self, message: str) -> str:
        return self.desk.group.team_text(message)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, bot = update.effective_message, context.bot
        if message is None or not await self.desk.members.from_team(bot, message):
            return
        name = (message.text or "/").split()[0][1:].split("@", 1)[0].lower()
        args = " ".join(context.args or ())
        if name in self._on_group:
            await self._on_group[name](bot, message, args)
            return
        if name not in self._on_ticket:
            return
        ticket = await self.desk.ticket_of(message)
        if ticket is None:
            await self.desk.group.say(bot, message, self._t(
                "Use this command inside a customer's topic, or as a reply to their message."))
            return
        await self._on_ticket[name](bot, message, ticket, args)
