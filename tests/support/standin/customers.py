"""The customers' side: the updates tests send (texts, buttons, edits), and faults to inject."""

from __future__ import annotations

import copy
import time
from typing import Any

from .limits import (
    ERROR_TEXTS,
)
from .markup import utf16_length


class Customers:
    """The customers' side: the updates tests send (texts, buttons, edits), and faults to inject."""

    # ---- customers' side: updates ----------------------------------------------------------

    def make_message(self, chat_id: int, *, user_id: int | None = None,
                     message_thread_id: int | None = None, **content: Any) -> dict:
        """A realistic incoming Message dict (next message_id of the chat, date, chat, from) + content.

        Use with push_update for photos, stickers...: ``push_update({"message": fake.make_message(
        1001, photo=[...])})``. The message is remembered (copyMessage/forwardMessage can use it).
        """
        with self._lock:
            chat = self._require_chat(chat_id)
            user = self._sender(chat, user_id)
            message: dict[str, Any] = {
                "message_id": self._next_message_id(chat_id),
                "date": int(time.time()),
                "chat": dict(chat),
            }
            if user is not None:
                message["from"] = dict(user)
            if message_thread_id is not None and chat.get("is_forum"):
                message["message_thread_id"] = message_thread_id
                message["is_topic_message"] = True
            message.update(copy.deepcopy(content))
            return message

    def send_text(self, chat_id: int, text: str, *, user_id: int | None = None,
                  message_thread_id: int | None = None, reply_to_message_id: int | None = None) -> int:
        """A customer writes ``text`` in a chat (their private chat by default); returns the update_id.

        Texts starting with "/" carry a bot_command entity. In groups, pass ``user_id``.
        """
        with self._cond:
            update = self.text_update(chat_id, text, user_id=user_id, message_thread_id=message_thread_id,
                                      reply_to_message_id=reply_to_message_id)
            self._enqueue(update)
            return update["update_id"]

    def text_update(self, chat_id: int, text: str, *, user_id: int | None = None,
                    message_thread_id: int | None = None, reply_to_message_id: int | None = None) -> dict:
        """The update ``send_text`` would queue, with its update_id, built and remembered but not queued:
        for a test that delivers it itself (a webhook POST)."""
        extra: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_length(command)}]
        with self._lock:
            if reply_to_message_id is not None:
                replied = self._messages.get((chat_id, reply_to_message_id))
                if replied is None:
                    raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
                extra["reply_to_message"] = copy.deepcopy(replied["message"])
            message = self.make_message(chat_id, user_id=user_id, message_thread_id=message_thread_id, **extra)
            return self.build_update({"message": message})

    def press_button(self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None,
                     check_button: bool = True) -> int:
        """A customer presses an inline button of a message the bot sent; returns the update_id.

        With ``check_button`` the message must currently show a button with that callback_data.
        """
        with self._cond:
            update = self.button_update(chat_id, message_id, data, user_id=user_id, check_button=check_button)
            self._enqueue(update)
            return update["update_id"]

    def button_update(self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None,
                      check_button: bool = True) -> dict:
        """The callback_query update ``press_button`` would queue, built but not queued (see text_update)."""
        with self._lock:
            record = self._messages.get((chat_id, message_id))
            if record is None or not record["from_bot"]:
                raise ValueError(f"the bot sent no message {message_id} in chat {chat_id}")
            if check_button:
                available = [
                    button.get("callback_data")
                    for row in (record["reply_markup"] or {}).get("inline_keyboard", [])
                    for button in row
                ]
                if data not in available:
                    raise ValueError(
                        f"message {message_id} in chat {chat_id} has no button {data!r}; it has {available}"
                    )
            chat = self._chats[chat_id]
            user = self._sender(chat, user_id)
            query_id = str(next(self._callback_ids))
            query = {
                "id": query_id,
                "from": dict(user),
                "message": copy.deepcopy(record["message"]),
                "chat_instance": str(abs(hash((self.token, chat_id))) % 10**19),
                "data": data,
            }
            self._open_callbacks[query_id] = query
            return self.build_update({"callback_query": query})

    def edit_text(self, chat_id: int, message_id: int, text: str) -> int:
        """Whoever wrote message ``message_id`` edits it to ``text`` (a caption, for media); returns the
        update_id of the edited_message update."""
        with self._lock:
            record = self._messages.get((chat_id, message_id))
            if record is None:
                raise ValueError(f"no message {message_id} in chat {chat_id}")
            message = copy.deepcopy(record["message"])
        message["caption" if "caption" in message else "text"] = text
        message.pop("entities", None)
        message["edit_date"] = int(time.time())
        return self.push_update({"edited_message": message})

    def push_update(self, update: dict) -> int:
        """Queue any raw update (without update_id); returns the update_id it was given."""
        with self._cond:
            update = self.build_update(update)
            self._enqueue(update)
            return update["update_id"]

    def build_update(self, update: dict) -> dict:
        """A raw update (without update_id) given the next update_id and remembered, but not queued for
        getUpdates: what a test delivers itself, as Telegram's webhook would."""
        if "update_id" in update:
            raise ValueError("the stand-in assigns update_id itself")
        with self._lock:
            update = {"update_id": self._next_update_id, **copy.deepcopy(update)}
            self._next_update_id += 1
            self._remember_incoming(update)
            return copy.deepcopy(update)

    def _enqueue(self, update: dict) -> None:
        with self._cond:
            self._updates.append(update)
            self._cond.notify_all()

    def restart_update_ids(self, first: int) -> None:
        """As Telegram does after a week without updates: the next update ids start again at ``first``."""
        with self._cond:
            self._next_update_id = first
            self._confirmed_offset = 0

    def message_id_of(self, update_id: int) -> int:
        """The message_id of the message an update (from send_text, push_update...) carried."""
        with self._lock:
            return self._update_messages[update_id]

    def _remember_incoming(self, update: dict) -> None:
        for key in ("message", "channel_post", "business_message", "edited_message", "edited_channel_post"):
            message = update.get(key)
            if not isinstance(message, dict) or "chat" not in message or "message_id" not in message:
                continue
            self._update_messages[update["update_id"]] = message["message_id"]
            chat_id = message["chat"].get("id")
            record = self._messages.get((chat_id, message["message_id"]))
            if key.startswith("edited") and record is not None:
                record["message"] = copy.deepcopy(message)
                continue
            self._messages[(chat_id, message["message_id"])] = {
                "message_id": message["message_id"], "chat_id": chat_id, "from_bot": False,
                "method": None, "text": message.get("text"), "message": copy.deepcopy(message),
            }

    def _push_member_change(self, user_id: int, old: str, new: str) -> None:
        user = self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "User"})
        chat = self._chats.get(user_id, {"id": user_id, "type": "private", "first_name": user["first_name"]})
        self.push_update({"my_chat_member": {
            "chat": dict(chat), "from": dict(user), "date": int(time.time()),
            "old_chat_member": {"status": old, "user": dict(self.bot_user)},
            "new_chat_member": {"status": new, "user": dict(self.bot_user),
                                **({"until_date": 0} if new == "kicked" else {})},
        }})

    # ---- fault injection --------------------------------------------------------------------

    def inject_429(self, method: str = "sendMessage", count: int = 1, retry_after: int = 1) -> None:
        """The next ``count`` calls of ``method`` answer 429 "Too Many Requests: retry after N"."""
        with self._lock:
            self._injected_429.setdefault(method.lower(), []).extend([retry_after] * count)

    def fail_method(self, method: str, status: int = 500, count: int | None = None,
                    description: str | None = None) -> None:
        """``method`` answers this error, ``count`` times or always (None); count 0 clears it."""
        with self._lock:
            if count == 0:
                self._failures.pop(method.lower(), None)
                return
            text = description or ERROR_TEXTS.get(status, "Error")
            self._failures[method.lower()] = {"status": status, "count": count, "description": text}

    def clear_faults(self) -> None:
        """Forget injected 429s and failing methods (blocked users stay blocked)."""
        with self._lock:
            self._injected_429.clear()
            self._failures.clear()

