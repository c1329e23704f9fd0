"""The team's figures: /info (the customer's card), /tickets [PAGE] (the open tickets) and /stats
[DAYS] (the period's tickets, answers, ratings and reasons)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TypeVar

from telegram import Bot, Message

from bot.channels.telegram.desk.relay import SupportDesk
from bot.core.numbers import whole_number
from bot.desk.card import Card, card_html, describe_guide, stats_html
from bot.desk.names import shown_name
from bot.desk.rules import LANGUAGE_NAMES, TEAM_LANGUAGE, language_label
from bot.desk.stats import TicketRecord, compute
from bot.flows.setup import SetupFlow
from bot.storage.tickets import Ticket

MAX_STATS_DAYS = 3650
STATS_DAYS = 7  # /stats without a number
MAX_TICKETS_PAGE = 9999  # past the last page, the last one is shown
TICKETS_PAGE = 20  # open tickets per /tickets message

T = TypeVar("T")


def page_of(items: Sequence[T], page: int, size: int = TICKETS_PAGE) -> tuple[list[T], int, int]:
    """Page ``page`` (from 1; out of range: the last) of ``items``, the page shown and how many there are."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 1), pages)
    return list(items[(page - 1) * size: page * size]), page, pages


class Figures:
    """/info, /tickets and /stats."""

    def __init__(self, desk: SupportDesk):
        self.desk, self.group, self.ticket_store = desk, desk.group, desk.store.tickets

    def _t(self, message: str) -> str:
        return self.group.team_text(message)

    async def info(self, bot: Bot, message: Message, ticket: Ticket, args: str = "") -> None:
        """The customer's card: who, language, tickets, requests, the guide, the last rating."""
        session = await self.desk.sessions.session(ticket)
        tickets = await asyncio.to_thread(self.ticket_store.reports.of_customer, ticket.customer_chat)
        customer = f"{self.desk.channel}:{ticket.customer_chat}"
        requests = await asyncio.to_thread(self.desk.store.outbox.of_customer, customer)
        frame = session.frame(SetupFlow.name)
        card = Card(
            name=ticket.name, username=ticket.username, customer_id=ticket.customer_chat,
            lang=session.lang or ticket.lang, tickets=len(tickets),
            requests=tuple((r.reference, r.state) for r in requests),
            guide=describe_guide(frame["state"], self.desk.conversation.kb, self._t) if frame else None,
            last_rating=next((t.rating for t in reversed(tickets) if t.rating), None),
        )
        labels = {lang: language_label(lang) for lang in LANGUAGE_NAMES}
        await self.group.say(bot, message, card_html(card, self._t, labels), as_html=True)

    async def stats(self, bot: Bot, message: Message, args: str = "") -> None:
        days = whole_number(args, 1, MAX_STATS_DAYS) if args.strip() else STATS_DAYS
        if days is None:
            await self.group.say(bot, message, self._t(
                "Use /stats DAYS, with DAYS a number from 1 to {most}.").format(most=MAX_STATS_DAYS))
            return
        since = time.time() - days * 86400
        worked = await asyncio.to_thread(self.ticket_store.reports.since, since)
        records = [TicketRecord(t.id, str(t.customer_chat), t.opened, h.first_answer, t.closed, t.rating)
                   for t, h in worked]
        reasons = [h.reason for t, h in worked if t.opened >= since and h.reason]
        customers = await asyncio.to_thread(self.desk.store.customers_since, self.desk.channel, since)
        figures = compute(records, customers, reasons, since)
        kb = self.desk.conversation.kb
        titles = {a: kb.articles[a].title[TEAM_LANGUAGE] for a in kb.articles}
        await self.group.say(bot, message, stats_html(figures, since, customers, titles, self._t), as_html=True)

    async def tickets(self, bot: Bot, message: Message, args: str = "") -> None:
        wanted = whole_number(args, 1, MAX_TICKETS_PAGE) if args.strip() else 1
        if wanted is None:
            await self.group.say(bot, message, self._t(
                "Use /tickets PAGE, with PAGE a number from 1 to {most}.").format(most=MAX_TICKETS_PAGE))
            return
        open_tickets = await asyncio.to_thread(self.ticket_store.reports.open_tickets)
        if not open_tickets:
            await self.group.say(bot, message, self._t("No open tickets."))
            return
        shown, page, pages = page_of(open_tickets, wanted)
        lines = [self._t("Open tickets:")] + [await self._line(t, time.time()) for t in shown]
        if pages > 1:
            lines.append(self._t("Page {page} of {pages}: /tickets {next} for the next.").format(
                page=page, pages=pages, next=page % pages + 1))
        await self.group.say(bot, message, "\n".join(lines))

    async def _line(self, ticket: Ticket, now: float) -> str:
        """"#12 Mario (@mario), waiting for 5 min · Giulia"."""
        if ticket.waiting_since:
            waiting = self._t("waiting for {minutes} min").format(minutes=int((now - ticket.waiting_since) // 60))
        else:
            waiting = self._t("answered")
        handling = await asyncio.to_thread(self.ticket_store.handling.get, ticket.id)
        taken = f" · {shown_name(handling.agent_name)}" if handling.agent_name else ""
        return f"#{ticket.id} {shown_name(ticket.name)} (@{shown_name(ticket.username)}), {waiting}{taken}"
