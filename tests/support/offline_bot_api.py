"""A python-telegram-bot request class that answers like the Bot API from memory, recording each call.

Used by the handler tests and by bench/throughput.py: handlers run for real, with no network.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

from telegram.request import BaseRequest

KNOWN = {"getMe", "sendMessage", "editMessageText", "sendDocument", "answerCallbackQuery",
         "editMessageReplyMarkup", "setMyCommands", "getUpdates", "deleteWebhook",
         # the support group's
         "getChat", "getChatAdministrators", "copyMessage", "createForumTopic", "editForumTopic",
         "closeForumTopic", "reopenForumTopic", "deleteMessage"}


RIGHTS = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
          "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
          "can_delete_stories")


def member(status: str, user: dict) -> dict:
    """A ChatMember as the Bot API sends it."""
    if status == "administrator":
        return {"status": status, "user": user, "can_be_edited": False, "is_anonymous": False,
                **dict.fromkeys(RIGHTS, True)}
    return {"status": status, "user": user, **({"is_anonymous": False} if status == "creator" else {})}


class OfflineBotAPI(BaseRequest):
    def __init__(self, record: bool = True):
        self.record = record
        self.calls: list[tuple[str, dict]] = []
        self.unknown: list[str] = []
        self.message_id = 0
        self.forum = False  # what getChat says of a group
        self.admins: set[int] = set()  # what getChatAdministrators answers (besides the bot)

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url, method, request_data=None, *args, **kwargs) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        if self.record:
            self.calls.append((name, params))
        if name not in KNOWN:
            self.unknown.append(name)
            return 404, json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()
        if name == "getMe":
            result = {"id": 42, "is_bot": True, "first_name": "Mailbot", "username": "mailbot_bot"}
        elif name in ("sendMessage", "editMessageText", "sendDocument"):
            self.message_id += 1
            result = {"message_id": self.message_id, "date": int(time.time()),
                      "chat": {"id": int(params.get("chat_id", 0)), "type": "private"}, "text": params.get("text", "")}
        elif name == "getUpdates":
            result = []
        elif name == "getChat":
            result = {"id": int(params["chat_id"]), "type": "supergroup", "title": "Support", "is_forum": self.forum,
                      "accent_color_id": 0, "max_reaction_count": 11,
                      "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                              "premium_subscription": False, "gifts_from_channels": False}}
        elif name == "getChatAdministrators":
            result = [member("administrator", {"id": user, "is_bot": False, "first_name": f"Admin {user}"})
                      for user in sorted(self.admins)]
        elif name == "copyMessage":
            self.message_id += 1
            result = {"message_id": self.message_id}
        elif name == "createForumTopic":
            self.message_id += 1
            result = {"message_thread_id": self.message_id, "name": params.get("name", ""), "icon_color": 7322096}
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def sent(self) -> list[dict]:
        return [params for name, params in self.calls if name == "sendMessage"]

    def called(self, method: str) -> list[dict]:
        return [params for name, params in self.calls if name == method]


@contextlib.contextmanager
def offline_bot(settings, **core_options):
    """The Telegram channel of ``settings`` built on an OfflineBotAPI and initialised: (bot, application,
    api, core); checks at the end that no unknown method was called."""
    from bot.app import build_core
    from bot.channels.telegram.service import telegram_bot

    core = build_core(settings, **core_options)
    bot = telegram_bot(core)
    api = OfflineBotAPI()
    application = bot.build(request=api, rate_limits=False)
    asyncio.run(application.initialize())
    try:
        yield bot, application, api, core
        assert api.unknown == []
    finally:
        asyncio.run(application.shutdown())
        core.store.close()
