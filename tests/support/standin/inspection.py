"""What tests read back: the messages the bot sent, the calls it made, refusals, waiting for them."""

from __future__ import annotations

import copy
import json
import time
from typing import Any, Callable


class Inspection:
    """What tests read back: the messages the bot sent, the calls it made, refusals, waiting for them."""

    # ---- inspection -------------------------------------------------------------------------

    def sent_to(self, chat_id: int) -> list[dict]:
        """Messages the bot put in that chat, oldest first, as they are now (after edits).

        Each: message_id, chat_id, method, text (as sent, HTML source), plain_text (visible text),
        parse_mode, entities, reply_markup (decoded dict or None), message_thread_id, caption,
        document_filename, document_bytes, document_mime_type, copied_from, forwarded_from,
        edits (count), deleted, message (the Message dict Telegram returned), sent_at (time.monotonic()
        when the bot's call arrived).
        """
        with self._lock:
            return copy.deepcopy(self._sent.get(chat_id, []))

    def last_sent(self, chat_id: int) -> dict | None:
        """The bot's latest message in that chat, or None."""
        sent = self.sent_to(chat_id)
        return sent[-1] if sent else None

    def message(self, chat_id: int, message_id: int) -> dict | None:
        """Any known message of a chat (the bot's or a customer's) as a record, or None."""
        with self._lock:
            record = self._messages.get((chat_id, message_id))
            return copy.deepcopy(record) if record else None

    @property
    def calls(self) -> list[tuple[str, dict]]:
        """Every API call (method, params) in order; method spelled canonically (sendMessage)."""
        with self._lock:
            return list(self._calls)

    @property
    def timed_calls(self) -> list[tuple[float, str, dict]]:
        """Every API call as (time.monotonic() it arrived, method, params), in order."""
        with self._lock:
            return [(at, name, params) for at, (name, params) in zip(self._call_times, self._calls, strict=True)]

    @property
    def answered_429(self) -> list[tuple[float, str, dict, int]]:
        """Every 429 answer as (time.monotonic() it was given, method, params, retry_after)."""
        with self._lock:
            return list(self._answered_429)

    def calls_to(self, method: str) -> list[dict]:
        """The params of every call of ``method`` (case-insensitive)."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    @property
    def refusals(self) -> list[tuple[str, dict, str]]:
        """Every call answered 400: (method, params, description)."""
        with self._lock:
            return list(self._refusals)

    @property
    def errors(self) -> list[tuple[str, dict, int, str]]:
        """Every call answered with an error of any kind: (method, params, status, description)."""
        with self._lock:
            return list(self._errors)

    @property
    def internal_errors(self) -> list[str]:
        """Bugs of the fake itself (answered 500): should stay empty."""
        with self._lock:
            return list(self._internal_errors)

    @property
    def confirmed_offset(self) -> int:
        """Highest offset the bot confirmed with getUpdates (0 before any)."""
        with self._lock:
            return self._confirmed_offset

    def pending_updates(self) -> list[dict]:
        """Updates not confirmed yet (delivered or not)."""
        with self._lock:
            return copy.deepcopy(self._updates)

    @property
    def discarded_updates(self) -> list[dict]:
        """Updates dropped because their type was not in allowed_updates."""
        with self._lock:
            return copy.deepcopy(self._discarded_updates)

    @property
    def edit_history(self) -> list[dict]:
        """editMessageText/editMessageReplyMarkup calls that succeeded: method, chat_id, message_id, text,
        parse_mode, reply_markup."""
        with self._lock:
            return copy.deepcopy(self._edit_history)

    @property
    def answered_callbacks(self) -> list[str]:
        """Callback query ids answered with answerCallbackQuery, in order."""
        with self._lock:
            return list(self._answered_callbacks)

    @property
    def callback_answers(self) -> list[dict]:
        """The answerCallbackQuery calls that succeeded: callback_query_id, text, show_alert, url."""
        with self._lock:
            return copy.deepcopy(self._callback_answers)

    def my_commands(self, language_code: str = "", scope: dict | None = None) -> list[dict]:
        """The commands set with setMyCommands for that language and scope (default scope)."""
        with self._lock:
            return copy.deepcopy(self._commands.get((self._scope_key(scope), language_code or ""), []))

    def topics(self, chat_id: int) -> dict[int, dict]:
        """Forum topics of a group: {message_thread_id: {name, icon_color, closed}}."""
        with self._lock:
            return copy.deepcopy(dict(self._topics.get(chat_id, {})))

    @property
    def webhook_url(self) -> str:
        """The URL set with setWebhook ("" when none)."""
        with self._lock:
            return self._webhook_url

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02,
                 message: str = "") -> Any:
        """Poll ``predicate`` until truthy and return its value; AssertionError with context on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                what = message or getattr(predicate, "__name__", "condition")
                raise AssertionError(f"wait_for timed out after {timeout}s: {what}\n{self.describe()}")
            time.sleep(interval)

    def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """Wait until the bot sent at least ``count`` messages to the chat; return them all."""
        self.wait_for(lambda: len(self.sent_to(chat_id)) >= count, timeout,
                      message=f"{count} message(s) sent to chat {chat_id}")
        return self.sent_to(chat_id)

    def describe(self, last: int = 20) -> str:
        """A readable summary of the state, for assertion messages."""
        def short(params: dict) -> str:
            text = json.dumps({k: (f"<{len(v['bytes'])} bytes>" if isinstance(v, dict) and "bytes" in v else v)
                               for k, v in params.items()}, ensure_ascii=False, default=str)
            return text if len(text) <= 160 else text[:157] + "..."

        with self._lock:
            lines = [f"calls: {len(self._calls)} (last {min(last, len(self._calls))}):"]
            lines += [f"  {name} {short(params)}" for name, params in self._calls[-last:]]
            lines.append(f"errors: {len(self._errors)}")
            lines += [f"  {name} -> {status} {description}" for name, _, status, description in self._errors[-last:]]
            lines.append(f"pending updates: {[u['update_id'] for u in self._updates]}; "
                         f"confirmed offset: {self._confirmed_offset}")
            for chat_id, records in self._sent.items():
                summary = [(r["message_id"], (r.get("plain_text") or r.get("caption") or "")[:40]) for r in records]
                lines.append(f"sent to {chat_id}: {summary}")
            if self._internal_errors:
                lines.append(f"INTERNAL ERRORS OF THE FAKE: {self._internal_errors}")
            return "\n".join(lines)

