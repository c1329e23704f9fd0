"""The support group as the desk speaks to it: its chat, whether it is a forum, posts into a ticket's
topic (or the plain group), replies to a team member, and the texts in the team's language."""

from __future__ import annotations

import functools
import html
import logging

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.channels.telegram.botapi.calls import with_retries
from bot.channels.telegram.botapi.render import split_html
from bot.desk.rules import TEAM_LANGUAGE
from bot.i18n import Translator
from bot.storage.tickets import Ticket

log = logging.getLogger(__name__)

GROUP_RETRY_SECONDS = 20.0  # a customer waits this long for a failing group, then goes to the support mailbox


class GroupUnreachable(Exception):
    """The support group cannot take a ticket: the bot was removed, or Telegram keeps failing."""


def topic_gone(error: BadRequest) -> bool:
    """Telegram's answer when a topic the team deleted is posted to."""
    return "thread not found" in str(error).lower() or "topic_id_invalid" in str(error).lower()


def for_another_bot(bot: Bot, message: Message) -> bool:
    """A command addressed to another bot of the group ("/close@other_bot")."""
    text = message.text or ""
    addressee = text.split()[0].partition("@")[2] if text.startswith("/") else ""
    return bool(addressee) and addressee.lower() != (bot.username or "").lower()


class SupportGroup:
    """The group's chat, and what the desk says there."""

    def __init__(self, chat_id: int, translator: Translator):
        self.chat_id = chat_id
        self.translator = translator
        self._forum: bool | None = None

    def team_text(self, message: str) -> str:
        """``message`` in the team's language."""
        return self.translator.gettext(TEAM_LANGUAGE, message)

    def customer_text(self, lang: str, message: str) -> str:
        """``message`` in a customer's language."""
        return self.translator.gettext(lang, message)

    async def is_forum(self, bot: Bot) -> bool:
        """Whether the group has topics (asked once)."""
        if self._forum is None:
            try:
                self._forum = bool((await bot.get_chat(self.chat_id)).is_forum)
            except (BadRequest, Forbidden) as exc:
                log.error("the support group %s cannot be reached: %s", self.chat_id, exc)
                return False
        return self._forum

    async def post(self, bot: Bot, ticket: Ticket, text_html: str) -> Message:
        """Post to the ticket's topic (or the plain group); raises what Telegram says after retries."""
        posted: list[Message] = []
        for piece in split_html(text_html):
            send = functools.partial(bot.send_message, self.chat_id, piece, parse_mode=ParseMode.HTML,
                                     message_thread_id=ticket.topic_id)
            posted.append(await with_retries(send, "posting to the support group", seconds=GROUP_RETRY_SECONDS))
        return posted[-1]

    async def say(self, bot: Bot, message: Message, text: str, as_html: bool = False) -> None:
        """A reply to the team (plain text, or HTML with ``as_html``), in as many messages as Telegram's
        length limit needs (/tickets can be long)."""
        for piece in split_html(text if as_html else html.escape(text)):
            thread = message.message_thread_id if message.is_topic_message else None
            send = functools.partial(
                bot.send_message, self.chat_id, piece, parse_mode=ParseMode.HTML,
                reply_to_message_id=message.message_id, message_thread_id=thread, allow_sending_without_reply=True)
            await with_retries(send, "answering the team", seconds=GROUP_RETRY_SECONDS)
