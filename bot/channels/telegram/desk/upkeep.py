"""The desk's upkeep of open tickets beyond relaying: the setup guide's progress shown in the topic of a
customer the team sent through it, and tickets with no message for SUPPORT_IDLE_CLOSE_DAYS closed, with
a notice to both sides (the customer may reopen theirs within a day by writing)."""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import time

from babel.units import format_unit
from telegram import Bot
from telegram.error import TelegramError

from bot.channels.telegram.desk.relay import SupportDesk
from bot.core.session import Session
from bot.desk.card import describe_guide
from bot.desk.rules import TEAM_LANGUAGE
from bot.flows import handoff
from bot.flows.setup import SetupFlow
from bot.storage.tickets import OPEN, Ticket

log = logging.getLogger(__name__)

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def idle_period(days: float, lang: str) -> str:
    """SUPPORT_IDLE_CLOSE_DAYS in words of the language, in the largest whole unit: "10 giorni", "1 day",
    "12 hours" (never rounded up to weeks or months)."""
    seconds = days * 86400
    unit, size = next(((u, n) for u, n in _UNITS if seconds >= n), ("second", 1))
    value = seconds / size
    shown = round(value) if abs(value - round(value)) < 0.05 else round(value, 1)
    return str(format_unit(shown, f"duration-{unit}", locale=lang))


class TicketUpkeep:
    """Guide progress in the topic, and idle tickets closed."""

    def __init__(self, desk: SupportDesk):
        self.desk, self.group, self.tickets = desk, desk.group, desk.store.tickets

    def _t(self, message: str) -> str:
        return self.group.team_text(message)

    def _tc(self, lang: str, message: str) -> str:
        return self.group.customer_text(lang, message)

    async def guide_progress(self, bot: Bot, chat_id: int, session: Session) -> None:
        """Show in the ticket's topic where a customer the team sent through the setup guide is."""
        frame, human = session.frame(SetupFlow.name), session.frame(handoff.NAME)
        if human is None:
            return
        ticket = await asyncio.to_thread(self.tickets.lifecycle.latest, chat_id)
        if ticket is None or ticket.state != OPEN:
            return
        ticket_id = ticket.id

        async def noted(shown: str | None) -> bool:
            return await asyncio.to_thread(self.tickets.handling.guide_progress, ticket_id, shown)

        # The last progress shown is kept with the ticket: a turn on another replica does not show it again.
        if frame is not None and session.flows.index(frame) > session.flows.index(human):
            progress = "📋 " + self._t("Setup guide: {where}").format(
                where=describe_guide(frame["state"], self.desk.conversation.kb, self._t))
            if not await noted(progress):
                return
        elif await noted(None):  # it was shown, and is over now
            progress = "📋 " + self._t("The setup guide is over: the customer is back with the team.")
        else:
            return
        try:
            ticket, posted = await self.desk.topics.post(bot, ticket, html.escape(progress))
            await asyncio.to_thread(self.tickets.links.link, posted.message_id, ticket.id)  # a reply reaches them
        except TelegramError as exc:
            log.warning("the guide's progress of ticket #%s did not reach the group: %s", ticket.id, exc)

    async def close_idle(self, bot: Bot, days: float) -> None:
        """Close tickets with no message for ``days`` days, telling both sides; the customer may reopen
        theirs within a day by writing."""
        for ticket in await asyncio.to_thread(self.tickets.reports.idle, days):
            session = await self._close(ticket, days)
            if session is None:
                continue
            await self._tell_customer(bot, ticket, session.lang or ticket.lang, days)
            await self._tell_team(bot, ticket, days)
            closed = await asyncio.to_thread(self.tickets.lifecycle.get, ticket.id)
            await self.desk.topics.closed(bot, closed or ticket)
            log.info("ticket #%s closed after %s idle days", ticket.id, days)

    async def _close(self, ticket: Ticket, days: float) -> Session | None:
        """Close the idle ticket and note it in the customer's session; None when it is not to be closed."""
        async with self.desk.locks(ticket.customer_chat):  # not while the customer's turn runs
            if ticket.id not in {t.id for t in await asyncio.to_thread(self.tickets.reports.idle, days)}:
                return None  # they wrote while earlier tickets were being closed
            if not await asyncio.to_thread(self.tickets.lifecycle.close, ticket.id):
                return None  # closed meanwhile by the team, or another replica: they told both sides
            now = time.time()
            session = await self.desk.sessions.session(ticket)
            await self.desk.sessions.change_locked(ticket, functools.partial(handoff.idle_closed, now=now))
            return session

    async def _tell_customer(self, bot: Bot, ticket: Ticket, lang: str, days: float) -> None:
        text = self._tc(lang, "Your conversation with our support team has been closed because there were no new "
                              "messages for {period}. If you still need them, write here within a day and it will "
                              "reopen; otherwise, I'm here for your questions.").format(period=idle_period(days, lang))
        try:
            await bot.send_message(ticket.customer_chat, text)
        except TelegramError as exc:
            log.info("customer of idle ticket #%s not told: %s", ticket.id, exc)

    async def _tell_team(self, bot: Bot, ticket: Ticket, days: float) -> None:
        text = self._t("💤 Ticket #{n} closed: no message for {period}. The customer can reopen it within a day "
                       "by writing.").format(n=ticket.id, period=idle_period(days, TEAM_LANGUAGE))
        try:
            ticket, notice = await self.desk.topics.post(bot, ticket, html.escape(text))
            await asyncio.to_thread(self.tickets.links.link, notice.message_id, ticket.id)
        except TelegramError as exc:
            log.warning("the group was not told that idle ticket #%s closed: %s", ticket.id, exc)


