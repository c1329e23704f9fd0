"""Telegram's checks shared by the methods (call with the lock held): chats, access, flood, text, buttons."""

from __future__ import annotations

import copy
import itertools
import time
from typing import Any
from urllib.parse import urlsplit

from .limits import (
    BLOCK_EXEMPT,
    BUTTON_ACTIONS,
    GENERAL_TOPIC_ID,
    MAX_BUTTONS,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    ApiError,
    bad_request,
)
from .markup import HtmlError, parse_html, trim_entities, utf16_length


class Checks:
    """Telegram's checks shared by the methods (call with the lock held): chats, access, flood, text, buttons."""

    # ---- helpers (call with the lock held) ----------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _require_chat(self, chat_id: int) -> dict:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ValueError(f"unknown chat {chat_id}: add_private_chat/add_group first")
        return chat

    def _sender(self, chat: dict, user_id: int | None) -> dict | None:
        if chat["type"] == "private":
            if user_id not in (None, chat["id"]):
                raise ValueError("in a private chat only its user writes")
            return self._users[chat["id"]]
        if chat["type"] == "channel":
            return None
        if user_id is None or user_id not in self._users:
            raise ValueError(f"in group {chat['id']} pass user_id= of a user added with add_user/add_private_chat")
        return self._users[user_id]

    def _lookup_chat(self, chat_id: Any) -> dict | None:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self._chats.values():
                if chat["type"] != "private" and chat.get("username", "").lower() == chat_id[1:].lower():
                    return chat
            return None
        return self._chats.get(chat_id) if isinstance(chat_id, int) else None

    def _chat(self, params: dict, key: str = "chat_id") -> dict:
        """The chat named by params[key], or 400 chat not found."""
        if params.get(key) in (None, ""):
            raise bad_request(f"{key} is empty")
        chat = self._lookup_chat(params[key])
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _check_chat_access(self, key: str, params: dict) -> None:
        """403 for users who blocked (or never started) the bot and groups the bot left."""
        chat_id = params.get("chat_id")
        if key in BLOCK_EXEMPT or chat_id in (None, ""):
            return
        if isinstance(chat_id, int) and chat_id not in self._chats and chat_id in self._users:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        chat = self._lookup_chat(chat_id)
        if chat is None:
            return
        if chat["type"] == "private" and chat["id"] in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat["id"] in self._kicked_from:
            kind = "supergroup chat" if chat["type"] == "supergroup" else f"{chat['type']} chat"
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")

    def _thread_id(self, chat: dict, params: dict) -> int | None:
        """The message_thread_id to use, checked against the forum's topics."""
        thread_id = params.get("message_thread_id")
        if thread_id in (None, "", 0):
            return None
        if not isinstance(thread_id, int):
            raise bad_request("invalid message_thread_id")
        if chat.get("is_forum") and thread_id != GENERAL_TOPIC_ID and thread_id not in self._topics.get(chat["id"], {}):
            raise bad_request("message thread not found")
        return thread_id if chat.get("is_forum") else None

    def _flood_check(self, chat: dict) -> None:
        now = time.monotonic()
        private = chat["type"] == "private"
        window, limit = (1.0, self.flood_limit_per_chat_per_second) if private else (
            60.0, self.flood_limit_per_group_per_minute)
        log = self._flood_log[chat["id"]]
        while log and log[0] <= now - 60.0:
            log.popleft()
        if limit is not None and sum(1 for stamp in log if stamp > now - window) >= limit:
            retry = self.flood_retry_after
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)

    def _formatted(self, text: Any, parse_mode: Any, entities: Any, *, caption: bool = False) -> tuple[str, list[dict]]:
        """(visible text, entities) of a text or caption, validated like Telegram."""
        text = "" if text is None else str(text)
        mode = (parse_mode or "").lower() if isinstance(parse_mode, str) else ""
        if mode == "html":
            try:
                plain, found = parse_html(text)
            except HtmlError as error:
                raise bad_request(f"can't parse entities: {error}") from None
        elif mode in ("", "markdown", "markdownv2"):  # Markdown is not validated by this fake
            plain, found = text, list(entities) if isinstance(entities, list) else []
        else:
            raise bad_request("unsupported parse_mode")
        plain, found = trim_entities(plain, found)
        limit = MAX_CAPTION_LENGTH if caption else MAX_TEXT_LENGTH
        if utf16_length(plain) > limit:  # Telegram counts UTF-16 code units
            raise bad_request("message caption is too long" if caption else "message is too long")
        return plain, found

    @staticmethod
    def _check_reply_markup(markup: Any, *, inline_only: bool = False) -> dict | None:
        """Validate a reply_markup like Telegram; return it (decoded) or None."""
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            Checks._check_inline_keyboard(markup["inline_keyboard"])
            return markup
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup:
            Checks._check_keyboard(markup["keyboard"])
            return markup
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return markup
        raise bad_request("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_inline_keyboard(rows: Any) -> None:
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        if sum(len(row) for row in rows) > MAX_BUTTONS:
            raise bad_request("reply markup is too long")
        for row in rows:
            for button in row:
                Checks._check_inline_button(button)

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict):
            raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        text = button.get("text")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("can't parse inline keyboard button: Text must be non-empty")
        actions = [action for action in BUTTON_ACTIONS if action in button]
        if not actions:
            raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise bad_request(f"can't parse inline keyboard button: exactly one of {actions} must be used")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button and not Checks._valid_button_url(button["url"]):
            raise bad_request(f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")

    @staticmethod
    def _check_keyboard(rows: Any) -> None:
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        for row in rows:
            for button in row:
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str) or not text:
                    raise bad_request("can't parse keyboard button: Text must be non-empty")

    @staticmethod
    def _valid_button_url(url: Any) -> bool:
        if not isinstance(url, str) or not url or any(ch.isspace() for ch in url):
            return False
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            return bool(parts.netloc) and "." in parts.netloc or parts.netloc.startswith("localhost")
        if parts.scheme in ("tg", "ton"):
            return True
        return not parts.scheme and "." in url.split("/")[0]

    @staticmethod
    def _visible_markup(markup: dict | None) -> dict | None:
        """The markup as it appears in a Message: only non-empty inline keyboards."""
        if markup and markup.get("inline_keyboard"):
            return {"inline_keyboard": copy.deepcopy(markup["inline_keyboard"])}
        return None

    def _reply_to(self, chat: dict, params: dict) -> dict | None:
        reply = params.get("reply_parameters")
        message_id = reply.get("message_id") if isinstance(reply, dict) else params.get("reply_to_message_id")
        if message_id in (None, ""):
            return None
        lenient = (reply or {}).get("allow_sending_without_reply") if isinstance(reply, dict) else params.get(
            "allow_sending_without_reply")
        record = self._messages.get((chat["id"], message_id))
        if record is None:
            if lenient:
                return None
            raise bad_request("message to be replied not found")
        return copy.deepcopy(record["message"])

    def _store_bot_message(self, chat: dict, method: str, content: dict, *, params: dict,
                           thread_id: int | None, reply_markup: dict | None, **record_fields: Any) -> dict:
        """Create a message of the bot in ``chat`` and remember it; return the record."""
        message_id = self._next_message_id(chat["id"])
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": dict(self.bot_user),
            "chat": dict(chat),
            "date": int(time.time()),
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        replied = self._reply_to(chat, params)
        if replied is not None:
            message["reply_to_message"] = replied
        message.update(content)
        visible = self._visible_markup(reply_markup)
        if visible:
            message["reply_markup"] = visible
        record = {
            "message_id": message_id, "chat_id": chat["id"], "method": method, "from_bot": True,
            "text": None, "plain_text": message.get("text"), "parse_mode": params.get("parse_mode"),
            "entities": message.get("entities", []), "reply_markup": copy.deepcopy(reply_markup),
            "message_thread_id": thread_id, "caption": message.get("caption"),
            "document_filename": None, "document_bytes": None, "document_mime_type": None,
            "copied_from": None, "forwarded_from": None, "edits": 0, "deleted": False,
            "message": message, "sent_at": time.monotonic(),
        }
        record.update(record_fields)
        self._messages[(chat["id"], message_id)] = record
        self._sent[chat["id"]].append(record)
        self._flood_log[chat["id"]].append(time.monotonic())
        return record

