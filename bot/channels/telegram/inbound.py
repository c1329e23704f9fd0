"""Telegram updates as the conversation's ``Inbound``: who wrote, and what (text, a command, a button,
media the bot cannot read)."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatType

from bot.core.types import Customer, Inbound

log = logging.getLogger(__name__)

CHANNEL = "telegram"
# What a customer may send that is not text, by the Message attribute that holds it.
MEDIA = ("photo", "sticker", "voice", "video", "video_note", "audio", "document", "location", "venue",
         "contact", "animation", "poll", "dice", "game", "story")


def customer_of(update: Update) -> Customer:
    user = update.effective_user
    if user is None:
        return Customer(id=str(update.effective_chat.id) if update.effective_chat else "")
    return Customer(id=str(user.id), name=user.full_name, username=user.username, language_code=user.language_code)


def command_of(update: Update) -> Inbound:
    message = update.effective_message
    command, _, args = ((message.text if message is not None else None) or "").partition(" ")
    return Inbound(command=command.lstrip("/").split("@")[0], text=args.strip(), customer=customer_of(update))


def text_of(update: Update) -> Inbound:
    message = update.effective_message
    return Inbound(text=(message.text if message is not None else None) or "", customer=customer_of(update))


def media_of(message: Message | None) -> str:
    """The kind of media a message holds ("photo", "sticker"...), or "other"."""
    return next((name for name in MEDIA if getattr(message, name, None)), "other")


def stray(update: Update) -> bool:
    """A press with no data, from an inline message (no chat) or outside a private chat: answered, ignored."""
    query, chat = update.callback_query, update.effective_chat
    if query is not None and query.data and chat is not None and chat.type == ChatType.PRIVATE:
        return False
    log.info("a button press with no data or no private chat ignored")
    return True
