"""Setting up the world the bot lives in: users, chats, groups, topics, members, blocks, holds."""

from __future__ import annotations

import itertools
import time
from typing import Any

from .limits import (
    DEFAULT_TOPIC_COLOR,
    GENERAL_TOPIC_ID,
)


class World:
    """Setting up the world the bot lives in: users, chats, groups, topics, members, blocks, holds."""

    # ---- world set-up -------------------------------------------------------------------

    def add_user(self, user_id: int, first_name: str = "User", *, last_name: str | None = None,
                 username: str | None = None, language_code: str | None = None) -> dict:
        """A known Telegram user who has NOT started the bot (sends to them answer 403)."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        with self._lock:
            self._users[user_id] = user
        return dict(user)

    def add_private_chat(self, user_id: int, first_name: str = "User", *, last_name: str | None = None,
                         username: str | None = None, language_code: str | None = None) -> dict:
        """A user who started the bot: their private chat (id = user_id) is known. Returns the chat."""
        user = self.add_user(user_id, first_name, last_name=last_name, username=username,
                             language_code=language_code)
        chat = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name:
            chat["last_name"] = last_name
        if username:
            chat["username"] = username
        with self._lock:
            self._chats[user_id] = chat
            self._message_ids.setdefault(user_id, itertools.count(1))
            self._blocked.discard(user["id"])
        return dict(chat)

    def add_group(self, chat_id: int, title: str = "Group", *, forum: bool = False,
                  username: str | None = None, type: str = "supergroup") -> dict:  # noqa: A002
        """A group the bot is an administrator of; ``forum`` enables topics. Returns the chat."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative, e.g. -100500")
        chat: dict[str, Any] = {"id": chat_id, "type": type, "title": title}
        if forum:
            chat["is_forum"] = True
        if username:
            chat["username"] = username
        with self._lock:
            self._chats[chat_id] = chat
            # In a forum, message 1 is the General topic's: the topics made later have other ids.
            self._message_ids.setdefault(chat_id, itertools.count(GENERAL_TOPIC_ID + 1 if forum else 1))
        return dict(chat)

    def add_topic(self, chat_id: int, name: str, *, icon_color: int = DEFAULT_TOPIC_COLOR) -> int:
        """A topic that already exists in a forum group; returns its message_thread_id."""
        with self._lock:
            chat = self._require_chat(chat_id)
            if not chat.get("is_forum"):
                raise ValueError(f"chat {chat_id} is not a forum")
            thread_id = self._next_message_id(chat_id)
            self._topics[chat_id][thread_id] = {"name": name, "icon_color": icon_color, "closed": False}
            return thread_id

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers for that user: creator, administrator, member, left, kicked."""
        with self._lock:
            self._members[(chat_id, user_id)] = status

    def change_member(self, chat_id: int, user_id: int, status: str) -> int:
        """``set_member_status``, and the ``chat_member`` update Telegram sends about it (delivered only to a
        bot that asked for it in allowed_updates). Returns the update_id."""
        with self._cond:
            old = self._members.get((chat_id, user_id), "member")
            self._members[(chat_id, user_id)] = status
            user = dict(self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "User"}))
            chat = dict(self._require_chat(chat_id))
            return self.push_update({"chat_member": {
                "chat": chat, "from": user, "date": int(time.time()),
                "old_chat_member": self._member(old, user), "new_chat_member": self._member(status, user)}})

    def block_user(self, user_id: int, *, notify: bool = False) -> None:
        """The user blocks the bot: sends to them answer 403. ``notify`` pushes the my_chat_member update."""
        with self._lock:
            self._blocked.add(user_id)
            if notify:
                self._push_member_change(user_id, "member", "kicked")

    def unblock_user(self, user_id: int, *, notify: bool = False) -> None:
        """The user unblocks the bot."""
        with self._lock:
            self._blocked.discard(user_id)
            if notify:
                self._push_member_change(user_id, "kicked", "member")

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """The team deletes a forum topic: posts there answer 400 "message thread not found"."""
        with self._lock:
            self._topics[chat_id].pop(thread_id, None)

    def hold(self, method: str) -> None:
        """Calls of ``method`` wait, unanswered, until ``release``: the bot can be killed in the middle."""
        with self._cond:
            self._holds.add(method.lower())

    def release(self, method: str) -> None:
        with self._cond:
            self._holds.discard(method.lower())
            self._cond.notify_all()

    def expect_refusal(self, description: str) -> None:
        """Refusals whose description contains ``description`` are the test's own doing (a topic it
        deleted, a chat it left): ``refusals`` leaves them out."""
        with self._lock:
            self._expected_refusals.append(description)

    def kick_bot(self, chat_id: int) -> None:
        """The bot is removed from a group: sends there answer 403."""
        with self._lock:
            self._kicked_from.add(chat_id)

