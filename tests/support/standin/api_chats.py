"""Chats: forum topics, getChat, members and administrators."""

from __future__ import annotations

from typing import Any

from .limits import (
    DEFAULT_TOPIC_COLOR,
    TOPIC_COLORS,
    bad_request,
)
from .markup import utf16_length


class ChatsApi:
    """Chats: forum topics, getChat, members and administrators."""

    def _forum(self, params: dict) -> dict:
        chat = self._chat(params)
        if not chat.get("is_forum"):
            raise bad_request("the chat is not a forum")
        return chat

    def _topic(self, params: dict) -> tuple[dict, dict]:
        chat = self._forum(params)
        topic = self._topics[chat["id"]].get(params.get("message_thread_id"))
        if topic is None:
            raise bad_request("message thread not found")
        return chat, topic

    @staticmethod
    def _check_topic_name(name: Any) -> str:
        if not isinstance(name, str) or not name.strip():
            raise bad_request("TOPIC_TITLE_EMPTY")
        if utf16_length(name) > 128:
            raise bad_request("TOPIC_TITLE_TOO_LONG")
        return name

    def _api_createforumtopic(self, params: dict) -> dict:
        with self._lock:
            chat = self._forum(params)
            name = self._check_topic_name(params.get("name"))
            color = params.get("icon_color", DEFAULT_TOPIC_COLOR)
            if color not in TOPIC_COLORS:
                raise bad_request("TOPIC_COLOR_INVALID")
            self._flood_check(chat)
            thread_id = self._next_message_id(chat["id"])
            self._topics[chat["id"]][thread_id] = {"name": name, "icon_color": color, "closed": False}
            result = {"message_thread_id": thread_id, "name": name, "icon_color": color}
            if params.get("icon_custom_emoji_id"):
                result["icon_custom_emoji_id"] = params["icon_custom_emoji_id"]
            return result

    def _api_editforumtopic(self, params: dict) -> bool:
        with self._lock:
            _, topic = self._topic(params)
            name = params.get("name")
            if name is not None:
                name = self._check_topic_name(name)
                if name == topic["name"] and "icon_custom_emoji_id" not in params:
                    raise bad_request("TOPIC_NOT_MODIFIED")
                topic["name"] = name
            if "icon_custom_emoji_id" in params:
                topic["icon_custom_emoji_id"] = params["icon_custom_emoji_id"]
            return True

    def _set_topic_closed(self, params: dict, closed: bool) -> bool:
        with self._lock:
            _, topic = self._topic(params)
            if topic["closed"] == closed:
                raise bad_request("TOPIC_NOT_MODIFIED")
            topic["closed"] = closed
            return True

    def _api_closeforumtopic(self, params: dict) -> bool:
        return self._set_topic_closed(params, True)

    def _api_reopenforumtopic(self, params: dict) -> bool:
        return self._set_topic_closed(params, False)

    def _api_getchat(self, params: dict) -> dict:
        with self._lock:
            chat = self._chat(params)
            return {
                **chat,
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                        "premium_subscription": False, "gifts_from_channels": False},
            }

    def _api_getchatmember(self, params: dict) -> dict:
        with self._lock:
            chat = self._chat(params)
            user_id = params.get("user_id")
            if user_id == self.bot_user["id"]:
                user = dict(self.bot_user)
            elif user_id in self._users:
                user = dict(self._users[user_id])
            else:
                raise bad_request("user not found")
            default = "member" if chat["type"] == "private" else "administrator"
            status = self._members.get((chat["id"], user_id), default)
            return self._member(status, user)

    def _api_getchatadministrators(self, params: dict) -> list:
        """The bot and the users set_member_status made creator or administrator of the chat."""
        with self._lock:
            chat = self._chat(params)
            if chat["type"] == "private":
                raise bad_request("there are no administrators in the private chat")
            admins = [self._member("administrator", dict(self.bot_user))]
            for (chat_id, user_id), status in self._members.items():
                if chat_id == chat["id"] and status in ("creator", "administrator") and user_id in self._users:
                    admins.append(self._member(status, dict(self._users[user_id])))
            return admins

    @staticmethod
    def _member(status: str, user: dict) -> dict:
        if status == "administrator":
            rights = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                      "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
                      "can_edit_stories", "can_delete_stories", "can_pin_messages", "can_manage_topics")
            return {"status": status, "user": user, "can_be_edited": False, "is_anonymous": False,
                    **{right: True for right in rights}}
        if status == "creator":
            return {"status": status, "user": user, "is_anonymous": False}
        if status == "kicked":
            return {"status": status, "user": user, "until_date": 0}
        return {"status": status, "user": user}
