"""The Bot API stand-in under its historical name: everything lives in the ``standin`` package beside it
(tests/support/standin/: state and lifecycle, the HTTP server, Telegram HTML, one module per API area)."""

from standin import (
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
                     FakeTelegram,
                     HtmlError,
                     parse_html,
                     utf16_length,
)

__all__ = ["FakeTelegram", "ApiError", "HtmlError", "parse_html", "utf16_length", "CONFLICT_DESCRIPTION",
           "DEFAULT_TOPIC_COLOR", "GENERAL_TOPIC_ID", "MAX_BUTTONS", "MAX_CALLBACK_ANSWER_LENGTH",
           "MAX_CALLBACK_DATA_BYTES", "MAX_CAPTION_LENGTH", "MAX_TEXT_LENGTH", "METHODS", "NOT_MODIFIED_DESCRIPTION",
           "STALE_QUERY_DESCRIPTION", "TOPIC_COLORS"]
