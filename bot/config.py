"""Settings: a frozen dataclass built from the environment and an optional YAML file.

Every setting (the fields of ``Settings``, documented in README.md and docs/operations.md) is an
upper-case environment variable; the same key in lower case may be set in the YAML file named by
``--config`` or ``BOT_CONFIG``. The environment wins. Secrets print masked.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from bot.desk.hours import HoursError, OpeningHours, parse_hours
from bot.paths import resource_dir


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the key, never a secret's value."""


class Secret:
    """A secret value that never shows itself: printed, logged, formatted, concatenated or dumped as
    JSON, it is ``<SECRET>`` or an error. Only ``.value`` gives it, to the one call that needs it."""

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str):
        object.__setattr__(self, "_value", str(value))

    @property
    def value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<SECRET>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "<SECRET>"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Secret cannot be changed")

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret is not pickled: it would be written out in clear")


SECURITY_CHOICES = ("tls", "starttls", "none")


@dataclasses.dataclass(frozen=True)
class Settings:
    telegram_bot_token: Secret | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    support_chat_id: int | None = None
    support_hours: str | None = None  # e.g. "mon-fri 09:00-18:00; sat 09:00-12:00"; other text is shown as it is
    support_timezone: str = "Europe/Rome"  # of support_hours
    support_closed: str | None = None  # ISO dates when the team is away all day
    support_idle_close_days: float = 7.0  # a ticket with no message for this long is closed
    support_staff_ids: frozenset[int] = frozenset()  # who acts in the support group besides its administrators
    support_sign_replies: bool = False  # agents' first names shown to customers (anonymous by default)
    support_email: str = "supporto@mosajco.com"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_security: str = "none"
    smtp_username: str | None = None
    smtp_password: Secret | None = None
    mail_from: str = "mailbot@localhost"
    outbox_retry_seconds: float = 30.0
    # Personal data is kept no longer than it serves (GDPR, storage limitation): sessions, feedback,
    # unanswered questions and relay links older than this are deleted.
    data_retention_days: float = 365.0
    bot_data_dir: Path = Path("./data")
    bot_cache_dir: Path | None = None  # the start-up cache (trained models); BOT_DATA_DIR/cache when unset
    knowledge_dir: Path = dataclasses.field(default_factory=lambda: resource_dir("knowledge"))
    locales_dir: Path = dataclasses.field(default_factory=lambda: resource_dir("locales"))
    webhook_url: str | None = None
    webhook_secret: Secret | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    http_listen: str = "0.0.0.0"  # the autoconfiguration server of polling mode
    http_port: int | None = None  # none: no HTTP server in polling mode
    log_level: str = "INFO"
    # Storage: SQLite in BOT_DATA_DIR unless DATABASE_URL names another database (PostgreSQL for replicas).
    database_url: Secret | None = None  # the URL may carry a password
    database_auto_migrate: bool = True
    replica_id: str = dataclasses.field(default_factory=lambda: default_replica_id())
    lease_seconds: float = 15.0  # how long a replica owns a chat or a role without renewing

    def opening_hours(self) -> OpeningHours:
        """The team's hours, as the bot understands them (raises HoursError on an impossible value)."""
        return parse_hours(self.support_hours, self.support_timezone, self.support_closed)

    @property
    def database_path(self) -> Path:
        return self.bot_data_dir / "mailbot.sqlite3"

    @property
    def database(self) -> str:
        """The database URL in full (password included): only for the call that connects."""
        return self.database_url.value if self.database_url else f"sqlite:///{self.database_path}"

    @property
    def webhook_path(self) -> str:
        """The path of WEBHOOK_URL, which the webhook's server serves (``/telegram`` when it names none)."""
        path = urlsplit(self.webhook_url or "").path
        return path if path not in ("", "/") else "/telegram"

    @property
    def cache_dir(self) -> Path:
        return self.bot_cache_dir or self.bot_data_dir / "cache"


def default_replica_id() -> str:
    """Host, process and a random suffix: a restarted process (pid 1 again, in a container) is a new replica."""
    import secrets
    import socket

    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _as_bool(key: str, raw: str) -> bool:
    if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError(f"{key.upper()} must be true or false")
    return raw.lower() in ("true", "1", "yes")


def _as_int(key: str, raw: str) -> int:
    # ASCII digits only: int() also takes "١٢" and "1_000", which nobody means in a setting.
    if not re.fullmatch(r"[+-]?[0-9]+", raw):
        raise ConfigError(f"{key.upper()} must be a whole number")
    return int(raw)


def _as_port(key: str, raw: str) -> int:
    value = _as_int(key, raw)
    if not 1 <= value <= 65535:
        raise ConfigError(f"{key.upper()} must be a port number from 1 to 65535")
    return value


def _as_float(key: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{key.upper()} must be a number") from None
    if not math.isfinite(value):  # "nan" and "inf" parse, and would quietly switch a limit off
        raise ConfigError(f"{key.upper()} must be a finite number")
    if value < 0:
        raise ConfigError(f"{key.upper()} must not be negative")
    return value


# What Telegram accepts as a webhook's secret_token (Bot API, setWebhook).
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _check_webhook(values: dict[str, Any]) -> None:
    secret = values.get("webhook_secret")
    if isinstance(secret, Secret) and not _WEBHOOK_SECRET.fullmatch(secret.value):
        raise ConfigError("WEBHOOK_SECRET must be 1 to 256 characters among A-Z, a-z, 0-9, _ and - "
                          "(Telegram's rule)")
    url = values.get("webhook_url")
    if isinstance(url, str):
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ConfigError("WEBHOOK_URL must be an https:// address: Telegram calls only those")


def _read_yaml(path: Path) -> dict[str, str]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file {path}: {exc.strerror}") from None
    except yaml.YAMLError:
        raise ConfigError(f"the configuration file {path} is not valid YAML") from None
    if not isinstance(data, dict):
        raise ConfigError(f"the configuration file {path} must be a mapping of keys to values")
    return {str(k).lower(): "" if v is None else str(v) for k, v in data.items()}


def check_database_url(url: str) -> None:
    scheme = url.partition("://")[0].lower()
    if scheme not in ("sqlite", "postgresql", "postgres") or "://" not in url:
        raise ConfigError("DATABASE_URL must start with sqlite:/// or postgresql://")


def _staff_ids(key: str, text: str) -> frozenset[int]:
    try:
        return frozenset(_as_int(key, part.strip()) for part in text.replace(";", ",").split(",") if part.strip())
    except ConfigError:
        raise ConfigError("SUPPORT_STAFF_IDS must be Telegram user ids separated by commas") from None


def _smtp_security(key: str, text: str) -> str:
    if text.lower() not in SECURITY_CHOICES:
        raise ConfigError(f"SMTP_SECURITY must be one of {', '.join(SECURITY_CHOICES)}")
    return text.lower()


def _lease_seconds(key: str, text: str) -> float:
    value = _as_float(key, text)
    if not value >= 1:
        raise ConfigError("LEASE_SECONDS must be at least 1")
    return value


# How each key's text becomes its field's value (a key not listed is text as it is).
_PARSERS: dict[str, Callable[[str, str], object]] = {
    **dict.fromkeys(("telegram_bot_token", "smtp_password", "webhook_secret", "database_url"),
                    lambda key, text: Secret(text)),
    **dict.fromkeys(("smtp_port", "webhook_port", "http_port"), _as_port),
    "support_chat_id": _as_int,
    "support_staff_ids": _staff_ids,
    **dict.fromkeys(("outbox_retry_seconds", "data_retention_days", "support_idle_close_days"), _as_float),
    **dict.fromkeys(("bot_data_dir", "bot_cache_dir", "knowledge_dir", "locales_dir"),
                    lambda key, text: Path(text).expanduser()),
    "smtp_security": _smtp_security,
    **dict.fromkeys(("support_sign_replies", "database_auto_migrate"), _as_bool),
    "lease_seconds": _lease_seconds,
    "log_level": lambda key, text: text.upper(),
}


def _raw_settings(environ: Mapping[str, str], config_file: str | Path | None) -> dict[str, str]:
    """The settings' texts: the YAML file's, overridden by the environment's; empty ones left out."""
    raw: dict[str, str] = _read_yaml(Path(config_file)) if config_file else {}
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"unknown configuration key(s) in {config_file}: {', '.join(unknown)}")
    for name in known:
        if name.upper() in environ:
            raw[name] = environ[name.upper()]
    return {k: v.strip() for k, v in raw.items() if v.strip() != ""}


def load_settings(environ: Mapping[str, str] | None = None, config_file: str | Path | None = None) -> Settings:
    """Build the settings from ``environ`` (the process environment by default) and a YAML file."""
    environ = os.environ if environ is None else environ
    raw = _raw_settings(environ, config_file or environ.get("BOT_CONFIG"))
    # Each value of its field's type (``_PARSERS``): what the dataclass is then built from.
    values: dict[str, Any] = {key: _PARSERS.get(key, _text)(key, text) for key, text in raw.items()}
    if "smtp_security" not in values:
        port = values.get("smtp_port", 25)
        values["smtp_security"] = {587: "starttls", 465: "tls"}.get(port, "none")
    if "database_url" in values:
        check_database_url(values["database_url"].value)
    _check_webhook(values)
    settings = Settings(**values)
    try:
        settings.opening_hours()
    except HoursError as exc:
        raise ConfigError(f"SUPPORT_HOURS, SUPPORT_TIMEZONE or SUPPORT_CLOSED: {exc}") from None
    return settings


def _text(key: str, text: str) -> str:
    return text
