"""What the Bot API accepts and answers: its limits, the methods served, how parameters arrive, its errors."""

from __future__ import annotations

import select
import socket

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
CANONICAL = {name.lower(): name for name in METHODS}

# Methods that put a new message in a chat: subject to flood control.
MESSAGE_CREATING = {"sendmessage", "senddocument", "copymessage", "forwardmessage"}
# Methods that address a chat but still work when the user blocked the bot.
BLOCK_EXEMPT = {"getchat", "getchatmember", "getchatadministrators"}

# Parameters that arrive JSON-encoded in form posts, integers, booleans.
JSON_FIELDS = {
    "reply_markup", "commands", "scope", "allowed_updates", "entities", "caption_entities",
    "link_preview_options", "reply_parameters", "media", "results", "options", "reaction",
    "permissions", "message_ids", "menu_button", "explanation_entities", "question_entities",
}
INT_FIELDS = {
    "chat_id", "from_chat_id", "message_id", "message_thread_id", "offset", "limit", "user_id",
    "reply_to_message_id", "icon_color", "cache_time", "max_connections", "until_date",
}
FLOAT_FIELDS = {"timeout"}
BOOL_FIELDS = {
    "show_alert", "disable_notification", "protect_content", "drop_pending_updates",
    "disable_web_page_preview", "allow_sending_without_reply", "disable_content_type_detection",
    "has_spoiler", "allow_paid_broadcast", "only_if_banned", "revoke_messages", "is_anonymous",
}
UPDATE_TYPES_NOT_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}
CONTENT_KEYS = (
    "text", "entities", "caption", "caption_entities", "photo", "document", "sticker", "voice",
    "video", "video_note", "audio", "animation", "contact", "location", "venue", "poll", "dice",
)
BUTTON_ACTIONS = (
    "callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "web_app", "login_url", "callback_game", "pay", "copy_text",
)
ERROR_TEXTS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
    429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}


class ClientGone(Exception):
    """The HTTP client closed its connection while its request was waiting (long poll)."""


def client_gone(connection: socket.socket | None) -> bool:
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


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")

