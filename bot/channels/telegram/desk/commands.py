"""The team's commands in the support group, each a CommandHandler filtered on that chat.

In a ticket's topic, or replying to a customer's message in a plain group: /close, /reopen, /ban,
/unban, /kb WORDS (an article to the customer, in their language), /guide [CLIENT] (the setup guide,
the bot taking the chat for it), /take, /info (the customer's card). Anywhere in the group:
/tickets [PAGE] and /stats [DAYS]. Only the team may use them; texts to the team are in the team's
language.
"""

from __future__ import annotations

import asyncio
import html
import time

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import Forbidden
from telegram.ext import ContextTypes

from bot.channels.telegram.desk.relay import LANGUAGE_NAMES, SupportDesk
from bot.core.callbacks import RateTicket, encode
from bot.core.numbers import whole_number
from bot.desk.card import Card, card_html, describe_guide, stats_html
from bot.desk.names import shown_name
from bot.desk.stats import TicketRecord, compute
from bot.flows import handoff
from bot.knowledge.text import fold
from bot.storage.tickets import OPEN, Ticket

TICKET_COMMANDS = ("close", "reopen", "ban", "unban", "kb", "guide", "take", "info")
GROUP_COMMANDS = ("tickets", "stats")
TEAM_COMMANDS = (*TICKET_COMMANDS, *GROUP_COMMANDS)
MAX_STATS_DAYS = 3650
MAX_TICKETS_PAGE = 9999  # past the last page, the last one is shown
TICKETS_PAGE = 20  # open tickets per /tickets message


class TeamCommands:
    def __init__(self, desk: SupportDesk):
        self.desk = desk
        self._t, self._tc, self._say = desk._t, desk._tc, desk._say
        self.tickets, self._store = desk.tickets, desk._store
        self._handlers = {name: getattr(self, f"_{name}") for name in TEAM_COMMANDS}

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, bot = update.effective_message, context.bot
        if message is None or not await self.desk.from_team(bot, message):
            return
        name = message.text.split()[0][1:].split("@", 1)[0].lower()
        args = " ".join(context.args or ())
        if name in GROUP_COMMANDS:
            await self._handlers[name](bot, message, args)
            return
        ticket = await self.desk.ticket_of(message)
        if ticket is None:
            await self._say(bot, message, self._t("Use this command inside a customer's topic, or as a reply to their message."))
            return
        await self._handlers[name](bot, message, ticket, args)

    # the ticket
    async def _close(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        # Compare-and-set: of two closers at once (another agent, the idle loop, on any replica) one wins.
        if ticket.state != OPEN or not await self.tickets.close(ticket.id):
            await self._say(bot, message, self._t("Ticket #{n} is already closed.").format(n=ticket.id))
            return
        key, session = await self.desk.customer_session(ticket)
        await self.desk.change_customer(ticket, handoff.team_closed)
        rating = InlineKeyboardMarkup([[InlineKeyboardButton(str(n) + "⭐", callback_data=encode(RateTicket(ticket.id, n)))
                                        for n in range(1, 6)]])
        try:
            await bot.send_message(ticket.customer_chat, self._tc(session.lang or ticket.lang, "Our team has closed this conversation. How would you rate the help you got, from 1 to 5? I'm here again for your questions."),
                                   reply_markup=rating)
        except Forbidden:
            pass
        await self.desk.topic_closed(bot, await self.tickets.get(ticket.id))
        await self._say(bot, message, self._t("✅ Ticket #{n} closed.").format(n=ticket.id))

    async def _reopen(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        latest = await self.tickets.latest(ticket.customer_chat)
        if ticket.state == OPEN or latest.id != ticket.id:
            await self._say(bot, message, self._t("Ticket #{n} is already open.").format(n=latest.id) if latest.state == OPEN
                            else self._t("This customer has a newer ticket: #{n}.").format(n=latest.id))
            return
        if not await self.tickets.reopen(ticket.id):  # reopened at the same moment by someone else
            await self._say(bot, message, self._t("Ticket #{n} is already open.").format(n=ticket.id))
            return
        key, session = await self.desk.customer_session(ticket)
        await self.desk.change_customer(ticket, handoff.team_reopened)
        try:
            await bot.send_message(ticket.customer_chat, self._tc(session.lang or ticket.lang, "Our team has reopened your conversation: a person will answer you here."))
        except Forbidden:
            pass
        await self.desk.topic_reopened(bot, await self.tickets.get(ticket.id))
        await self._say(bot, message, self._t("Ticket #{n} reopened.").format(n=ticket.id))

    async def _ban(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        await self.tickets.ban(ticket.customer_chat)
        latest = await self.tickets.latest(ticket.customer_chat)
        if ticket.state == OPEN:
            await self.tickets.close(ticket.id)
        if latest.id == ticket.id:  # an old ticket's topic: the customer's current one is left alone
            await self.desk.change_customer(ticket, handoff.team_closed)
        await self.desk.topic_closed(bot, await self.tickets.get(ticket.id))
        await self._say(bot, message, self._t("🚫 The customer of ticket #{n} is banned: their messages are ignored.").format(n=ticket.id))

    async def _unban(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        await self.tickets.unban(ticket.customer_chat)
        await self._say(bot, message, self._t("The customer of ticket #{n} can write again.").format(n=ticket.id))

    async def _take(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        user = message.from_user
        if user is None or message.sender_chat is not None:
            await self._say(bot, message, self._t("To take a ticket, post as yourself, not as an anonymous admin."))
            return
        work = await self.tickets.work(ticket.id)
        # The first /take of someone else's ticket asks; the second (on any replica) takes it over.
        if work.agent_id not in (None, user.id) and not await self.tickets.ask_takeover(ticket.id, user.id):
            await self._say(bot, message, self._t("{name} has ticket #{n}: send /take again to take it over.").format(
                name=shown_name(work.agent_name), n=ticket.id))
            return
        await self.tickets.take(ticket.id, user.id, user.first_name)
        await self.desk.retitle(bot, ticket)
        await self._say(bot, message, self._t("👤 {name} has taken ticket #{n}.").format(name=shown_name(user.first_name), n=ticket.id))

    # what the team sends the customer through the bot
    async def _kb(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        e = html.escape
        if not args.strip():
            await self._say(bot, message, self._t("Write what to look for, or an article id: /kb WORDS"))
            return
        best, unsure, others = await asyncio.to_thread(self.desk.conversation.find_article, args.strip())
        if best is None:
            await self._say(bot, message, self._t("No article matches that: try other words."))
            return
        if ticket.state != OPEN:
            await self._say(bot, message, self._t("This ticket is closed: /reopen it to write to the customer."))
            return
        key, _session = await self.desk.customer_session(ticket)
        reply = await self.desk.change_customer(ticket, lambda s: self.desk.conversation.article_for(
            key, s, s.lang or ticket.lang, best))
        if not await self.desk.send(ticket.customer_chat, reply):
            await self._say(bot, message, self._t("⚠️ Not delivered: the customer has blocked the bot."))
            return
        await self._answered(bot, ticket)
        text = e(self._t("📤 Sent to the customer: «{title}» ({id}).").format(title=reply.title, id=best))
        if unsure and others:
            text += "\n" + e(self._t("Not sure it is the right one. Did you mean:")) + " " + ", ".join(
                f"<code>/kb {e(a)}</code>" for a in others)
        await self._say(bot, message, text, as_html=True)

    async def _guide(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        if ticket.state != OPEN:
            await self._say(bot, message, self._t("This ticket is closed: /reopen it to write to the customer."))
            return
        conversation = self.desk.conversation
        client = conversation.engine.detect_client(fold(args).split()) if args.strip() else None
        if args.strip() and client is None:
            await self._say(bot, message, self._t("I don't know that program: the customer will choose it from the list."))
        key, _session = await self.desk.customer_session(ticket)
        replies = await self.desk.change_customer(ticket, lambda s: conversation.guide_for(key, s, s.lang or ticket.lang, client))
        for reply in replies:
            if not await self.desk.send(ticket.customer_chat, reply):
                await self._say(bot, message, self._t("⚠️ Not delivered: the customer has blocked the bot."))
                return
        await self._answered(bot, ticket, handoff.team_guides)
        await self._say(bot, message, self._t("📋 The setup guide has been sent to the customer: the bot walks them through "
                                              "it, the ticket stays open, and you'll see their progress here."))

    async def _answered(self, bot: Bot, ticket: Ticket, change=handoff.team_answered) -> None:
        """What the bot sent for the team is the team's answer: the ticket waits for the customer now."""
        await self.tickets.team_answered(ticket.id)
        await self.desk.change_customer(ticket, change)
        await self.desk.retitle(bot, ticket)

    # figures
    async def _info(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        key, session = await self.desk.customer_session(ticket)
        tickets = await self.tickets.of_customer(ticket.customer_chat)
        requests = await self.desk._outbox.of_customer(f"{self.desk.channel}:{ticket.customer_chat}")
        frame = session.frame("setup")
        card = Card(
            name=ticket.name, username=ticket.username, customer_id=ticket.customer_chat, lang=session.lang or ticket.lang,
            tickets=len(tickets), requests=tuple((r.reference, r.state) for r in requests),
            guide=describe_guide(frame["state"], self.desk.conversation.kb, self._t) if frame else None,
            last_rating=next((t.rating for t in reversed(tickets) if t.rating), None),
        )
        await self._say(bot, message, card_html(card, self._t, LANGUAGE_NAMES), as_html=True)

    async def _stats(self, bot: Bot, message: Message, args: str = "") -> None:
        days = whole_number(args, 1, MAX_STATS_DAYS) if args.strip() else 7
        if days is None:
            await self._say(bot, message, self._t("Use /stats DAYS, with DAYS a number from 1 to {most}.").format(most=MAX_STATS_DAYS))
            return
        since = time.time() - days * 86400
        worked = await self.tickets.since(since)
        records = [TicketRecord(t.id, str(t.customer_chat), t.opened, w.first_answer, t.closed, t.rating) for t, w in worked]
        reasons = [w.reason for t, w in worked if t.opened >= since and w.reason]
        customers = await self._store.customers_since(self.desk.channel, since)
        stats = compute(records, customers, reasons, since)
        kb = self.desk.conversation.kb
        titles = {a: kb.articles[a].title["it"] for a in kb.articles}
        await self._say(bot, message, stats_html(stats, since, customers, titles, self._t), as_html=True)

    async def _tickets(self, bot: Bot, message: Message, args: str = "") -> None:
        wanted = whole_number(args, 1, MAX_TICKETS_PAGE) if args.strip() else 1
        if wanted is None:
            await self._say(bot, message, self._t("Use /tickets PAGE, with PAGE a number from 1 to {most}.").format(most=MAX_TICKETS_PAGE))
            return
        tickets = await self.tickets.open_tickets()
        if not tickets:
            await self._say(bot, message, self._t("No open tickets."))
            return
        tickets, page, pages = page_of(tickets, wanted)
        now = time.time()
        lines = [self._t("Open tickets:")]
        for t in tickets:
            waiting = self._t("waiting for {minutes} min").format(minutes=int((now - t.waiting_since) // 60)) if t.waiting_since else self._t("answered")
            work = await self.tickets.work(t.id)
            taken = f" · {shown_name(work.agent_name)}" if work.agent_name else ""
            lines.append(f"#{t.id} {shown_name(t.name)} (@{shown_name(t.username)}), {waiting}{taken}")
        if pages > 1:
            lines.append(self._t("Page {page} of {pages}: /tickets {next} for the next.").format(
                page=page, pages=pages, next=page % pages + 1))
        await self._say(bot, message, "\n".join(lines))


def page_of(items: list, page: int, size: int = TICKETS_PAGE) -> tuple[list, int, int]:
    """Page ``page`` (from 1; out of range: the last) of ``items``, the page shown and how many there are."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 1), pages)
    return items[(page - 1) * size: page * size], page, pages

