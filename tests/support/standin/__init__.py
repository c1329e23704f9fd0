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

from .fake import FakeTelegram
from .limits import (
                     CONFLICT_DESCRIPTION,
                     DEFAULT_TOPIC_COLOR,
                     GENERAL_TOPIC_ID,
                     MAX_BUTTONS,
                     MAX_CALLBACK_ANSWER_LENGTH,
                     MAX_CALLBACK_DATA_BYTES,
                     MAX_CAPTION_LENGTH,
                     MAX_TEXT_LENGTH,
                     METHODS,
                     NOT_MODIFIED_DESCRIPTION,
                     STALE_QUERY_DESCRIPTION,
                     TOPIC_COLORS,
                     ApiError,
)
from .markup import HtmlError, parse_html, utf16_length

__all__ = ["FakeTelegram", "ApiError", "HtmlError", "parse_html", "utf16_length", "CONFLICT_DESCRIPTION",
           "DEFAULT_TOPIC_COLOR", "GENERAL_TOPIC_ID", "MAX_BUTTONS", "MAX_CALLBACK_ANSWER_LENGTH",
           "MAX_CALLBACK_DATA_BYTES", "MAX_CAPTION_LENGTH", "MAX_TEXT_LENGTH", "METHODS", "NOT_MODIFIED_DESCRIPTION",
           "STALE_QUERY_DESCRIPTION", "TOPIC_COLORS"]
