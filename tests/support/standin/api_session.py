"""The bot's session with the API: getMe, long polling, the webhook, its commands."""

from __future__ import annotations

import copy
import json
import re
import time
from typing import Any

from .limits import (
    CONFLICT_DESCRIPTION,
    UPDATE_TYPES_NOT_BY_DEFAULT,
    ApiError,
    ClientGone,
    bad_request,
    client_gone,
)


class SessionApi:
    """The bot's session with the API: getMe, long polling, the webhook, its commands."""

    # ---- API methods (each gets the decoded params, returns the result) ---------------------

    def _api_getme(self, params: dict) -> dict:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}

    def _api_getupdates(self, params: dict) -> list[dict]:
        offset = params.get("offset")
        limit = params.get("limit")
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        timeout = params.get("timeout")
        timeout = max(float(timeout), 0.0) if isinstance(timeout, (int, float)) else 0.0
        allowed = params.get("allowed_updates")
        connection = getattr(self._local, "connection", None)
        with self._cond:
            if self._webhook_url:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()  # an older getUpdates still waiting is terminated with 409
            if isinstance(allowed, list):
                self._allowed_updates = [str(kind) for kind in allowed]
            if isinstance(offset, int) and offset != 0:
                self._confirm(offset)
            deadline = time.monotonic() + timeout
            while True:
                if self._closed:
                    return []
                if generation != self._poll_generation:
                    if client_gone(connection):  # e.g. a bot that stopped polling: nobody to answer
                        raise ClientGone()
                    raise ApiError(409, CONFLICT_DESCRIPTION)
                batch = self._deliverable(limit)
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0:
                    return batch
                if client_gone(connection):  # do not deliver updates to nobody
                    raise ClientGone()
                self._cond.wait(min(remaining, 0.1))

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
            self._confirmed_offset = max(self._confirmed_offset, offset)
        else:  # negative: keep only the last -offset updates
            self._updates = self._updates[offset:]
            first = self._updates[0]["update_id"] if self._updates else self._next_update_id
            self._confirmed_offset = max(self._confirmed_offset, first)

    def _deliverable(self, limit: int) -> list[dict]:
        allowed = set(self._allowed_updates)
        kept, batch = [], []
        for update in self._updates:
            kind = next((key for key in update if key != "update_id"), "")
            wanted = kind in allowed if allowed else kind not in UPDATE_TYPES_NOT_BY_DEFAULT
            if not wanted:
                self._discarded_updates.append(update)
                continue
            kept.append(update)
            if len(batch) < limit:
                batch.append(copy.deepcopy(update))
        self._updates = kept
        return batch

    def _api_deletewebhook(self, params: dict) -> bool:
        with self._cond:
            self._webhook_url = ""
            if params.get("drop_pending_updates") is True:
                self._updates = []
            return True

    def _api_setwebhook(self, params: dict) -> bool:
        with self._lock:
            self._webhook_url = str(params.get("url") or "")
            if params.get("drop_pending_updates") is True:
                self._updates = []
            return True

    def _api_getwebhookinfo(self, params: dict) -> dict:
        with self._lock:
            return {"url": self._webhook_url, "has_custom_certificate": False,
                    "pending_update_count": len(self._updates)}

    def _api_logout(self, params: dict) -> bool:
        return True

    def _api_close(self, params: dict) -> bool:
        return True

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not scope:
            return json.dumps({"type": "default"})
        return json.dumps(scope, sort_keys=True)

    def _commands_key(self, params: dict) -> tuple[str, str]:
        scope = params.get("scope")
        kinds = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators",
                 "chat", "chat_administrators", "chat_member"}
        if scope not in (None, "") and (not isinstance(scope, dict) or scope.get("type") not in kinds):
            raise bad_request("can't parse BotCommandScope JSON object")
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise bad_request("invalid language code specified")
        return self._scope_key(scope), language

    def _api_setmycommands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        with self._lock:
            key = self._commands_key(params)
            self._commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
            return True

    def _api_getmycommands(self, params: dict) -> list[dict]:
        with self._lock:
            return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _api_deletemycommands(self, params: dict) -> bool:
        with self._lock:
            self._commands.pop(self._commands_key(params), None)
            return True

