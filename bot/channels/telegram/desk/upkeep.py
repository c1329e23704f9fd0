"""The desk's care of tickets beyond relaying: the setup guide's progress shown in the topic of a customer
the team sent through it, and tickets with no message for SUPPORT_IDLE_CLOSE_DAYS closed, with a notice
to both sides (the customer may reopen theirs within a day by writing)."""

from __future__ import annotations

import html
import logging
import time

from babel.units import format_unit
from telegram import Bot
from telegram.error import TelegramError

from bot.channels.delivery import change_session
from bot.channels.telegram.desk.relay import SupportDesk
from bot.core.session import Session
from bot.desk.card import describe_guide
from bot.flows import handoff
from bot.flows.setup import SetupFlow
from bot.storage.tickets import OPEN

log = logging.getLogger(__name__)


class TicketCare:
    def __init__(self, desk: SupportDesk):
        self.desk = desk

    async def guide_progress(self, bot: Bot, chat_id: int, session: Session) -> None:
        """Show in the ticket's topic where a customer the team sent through the setup guide is."""
        frame, human = session.frame(SetupFlow.name), session.frame(handoff.NAME)
        if human is None:
            return
        ticket = await self.desk.tickets.latest(chat_id)
        if ticket is None or ticket.state != OPEN:
            return
        # The last progress shown is kept with the ticket: a turn on another replica does not show it again.
        if frame is not None and session.flows.index(frame) > session.flows.index(human):
            progress = "📋 " + self.desk._t("Setup guide: {where}").format(
                where=describe_guide(frame["state"], self.desk.conversation.kb, self.desk._t))
            if not await self.desk.tickets.guide_progress(ticket.id, progress):
                return
        elif await self.desk.tickets.guide_progress(ticket.id, None):  # it was shown, and is over now
            progress = "📋 " + self.desk._t("The setup guide is over: the customer is back with the team.")
        else:
            return
        try:
            ticket, posted = await self.desk._in_topic(bot, ticket, lambda t: self.desk._post(bot, t, html.escape(progress)))
            await self.desk.tickets.link(posted.message_id, ticket.id)  # a reply to it reaches the customer
        except TelegramError as exc:
            log.warning("the guide's progress of ticket #%s did not reach the group: %s", ticket.id, exc)

    async def close_idle(self, bot: Bot, days: float) -> None:
        """Close tickets with no message for ``days`` days, telling both sides; the customer may reopen
        theirs within a day by writing."""
        for ticket in await self.desk.tickets.idle(days):
            async with self.desk.locks(ticket.customer_chat):  # not while the customer's turn runs
                if ticket.id not in {t.id for t in await self.desk.tickets.idle(days)}:
                    continue  # they wrote while earlier tickets were being closed
                if not await self.desk.tickets.close(ticket.id):
                    continue  # closed meanwhile by the team, or another replica: they told both sides
                now = time.time()
                key, session = await self.desk.customer_session(ticket)
                await self.desk._store.update(key, change_session(lambda s: handoff.idle_closed(s, now)))
            lang = session.lang or ticket.lang
            try:
                await bot.send_message(ticket.customer_chat, self.desk._tc(lang, "Your conversation with our support team has been closed because there were no new messages for {period}. If you still need them, write here within a day and it will reopen; otherwise, I'm here for your questions.").format(period=_period(days, lang)))
            except TelegramError as exc:
                log.info("customer of idle ticket #%s not told: %s", ticket.id, exc)
            try:
                ticket, notice = await self.desk._in_topic(bot, ticket, lambda t: self.desk._post(bot, t, html.escape(self.desk._t(
                    "💤 Ticket #{n} closed: no message for {period}. The customer can reopen it within a day by writing.").format(
                    n=ticket.id, period=_period(days, "it")))))
                await self.desk.tickets.link(notice.message_id, ticket.id)
            except TelegramError as exc:
                log.warning("the group was not told that idle ticket #%s closed: %s", ticket.id, exc)
            await self.desk.topic_closed(bot, await self.desk.tickets.get(ticket.id))
            log.info("ticket #%s closed after %s idle days", ticket.id, days)


_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def _period(days: float, lang: str) -> str:
    """SUPPORT_IDLE_CLOSE_DAYS in words of the language, in the largest whole unit: "10 giorni", "1 day",
    "12 hours" (never rounded up to weeks or months)."""
    seconds = days * 86400
    unit, size = next(((u, n) for u, n in _UNITS if seconds >= n), ("second", 1))
    value = seconds / size
    return format_unit(round(value) if abs(value - round(value)) < 0.05 else round(value, 1), f"duration-{unit}", locale=lang)
