"""A local stand-in for the Telegram Bot API, for end-to-end tests of the bot.

``FakeTelegram`` serves, on 127.0.0.1 and a free port, the subset of https://api.telegram.org that
the bot uses, for one bot token, with Telegram's own validation and error answers: unknown chats,
empty or too long texts, HTML that Telegram could not parse, invalid buttons, edits that change
nothing, stale callback queries, long polling with confirmation by offset, 409 when two processes
poll the same token, 429 flood control, users who blocked the bot.  Tests play the customers
(``send_text``, ``press_button``, ``push_update``) and inspect what the bot did (``sent_to``,
``calls``, ``refusals``...).  Faults can be injected (``inject_429``, ``block_user``,
``fail_method``).

Standard library only.  All state is guarded by one lock; long polling waits on a Condition built
on that lock, so a waiting ``getUpdates`` never blocks the other requests.

    with FakeTelegram(token="123:TEST") as fake:
        fake.add_private_chat(user_id=1001, first_name="Mario", language_code="it")
        ...  # start the bot with TELEGRAM_BASE_URL=fake.base_url
        fake.send_text(1001, "/start")
        fake.wait_for(lambda: fake.sent_to(1001))
"""

from __future__ import annotations

import collections
import copy
import html
import itertools
import json
import mimetypes
import re
import select
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["FakeTelegram", "ApiError", "HtmlError", "parse_html"]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_BUTTONS = 100
DEFAULT_TOPIC_COLOR = 7322096
TOPIC_COLORS = {7322096, 16766590, 13338331, 9367192, 16749490, 16478047}
GENERAL_TOPIC_ID = 1

CONFLICT_DESCRIPTION = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
NOT_MODIFIED_DESCRIPTION = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
STALE_QUERY_DESCRIPTION = "Bad Request: query is too old and response timeout expired or query ID is invalid"

# The methods served, spelled as Telegram documents them; matching is case-insensitive.
METHODS = (
    "getMe", "getUpdates", "deleteWebhook", "getWebhookInfo", "setWebhook", "logOut", "close",
    "setMyCommands", "getMyCommands", "deleteMyCommands", "sendMessage", "editMessageText", "editMessageCaption",
    "editMessageReplyMarkup", "answerCallbackQuery", "sendDocument", "sendChatAction", "copyMessage",
    "forwardMessage", "deleteMessage", "createForumTopic", "editForumTopic", "closeForumTopic",
    "reopenForumTopic", "getChat", "getChatMember", "getChatAdministrators",
)
_CANONICAL = {name.lower(): name for name in METHODS}

# Methods that put a new message in a chat: subject to flood control.
_MESSAGE_CREATING = {"sendmessage", "senddocument", "copymessage", "forwardmessage"}
# Methods that address a chat but still work when the user blocked the bot.
_BLOCK_EXEMPT = {"getchat", "getchatmember", "getchatadministrators"}

# Parameters that arrive JSON-encoded in form posts, integers, booleans.
_JSON_FIELDS = {
    "reply_markup", "commands", "scope", "allowed_updates", "entities", "caption_entities",
    "link_preview_options", "reply_parameters", "media", "results", "options", "reaction",
    "permissions", "message_ids", "menu_button", "explanation_entities", "question_entities",
}
_INT_FIELDS = {
    "chat_id", "from_chat_id", "message_id", "message_thread_id", "offset", "limit", "user_id",
    "reply_to_message_id", "icon_color", "cache_time", "max_connections", "until_date",
}
_FLOAT_FIELDS = {"timeout"}
_BOOL_FIELDS = {
    "show_alert", "disable_notification", "protect_content", "drop_pending_updates",
    "disable_web_page_preview", "allow_sending_without_reply", "disable_content_type_detection",
    "has_spoiler", "allow_paid_broadcast", "only_if_banned", "revoke_messages", "is_anonymous",
}
_UPDATE_TYPES_NOT_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}
_CONTENT_KEYS = (
    "text", "entities", "caption", "caption_entities", "photo", "document", "sticker", "voice",
    "video", "video_note", "audio", "animation", "contact", "location", "venue", "poll", "dice",
)
_BUTTON_ACTIONS = (
    "callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "web_app", "login_url", "callback_game", "pay", "copy_text",
)
_ERROR_TEXTS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
    429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}


class _ClientGone(Exception):
    """The HTTP client closed its connection while its request was waiting (long poll)."""


def _client_gone(connection: socket.socket | None) -> bool:
    """Whether the peer of ``connection`` has closed it (readable with nothing to read)."""
    if connection is None:
        return False
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


class ApiError(Exception):
    """An error answer of the API: HTTP status = error_code, Telegram's description."""

    def __init__(self, status: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _bad(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


# --------------------------------------------------------------------------------------------
# Telegram HTML
# --------------------------------------------------------------------------------------------


class HtmlError(ValueError):
    """Text that Telegram would refuse with "can't parse entities"."""


_TAG_ENTITY = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_TAG_ATTRIBUTES = {
    "a": {"href"}, "span": {"class"}, "code": {"class"}, "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
}
_TAG_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[A-Za-z0-9_:-]+")
_UNQUOTED_VALUE_RE = re.compile(r"[^\s>]*")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[A-Za-z][A-Za-z0-9]*);")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Parse Telegram HTML like the Bot API: return (visible text, entities) or raise HtmlError.

    Allowed: b strong i em u ins s strike del span(class="tg-spoiler") tg-spoiler a(href) code
    pre blockquote(expandable) tg-emoji(emoji-id); entities &lt; &gt; &amp; &quot; and numeric.
    A bare ``<`` or ``&``, an unknown tag or attribute, an unclosed or mismatched tag is an error.
    """

    def offset(position: int) -> int:
        return len(source[:position].encode("utf-8", "surrogatepass"))

    out: list[str] = []
    units = 0
    entities: list[dict] = []
    stack: list[dict] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char not in "<&":
            j = i
            while j < n and source[j] not in "<&":
                j += 1
            out.append(source[i:j])
            units += utf16_length(source[i:j])
            i = j
            continue
        if char == "&":
            match = _ENTITY_RE.match(source, i)
            if not match:
                raise HtmlError(f"Unescaped '&' at byte offset {offset(i)}: write it as &amp;")
            value = _decode_entity(match.group(1))
            if value is None:
                raise HtmlError(f'Unsupported HTML entity "{match.group(0)}" at byte offset {offset(i)}')
            out.append(value)
            units += utf16_length(value)
            i = match.end()
            continue
        start = i
        if source.startswith("</", i):
            end = source.find(">", i)
            if end == -1:
                raise HtmlError(f"Unclosed end tag at byte offset {offset(start)}")
            name = source[i + 2 : end].strip().lower()
            if not stack:
                raise HtmlError(f"Unexpected end tag at byte offset {offset(start)}")
            top = stack.pop()
            if name != top["name"]:
                raise HtmlError(
                    f'Unmatched end tag at byte offset {offset(start)}, expected "</{top["name"]}>", '
                    f'found "</{name}>"'
                )
            _close_tag(top, units, entities, stack)
            i = end + 1
            continue
        match = _TAG_NAME_RE.match(source, i + 1)
        name = match.group(0).lower() if match else ""
        if name not in _TAG_ENTITY:
            raise HtmlError(f'Unsupported start tag "{name}" at byte offset {offset(start)}')
        i = match.end()
        attributes: dict[str, str] = {}
        while True:
            while i < n and source[i].isspace():
                i += 1
            if i >= n:
                raise HtmlError(f"Unclosed start tag at byte offset {offset(start)}")
            if source[i] == ">":
                i += 1
                break
            attr_match = _ATTR_NAME_RE.match(source, i)
            if not attr_match:
                raise HtmlError(f'Unexpected character in the tag "{name}" at byte offset {offset(i)}')
            attribute = attr_match.group(0).lower()
            i = attr_match.end()
            while i < n and source[i].isspace():
                i += 1
            value = ""
            if i < n and source[i] == "=":
                i += 1
                while i < n and source[i].isspace():
                    i += 1
                if i >= n:
                    raise HtmlError(f"Unclosed start tag at byte offset {offset(start)}")
                if source[i] in "\"'":
                    close = source.find(source[i], i + 1)
                    if close == -1:
                        raise HtmlError(f"Unclosed start tag at byte offset {offset(start)}")
                    value = html.unescape(source[i + 1 : close])
                    i = close + 1
                else:
                    value_match = _UNQUOTED_VALUE_RE.match(source, i)
                    value = html.unescape(value_match.group(0))
                    i = value_match.end()
            if attribute not in _TAG_ATTRIBUTES.get(name, ()):
                raise HtmlError(
                    f'Unsupported attribute "{attribute}" in the tag "{name}" at byte offset {offset(start)}'
                )
            attributes[attribute] = value
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset(start)}')
        if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise HtmlError(f'Tag "tg-emoji" must have a numeric "emoji-id" at byte offset {offset(start)}')
        stack.append({"name": name, "attributes": attributes, "start": units})
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["name"]}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(out), entities


def _decode_entity(body: str) -> str | None:
    if body.startswith(("#x", "#X")):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    else:
        return _NAMED_ENTITIES.get(body)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _close_tag(tag: dict, end: int, entities: list[dict], stack: list[dict]) -> None:
    name, attributes, start = tag["name"], tag["attributes"], tag["start"]
    if name == "code" and stack and stack[-1]["name"] == "pre":
        language = attributes.get("class", "")
        if language.startswith("language-"):
            stack[-1]["language"] = language[len("language-") :]
            return
    if end <= start:
        return
    entity: dict[str, Any] = {"type": _TAG_ENTITY[name], "offset": start, "length": end - start}
    if name == "a":
        if not attributes.get("href"):
            return
        entity["url"] = attributes["href"]
    elif name == "pre" and tag.get("language"):
        entity["language"] = tag["language"]
    elif name == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attributes["emoji-id"]
    entities.append(entity)


def _trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Strip surrounding whitespace as Telegram does, moving the entities along."""
    left = utf16_length(text[: len(text) - len(text.lstrip())])
    trimmed = text.strip()
    size = utf16_length(trimmed)
    kept = []
    for entity in entities:
        begin = max(entity["offset"] - left, 0)
        end = min(entity["offset"] + entity["length"] - left, size)
        if end > begin:
            kept.append({**entity, "offset": begin, "length": end - begin})
    return trimmed, kept


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Connections waiting to be accepted: past socketserver's 5, the client's SYN is dropped and retried a
    # second later, and a call made at once by many chats reaches the stand-in a second late.
    request_queue_size = 128

    def __init__(self, address, fake: "FakeTelegram"):
        self.fake = fake
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeTelegram/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base
        """Silence the per-request logging of BaseHTTPRequestHandler."""

    def setup(self) -> None:
        super().setup()
        self.server.fake._track_connection(self.connection, open_=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track_connection(self.connection, open_=False)

    def do_POST(self) -> None:
        self._serve()

    do_GET = do_POST

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) < length:  # the client died mid-request (kill -9): nothing to act on, as on Telegram
            raise ConnectionResetError("request body cut short")
        return body

    def _serve(self) -> None:
        try:
            body = self._read_body()
            fake = self.server.fake
            fake._local.connection = self.connection
            try:
                answer = fake._dispatch(self.path, self.headers, body)
            finally:
                fake._local.connection = None
            if answer is None:  # the client went away during a long poll: nobody to answer
                self.close_connection = True
                return
            status, payload = answer
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            self.close_connection = True


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """multipart/form-data -> {name: str | {"filename", "content_type", "bytes"}}."""
    match = re.search(r'boundary=(?:"([^"]+)"|([^;\s]+))', content_type)
    if not match:
        raise _bad("can't parse multipart/form-data: no boundary")
    boundary = (match.group(1) or match.group(2)).encode("latin-1")
    fields: dict[str, Any] = {}
    for part in (b"\r\n" + body).split(b"\r\n--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        part = part[2:] if part.startswith(b"\r\n") else part
        head, _, data = part.partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _disposition_param(disposition, "name")
        if name is None:
            continue
        filename = _disposition_param(disposition, "filename")
        if filename is None:
            fields[name] = data.decode("utf-8", "replace")
        else:
            fields[name] = {
                "filename": filename,
                "content_type": headers.get("content-type", "application/octet-stream"),
                "bytes": data,
            }
    return fields


def _disposition_param(disposition: str, key: str) -> str | None:
    star = re.search(rf"(?:^|;)\s*{key}\*=([^']*)'[^']*'([^;]*)", disposition)
    if star:
        return unquote(star.group(2), encoding=star.group(1) or "utf-8")
    match = re.search(rf'(?:^|;)\s*{key}=(?:"((?:[^"\\]|\\.)*)"|([^;]*))', disposition)
    if not match:
        return None
    if match.group(1) is None:
        return match.group(2).strip()
    value = re.sub(r"\\(.)", r"\1", match.group(1))
    return value.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")


def _coerce(params: dict[str, Any]) -> dict[str, Any]:
    """Decode the JSON-encoded, integer and boolean parameters of a form post."""
    result = {}
    for key, value in params.items():
        if isinstance(value, str):
            if key in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    what = "reply keyboard markup" if key == "reply_markup" else key
                    raise _bad(f"can't parse {what} JSON object") from None
            elif key in _INT_FIELDS and re.fullmatch(r"\s*-?\d+\s*", value):
                value = int(value)
            elif key in _FLOAT_FIELDS and re.fullmatch(r"\s*-?\d+\s*", value):
                value = int(value)
            elif key in _FLOAT_FIELDS and value.strip():
                try:
                    value = float(value)
                except ValueError:
                    pass
            elif key in _BOOL_FIELDS and value.lower() in ("true", "false"):
                value = value.lower() == "true"
        result[key] = value
    return result


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class FakeTelegram:
    """The Bot API for one token, served on 127.0.0.1 from a background thread.

    Attributes that tests may change at any time:
      flood_limit_per_chat_per_second (30): messages to one private chat within 1 s before 429
      flood_limit_per_group_per_minute (20): messages to one group within 60 s before 429
      flood_retry_after (1): retry_after of those 429 answers
    Set a limit to None to disable it.
    """

    def __init__(self, token: str = "123:TEST", *, port: int = 0, bot_first_name: str = "Mailbot",
                 bot_username: str = "mailbot_test_bot"):
        """Start serving at once; ``port`` 0 takes any free port."""
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot_user = {
            "id": int(bot_id) if bot_id.isdigit() else 123456789,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.flood_limit_per_chat_per_second: int | None = 30
        self.flood_limit_per_group_per_minute: int | None = 20
        self.flood_retry_after = 1

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._closed = False
        self._users: dict[int, dict] = {}
        self._chats: dict[int, dict] = {}
        self._blocked: set[int] = set()
        self._kicked_from: set[int] = set()
        self._members: dict[tuple[int, int], str] = {}
        self._topics: dict[int, dict[int, dict]] = collections.defaultdict(dict)
        self._message_ids: dict[int, itertools.count] = {}
        self._messages: dict[tuple[int, int], dict] = {}
        self._update_messages: dict[int, int] = {}  # update_id -> the message_id it carried
        self._sent: dict[int, list[dict]] = collections.defaultdict(list)
        self._updates: list[dict] = []
        self._next_update_id = 100001
        self._confirmed_offset = 0
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._open_callbacks: dict[str, dict] = {}
        self._answered_callbacks: list[str] = []
        self._callback_answers: list[dict] = []
        self._edit_history: list[dict] = []
        self._calls: list[tuple[str, dict]] = []
        self._call_times: list[float] = []  # time.monotonic() each call arrived, beside ``_calls``
        self._answered_429: list[tuple[float, str, dict, int]] = []
        self._refusals: list[tuple[str, dict, str]] = []
        self._expected_refusals: list[str] = []
        self._holds: set[str] = set()
        self._errors: list[tuple[str, dict, int, str]] = []
        self._internal_errors: list[str] = []
        self._discarded_updates: list[dict] = []
        self._injected_429: dict[str, list[int]] = {}
        self._failures: dict[str, dict] = {}
        self._flood_log: dict[int, collections.deque] = collections.defaultdict(collections.deque)
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._webhook_url = ""
        self._connections: set[socket.socket] = set()
        self._local = threading.local()

        self._server = _Server(("127.0.0.1", port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"FakeTelegram:{self.port}", daemon=True,
        )
        self._thread.start()

    # ---- lifecycle -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What the bot uses as TELEGRAM_BASE_URL: ``http://127.0.0.1:PORT/bot``."""
        return f"http://127.0.0.1:{self.port}/bot"

    def close(self) -> None:
        """Stop the server: release long polls, close the connections. Idempotent."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeTelegram":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _track_connection(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

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
            text = description or _ERROR_TEXTS.get(status, "Error")
            self._failures[method.lower()] = {"status": status, "count": count, "description": text}

    def clear_faults(self) -> None:
        """Forget injected 429s and failing methods (blocked users stay blocked)."""
        with self._lock:
            self._injected_429.clear()
            self._failures.clear()

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
            return [(at, name, params) for at, (name, params) in zip(self._call_times, self._calls)]

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

    # ---- request dispatch -------------------------------------------------------------------

    def _dispatch(self, path: str, headers: Any, body: bytes) -> tuple[int, dict] | None:
        """Route one HTTP request; return (status, JSON payload), None if the client is gone."""
        parts = urlsplit(path)
        if not parts.path.startswith("/bot"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, _, method = parts.path[len("/bot"):].partition("/")
        method = method.strip("/")
        key = method.lower()
        name = _CANONICAL.get(key, method)
        params: dict[str, Any] = {}
        try:
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            params.update(self._body_params(headers, body))
            params = _coerce(params)
            params = self._resolve_attachments(params)
        except ApiError as error:
            return self._answer_error(name, params, error)
        with self._cond:
            self._calls.append((name, params))
            self._call_times.append(time.monotonic())
            self._cond.notify_all()
            while key in self._holds and not self._closed:
                self._cond.wait(0.1)
        if not method:
            return self._answer_error(name, params, ApiError(404, "Not Found"))
        if token != self.token:
            return self._answer_error(name, params, ApiError(401, "Unauthorized"))
        try:
            self._injected_fault(key)
            handler = getattr(self, f"_api_{key}", None) if key in _CANONICAL else None
            if handler is None:
                raise ApiError(404, "Not Found")
            with self._lock:
                self._check_chat_access(key, params)
            result = handler(params)
        except ApiError as error:
            return self._answer_error(name, params, error)
        except _ClientGone:
            return None
        except Exception as error:  # a bug of the fake: answer 500 and remember it
            with self._lock:
                self._internal_errors.append(f"{name}: {type(error).__name__}: {error}")
            return self._answer_error(name, params, ApiError(500, f"Internal Server Error: {error}"))
        return 200, {"ok": True, "result": result}

    def _answer_error(self, name: str, params: dict, error: ApiError) -> tuple[int, dict]:
        with self._lock:
            self._errors.append((name, params, error.status, error.description))
            if error.status == 429:
                self._answered_429.append((time.monotonic(), name, params, error.retry_after))
            if error.status == 400 and not any(e in error.description for e in self._expected_refusals):
                self._refusals.append((name, params, error.description))
        payload: dict[str, Any] = {"ok": False, "error_code": error.status, "description": error.description}
        if error.retry_after is not None:
            payload["parameters"] = {"retry_after": error.retry_after}
        return error.status, payload

    @staticmethod
    def _body_params(headers: Any, body: bytes) -> dict[str, Any]:
        content_type = headers.get("Content-Type", "") or ""
        kind = content_type.split(";")[0].strip().lower()
        if not body:
            return {}
        if kind == "application/json":
            try:
                data = json.loads(body.decode("utf-8"))
            except ValueError:
                raise _bad("can't parse JSON object") from None
            if not isinstance(data, dict):
                raise _bad("JSON object expected")
            return data
        if kind == "multipart/form-data":
            return _parse_multipart(body, content_type)
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))

    @staticmethod
    def _resolve_attachments(params: dict[str, Any]) -> dict[str, Any]:
        """Replace "attach://name" values by the uploaded file of that name."""
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                attached = params.get(value[len("attach://"):])
                if isinstance(attached, dict):
                    params[key] = attached
        return params

    def _injected_fault(self, key: str) -> None:
        with self._lock:
            failure = self._failures.get(key)
            if failure is not None:
                if failure["count"] is not None:
                    failure["count"] -= 1
                    if failure["count"] <= 0:
                        del self._failures[key]
                raise ApiError(failure["status"], failure["description"])
            pending = self._injected_429.get(key)
            if pending:
                retry_after = pending.pop(0)
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

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
            raise _bad(f"{key} is empty")
        chat = self._lookup_chat(params[key])
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _check_chat_access(self, key: str, params: dict) -> None:
        """403 for users who blocked (or never started) the bot and groups the bot left."""
        chat_id = params.get("chat_id")
        if key in _BLOCK_EXEMPT or chat_id in (None, ""):
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
            raise _bad("invalid message_thread_id")
        if chat.get("is_forum") and thread_id != GENERAL_TOPIC_ID and thread_id not in self._topics.get(chat["id"], {}):
            raise _bad("message thread not found")
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
                raise _bad(f"can't parse entities: {error}") from None
        elif mode in ("", "markdown", "markdownv2"):  # Markdown is not validated by this fake
            plain, found = text, list(entities) if isinstance(entities, list) else []
        else:
            raise _bad("unsupported parse_mode")
        plain, found = _trim(plain, found)
        limit = MAX_CAPTION_LENGTH if caption else MAX_TEXT_LENGTH
        if utf16_length(plain) > limit:  # Telegram counts UTF-16 code units
            raise _bad("message caption is too long" if caption else "message is too long")
        return plain, found

    @staticmethod
    def _check_reply_markup(markup: Any, *, inline_only: bool = False) -> dict | None:
        """Validate a reply_markup like Telegram; return it (decoded) or None."""
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
            if sum(len(row) for row in rows) > MAX_BUTTONS:
                raise _bad("reply markup is too long")
            for row in rows:
                for button in row:
                    if not isinstance(button, dict):
                        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                    text = button.get("text")
                    if not isinstance(text, str) or not text.strip():
                        raise _bad("can't parse inline keyboard button: Text must be non-empty")
                    actions = [action for action in _BUTTON_ACTIONS if action in button]
                    if not actions:
                        raise _bad("can't parse inline keyboard button: "
                                   "Text buttons are unallowed in the inline keyboard")
                    if len(actions) > 1:
                        raise _bad(f"can't parse inline keyboard button: exactly one of {actions} must be used")
                    if "callback_data" in button:
                        data = button["callback_data"]
                        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                            raise _bad("BUTTON_DATA_INVALID")
                    if "url" in button and not FakeTelegram._valid_button_url(button["url"]):
                        raise _bad(f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")
            return markup
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
            for row in rows:
                for button in row:
                    text = button.get("text") if isinstance(button, dict) else button
                    if not isinstance(text, str) or not text:
                        raise _bad("can't parse keyboard button: Text must be non-empty")
            return markup
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return markup
        raise _bad("can't parse reply keyboard markup JSON object")

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
            raise _bad("message to be replied not found")
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
                    if _client_gone(connection):  # e.g. a bot that stopped polling: nobody to answer
                        raise _ClientGone()
                    raise ApiError(409, CONFLICT_DESCRIPTION)
                batch = self._deliverable(limit)
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0:
                    return batch
                if _client_gone(connection):  # do not deliver updates to nobody
                    raise _ClientGone()
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
            wanted = kind in allowed if allowed else kind not in _UPDATE_TYPES_NOT_BY_DEFAULT
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
            raise _bad("can't parse BotCommandScope JSON object")
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise _bad("invalid language code specified")
        return self._scope_key(scope), language

    def _api_setmycommands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands specified")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
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

    def _checked_text(self, params: dict) -> tuple[str, str, list]:
        """The text of a send or an edit, refused as Telegram refuses it; with its visible form and entities."""
        text = params.get("text")
        if text is None or not str(text).strip():
            raise _bad("message text is empty")
        plain, entities = self._formatted(text, params.get("parse_mode"), params.get("entities"))
        if not plain:
            raise _bad("message text is empty")
        return text, plain, entities

    def _api_sendmessage(self, params: dict) -> dict:
        with self._lock:
            chat = self._chat(params)
            text, plain, entities = self._checked_text(params)
            markup = self._check_reply_markup(params.get("reply_markup"))
            thread_id = self._thread_id(chat, params)
            self._flood_check(chat)
            content: dict[str, Any] = {"text": plain}
            if entities:
                content["entities"] = entities
            record = self._store_bot_message(chat, "sendMessage", content, params=params,
                                             thread_id=thread_id, reply_markup=markup, text=str(text))
            return copy.deepcopy(record["message"])

    def _edit_target(self, params: dict) -> dict | None:
        """The record of the message to edit, None for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat = self._chat(params)
        record = self._messages.get((chat["id"], params.get("message_id")))
        if record is None or record.get("deleted"):
            raise _bad("message to edit not found")
        if not record["from_bot"]:
            raise _bad("message can't be edited")
        return record

    def _api_editmessagetext(self, params: dict) -> dict | bool:
        with self._lock:
            record = self._edit_target(params)
            text, plain, entities = self._checked_text(params)
            markup = self._check_reply_markup(params.get("reply_markup"), inline_only=True)
            if record is None:
                return True
            message = record["message"]
            if "text" not in message:
                raise _bad("there is no text in the message to edit")
            if (message["text"] == plain and message.get("entities", []) == entities
                    and message.get("reply_markup") == self._visible_markup(markup)):
                raise _bad(NOT_MODIFIED_DESCRIPTION[len("Bad Request: "):])
            message["text"] = plain
            message.pop("entities", None)
            if entities:
                message["entities"] = entities
            self._apply_markup(record, markup)
            record.update(text=str(text), plain_text=plain, parse_mode=params.get("parse_mode"), entities=entities)
            return self._finish_edit(record, "editMessageText")

    def _api_editmessagecaption(self, params: dict) -> dict | bool:
        with self._lock:
            record = self._edit_target(params)
            if record is None:
                return True
            message = record["message"]
            if "text" in message:
                raise _bad("there is no caption in the message to edit")
            caption, entities = self._formatted(params.get("caption", ""), params.get("parse_mode"),
                                                params.get("caption_entities"), caption=True)
            if message.get("caption", "") == caption:
                raise _bad(NOT_MODIFIED_DESCRIPTION[len("Bad Request: "):])
            message["caption"] = caption
            message.pop("caption_entities", None)
            if entities:
                message["caption_entities"] = entities
            record.update(caption=caption)
            return self._finish_edit(record, "editMessageCaption")

    def _api_editmessagereplymarkup(self, params: dict) -> dict | bool:
        with self._lock:
            record = self._edit_target(params)
            markup = self._check_reply_markup(params.get("reply_markup"), inline_only=True)
            if record is None:
                return True
            if record["message"].get("reply_markup") == self._visible_markup(markup):
                raise _bad(NOT_MODIFIED_DESCRIPTION[len("Bad Request: "):])
            self._apply_markup(record, markup)
            return self._finish_edit(record, "editMessageReplyMarkup")

    def _apply_markup(self, record: dict, markup: dict | None) -> None:
        visible = self._visible_markup(markup)
        record["message"].pop("reply_markup", None)
        if visible:
            record["message"]["reply_markup"] = visible
        record["reply_markup"] = copy.deepcopy(markup)

    def _finish_edit(self, record: dict, method: str) -> dict:
        record["edits"] += 1
        record["message"]["edit_date"] = int(time.time())
        self._edit_history.append({
            "method": method, "chat_id": record["chat_id"], "message_id": record["message_id"],
            "text": record.get("text"), "parse_mode": record.get("parse_mode"),
            "reply_markup": copy.deepcopy(record["reply_markup"]),
        })
        return copy.deepcopy(record["message"])

    def _api_answercallbackquery(self, params: dict) -> bool:
        with self._lock:
            query_id = str(params.get("callback_query_id") or "")
            if query_id not in self._open_callbacks:
                raise _bad(STALE_QUERY_DESCRIPTION[len("Bad Request: "):])
            text = params.get("text")
            if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER_LENGTH:
                raise _bad("MESSAGE_TOO_LONG")
            del self._open_callbacks[query_id]
            self._answered_callbacks.append(query_id)
            self._callback_answers.append({
                "callback_query_id": query_id, "text": text, "show_alert": bool(params.get("show_alert")),
                "url": params.get("url"),
            })
            return True

    def _api_senddocument(self, params: dict) -> dict:
        with self._lock:
            chat = self._chat(params)
            document = params.get("document")
            if document in (None, ""):
                raise _bad("there is no document in the request")
            caption, caption_entities = self._formatted(params.get("caption"), params.get("parse_mode"),
                                                        params.get("caption_entities"), caption=True)
            markup = self._check_reply_markup(params.get("reply_markup"))
            thread_id = self._thread_id(chat, params)
            if isinstance(document, dict):
                data = document["bytes"]
                if not data:
                    raise _bad("file must be non-empty")
                filename = document.get("filename") or "file"
                mime = document.get("content_type") or mimetypes.guess_type(filename)[0] or "application/octet-stream"
            else:  # a file_id or URL
                data, filename = None, str(document).rsplit("/", 1)[-1]
                mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            self._flood_check(chat)
            file_info = {
                "file_id": f"BQACAgQAAxkDAAI{uuid.uuid4().hex}",
                "file_unique_id": f"AgAD{uuid.uuid4().hex[:12]}",
                "file_name": filename,
                "mime_type": mime,
            }
            if data is not None:
                file_info["file_size"] = len(data)
            content: dict[str, Any] = {"document": file_info}
            if caption:
                content["caption"] = caption
                if caption_entities:
                    content["caption_entities"] = caption_entities
            record = self._store_bot_message(
                chat, "sendDocument", content, params=params, thread_id=thread_id, reply_markup=markup,
                text=None, plain_text=None, caption=caption or None, raw_caption=params.get("caption"),
                document_filename=filename, document_bytes=data, document_mime_type=mime,
                entities=caption_entities,
            )
            return copy.deepcopy(record["message"])

    def _api_sendchataction(self, params: dict) -> bool:
        with self._lock:
            chat = self._chat(params)
            if not params.get("action"):
                raise _bad("wrong parameter action in request")
            self._thread_id(chat, params)
            return True

    def _source_message(self, params: dict, verb: str) -> tuple[dict, dict]:
        source_chat = self._chat(params, "from_chat_id")
        record = self._messages.get((source_chat["id"], params.get("message_id")))
        if record is None or record.get("deleted"):
            raise _bad(f"message to {verb} not found")
        return source_chat, record

    def _api_copymessage(self, params: dict) -> dict:
        with self._lock:
            chat = self._chat(params)
            source_chat, source = self._source_message(params, "copy")
            thread_id = self._thread_id(chat, params)
            markup = self._check_reply_markup(params.get("reply_markup"))
            content = {key: copy.deepcopy(source["message"][key]) for key in _CONTENT_KEYS if key in source["message"]}
            if "caption" in params and "text" not in content:
                caption, entities = self._formatted(params.get("caption"), params.get("parse_mode"),
                                                    params.get("caption_entities"), caption=True)
                content.pop("caption_entities", None)
                content["caption"] = caption
                if entities:
                    content["caption_entities"] = entities
            self._flood_check(chat)
            record = self._store_bot_message(
                chat, "copyMessage", content, params=params, thread_id=thread_id, reply_markup=markup,
                text=source.get("text"), plain_text=content.get("text"), caption=content.get("caption"),
                copied_from=(source_chat["id"], source["message_id"]),
                document_filename=source.get("document_filename"), document_bytes=source.get("document_bytes"),
                entities=content.get("entities", content.get("caption_entities", [])),
            )
            return {"message_id": record["message_id"]}

    def _api_forwardmessage(self, params: dict) -> dict:
        with self._lock:
            chat = self._chat(params)
            source_chat, source = self._source_message(params, "forward")
            thread_id = self._thread_id(chat, params)
            original = source["message"]
            content = {key: copy.deepcopy(original[key]) for key in _CONTENT_KEYS if key in original}
            sender = original.get("from")
            if sender:
                content["forward_origin"] = {"type": "user", "sender_user": copy.deepcopy(sender),
                                             "date": original["date"]}
            else:
                content["forward_origin"] = {"type": "chat", "sender_chat": dict(source_chat), "date": original["date"]}
            self._flood_check(chat)
            record = self._store_bot_message(
                chat, "forwardMessage", content, params=params, thread_id=thread_id, reply_markup=None,
                text=source.get("text"), plain_text=content.get("text"), caption=content.get("caption"),
                forwarded_from=(source_chat["id"], source["message_id"]),
                document_filename=source.get("document_filename"), document_bytes=source.get("document_bytes"),
                entities=content.get("entities", []),
            )
            return copy.deepcopy(record["message"])

    def _api_deletemessage(self, params: dict) -> bool:
        with self._lock:
            chat = self._chat(params)
            record = self._messages.get((chat["id"], params.get("message_id")))
            if record is None or record.get("deleted"):
                raise _bad("message to delete not found")
            record["deleted"] = True
            return True

    def _forum(self, params: dict) -> dict:
        chat = self._chat(params)
        if not chat.get("is_forum"):
            raise _bad("the chat is not a forum")
        return chat

    def _topic(self, params: dict) -> tuple[dict, dict]:
        chat = self._forum(params)
        topic = self._topics[chat["id"]].get(params.get("message_thread_id"))
        if topic is None:
            raise _bad("message thread not found")
        return chat, topic

    @staticmethod
    def _check_topic_name(name: Any) -> str:
        if not isinstance(name, str) or not name.strip():
            raise _bad("TOPIC_TITLE_EMPTY")
        if utf16_length(name) > 128:
            raise _bad("TOPIC_TITLE_TOO_LONG")
        return name

    def _api_createforumtopic(self, params: dict) -> dict:
        with self._lock:
            chat = self._forum(params)
            name = self._check_topic_name(params.get("name"))
            color = params.get("icon_color", DEFAULT_TOPIC_COLOR)
            if color not in TOPIC_COLORS:
                raise _bad("TOPIC_COLOR_INVALID")
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
                    raise _bad("TOPIC_NOT_MODIFIED")
                topic["name"] = name
            if "icon_custom_emoji_id" in params:
                topic["icon_custom_emoji_id"] = params["icon_custom_emoji_id"]
            return True

    def _set_topic_closed(self, params: dict, closed: bool) -> bool:
        with self._lock:
            _, topic = self._topic(params)
            if topic["closed"] == closed:
                raise _bad("TOPIC_NOT_MODIFIED")
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
                raise _bad("user not found")
            default = "member" if chat["type"] == "private" else "administrator"
            status = self._members.get((chat["id"], user_id), default)
            return self._member(status, user)

    def _api_getchatadministrators(self, params: dict) -> list:
        """The bot and the users set_member_status made creator or administrator of the chat."""
        with self._lock:
            chat = self._chat(params)
            if chat["type"] == "private":
                raise _bad("there are no administrators in the private chat")
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
