"""Replies out to Telegram: a reply as HTML messages (split when long) with its keyboard and attachment,
through ``with_retries``; a customer who blocked the bot is logged and left alone. Also the answers to
button presses and the removal of a pressed keyboard."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.channels.telegram.botapi.calls import with_retries
from bot.channels.telegram.botapi.render import keyboard, split_html, to_html
from bot.core.types import Reply
from bot.metrics import METRICS

log = logging.getLogger(__name__)

KEYBOARDS_REMEMBERED = 10_000


class Sender:
    """Sends through the Application's bot (``bot``: it exists once the Application is built)."""

    def __init__(self, bot: Callable[[], Bot]):
        self._bot = bot
        self._keyboards_removed: dict[tuple[int, int], None] = {}  # oldest first, bounded

    async def send(self, chat_id: int, reply: Reply) -> bool:
        """Send one reply (several messages if long); False when the customer cannot be reached."""
        bot = self._bot()
        pieces = split_html(to_html(reply))
        rows = keyboard(reply)
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row] for row in rows]
        ) if rows else None
        try:
            for n, piece in enumerate(pieces):
                last = n == len(pieces) - 1
                await with_retries(functools.partial(bot.send_message, chat_id, piece, parse_mode=ParseMode.HTML,
                                                     reply_markup=markup if last else None))
            if reply.attachment:
                document = InputFile(reply.attachment.content, filename=Path(reply.attachment.filename).name)
                await with_retries(functools.partial(bot.send_document, chat_id, document))
        except Forbidden as exc:
            log.info("chat %s cannot be reached (%s): not retried", chat_id, exc)
            return False
        METRICS.reply_sent()
        return True

    async def answer_query(self, update: Update) -> None:
        """Answer a button press at once (Telegram shows a spinner until then)."""
        if update.callback_query is None:
            return
        try:
            await update.callback_query.answer()
        except BadRequest as exc:  # too old or already answered: the press itself still counts
            log.info("callback query not answered: %s", exc)

    async def remove_keyboard(self, query: CallbackQuery) -> None:
        """Remove the keyboard a press came from, once: presses of the same message that were already
        on their way (or forged) do not ask Telegram again."""
        message = query.message
        if message is None:
            return
        key = (message.chat.id, message.message_id)
        if key in self._keyboards_removed:
            return
        self._keyboards_removed[key] = None
        while len(self._keyboards_removed) > KEYBOARDS_REMEMBERED:
            self._keyboards_removed.pop(next(iter(self._keyboards_removed)))
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except BadRequest as exc:
            log.debug("keyboard not removed: %s", exc)
