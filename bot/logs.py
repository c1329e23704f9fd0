"""Logging for every command: one format with the replica's name, and no secret on any line or stream."""

from __future__ import annotations

import logging
import sys

from bot.config import Settings


class _Redact(logging.Filter):
    """Removes secrets from every log record, whoever writes it (libraries log request URLs)."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "<SECRET>")
            record.msg, record.args = message, None
            if record.exc_info and record.exc_info[1] is not None:
                text = logging.Formatter().formatException(record.exc_info)
                for secret in self.secrets:
                    text = text.replace(secret, "<SECRET>")
                record.exc_text, record.exc_info = text, None
        return True


class RedactingStream:
    """A text stream that writes through to another with every secret replaced: standard error and
    output pass through it, so no path (a library's own handler, an uncaught traceback printed by the
    interpreter, a warning) can print a secret."""

    def __init__(self, stream, secrets: list[str]):
        self._stream = stream
        self._secrets = [s for s in secrets if s]

    def write(self, text: str) -> int:
        for secret in self._secrets:
            text = text.replace(secret, "<SECRET>")
        return self._stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def database_passwords(settings: Settings) -> list[str]:
    """The password inside DATABASE_URL, as written and percent-decoded: either may show in an error."""
    if not settings.database_url:
        return []
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(settings.database_url.value).password
    except ValueError:
        return []
    return [p for p in {password, unquote(password or "")} if p]


def configure_logging(settings: Settings) -> None:
    secrets = [s.value for s in (settings.telegram_bot_token, settings.smtp_password, settings.webhook_secret) if s]
    secrets += database_passwords(settings)
    if secrets:
        if not isinstance(sys.stderr, RedactingStream):
            sys.stderr = RedactingStream(sys.stderr, secrets)
        if not isinstance(sys.stdout, RedactingStream):
            sys.stdout = RedactingStream(sys.stdout, secrets)
    handler = logging.StreamHandler(sys.stderr)
    # The replica's name on every line: the logs of several replicas are read together.
    replica = settings.replica_id.replace("%", "%%")
    handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s [{replica}] %(name)s: %(message)s"))
    handler.addFilter(_Redact(secrets))
    logging.basicConfig(level=getattr(logging, settings.log_level, logging.INFO), handlers=[handler], force=True)
    # httpx logs every request with its URL, which holds the bot's token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
