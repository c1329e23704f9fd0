"""A customer's conversation state: plain data, stored as JSON, readable across upgrades.

Unknown keys from a newer or older version are ignored and missing ones take their defaults, so a stored
session never stops a customer from talking to the bot.
"""

from __future__ import annotations

import dataclasses
from typing import Any

HISTORY_TURNS = 12
RECENT_EVENTS = 50
SESSION_VERSION = 1


@dataclasses.dataclass(frozen=True)
class SessionKey:
    """Where a conversation happens: the channel and the chat id within it."""

    channel: str
    chat_id: str


@dataclasses.dataclass
class Session:
    lang: str | None = None
    lang_chosen: bool = False  # the customer picked the language; detection no longer switches it
    flow: str | None = None
    step: str | None = None
    form: dict[str, Any] = dataclasses.field(default_factory=dict)
    offered: list[list[str]] = dataclasses.field(default_factory=list)  # [label, button id] of the last reply
    last_article: str | None = None
    last_question: str | None = None
    rated: bool = False
    fallbacks_in_row: int = 0
    dislikes_in_row: int = 0
    email: str | None = None  # the customer's address, once they have given it
    name: str | None = None  # the customer's name as the channel knows it (for the sender name of a profile)
    history: list[list[str]] = dataclasses.field(default_factory=list)  # [who, text], oldest first
    # The channel's ids of the last events handled (Telegram's update ids): an event stored again after a
    # crash is recognised among them. A window, not a "last id": Telegram may restart its ids lower.
    recent_events: list[int] = dataclasses.field(default_factory=list)
    # Replies of the last turn saved with it and not yet delivered (Reply.to_dict), and whether the
    # customer's message is still to be relayed: a crash mid-sending delivers them after the restart.
    undelivered: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    relay_pending: bool = False
    version: int = SESSION_VERSION

    def handled(self, event_id: int) -> bool:
        """Whether the event was handled already; if not, it is noted as handled (saved with the turn)."""
        if event_id in self.recent_events:
            return True
        self.recent_events.append(event_id)
        del self.recent_events[:-RECENT_EVENTS]
        return False

    def remember(self, who: str, text: str, limit: int = 500) -> None:
        """Keep a short transcript for the support team; long texts are cut."""
        self.history.append([who, text if len(text) <= limit else text[: limit - 1] + "…"])
        del self.history[:-HISTORY_TURNS]

    def to_dict(self) -> dict[str, Any]:
        """The session as JSON-ready data (a shallow copy: serialise it before changing the session)."""
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Session":
        if not isinstance(data, dict):
            return cls()
        names = {f.name for f in dataclasses.fields(cls)}
        session = cls(**{k: v for k, v in data.items() if k in names})
        session.version = SESSION_VERSION
        return session
