"""A customer's conversation state: plain data, stored as JSON, readable across upgrades.

Unknown keys from a newer or older version are ignored and missing ones take their defaults, so a stored
session never stops a customer from talking to the bot.

Flows sit on a stack (``flows``), top last: an IMAP request asked for in the middle of the setup guide,
or a person asked for, is pushed over the guide, and the guide is back when it is popped. Each frame is a
``Frame``, ``{"flow": name, "state": {...}}`` as stored; the state's shape belongs to its flow, which reads
it into its typed state (``bot/flows``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypedDict

HISTORY_TURNS = 12
MAX_FLOWS = 4  # frames on the stack: deeper than this, the oldest is dropped
SESSION_VERSION = 2


class Frame(TypedDict):
    """One flow on the stack: its name and its state as stored (JSON), read by the flow into its own type."""

    flow: str
    state: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class SessionKey:
    """Where a conversation happens: the channel and the chat id within it."""

    channel: str
    chat_id: str


@dataclasses.dataclass
class Session:
    lang: str | None = None
    lang_chosen: bool = False  # the customer picked the language; detection no longer switches it
    flows: list[Frame] = dataclasses.field(default_factory=list)  # the flow stack, top last
    offered: list[list[str]] = dataclasses.field(default_factory=list)  # [label, button id] of the last reply
    last_article: str | None = None
    last_question: str | None = None
    rated: bool = False
    fallbacks_in_row: int = 0
    dislikes_in_row: int = 0
    email: str | None = None  # the customer's address, once they have given it
    name: str | None = None  # the customer's name as the channel knows it (for the sender name of a profile)
    history: list[list[str]] = dataclasses.field(default_factory=list)  # [who, text], oldest first
    version: int = SESSION_VERSION

    # the flow stack
    @property
    def flow(self) -> str | None:
        """The flow the customer is in (the top of the stack), or None."""
        return self.flows[-1]["flow"] if self.flows else None

    def frame(self, name: str) -> Frame | None:
        """The frame of flow ``name`` (its topmost one), or None."""
        return next((f for f in reversed(self.flows) if f["flow"] == name), None)

    def push(self, name: str, state: dict[str, Any]) -> Frame:
        """Start flow ``name`` on top of the others (an earlier run of it is dropped); returns its frame."""
        self.leave(name)
        frame = Frame(flow=name, state=state)
        self.flows.append(frame)
        del self.flows[:-MAX_FLOWS]
        return frame

    def pop(self) -> str | None:
        """End the top flow; returns the flow now on top (resumed), or None."""
        if self.flows:
            self.flows.pop()
        return self.flow

    def leave(self, name: str) -> bool:
        """End flow ``name`` wherever it is on the stack; returns whether it was there."""
        before = len(self.flows)
        self.flows[:] = [f for f in self.flows if f["flow"] != name]
        return len(self.flows) != before

    def clear_flows(self) -> bool:
        """End every flow; returns whether there was any."""
        had = bool(self.flows)
        self.flows.clear()
        return had

    # the transcript
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
        if "flows" not in data and data.get("flow"):
            session.flows = _legacy_frames(data.get("flow"), data.get("step"), data.get("form"))
        session.flows = _frames(session.flows)
        session.version = SESSION_VERSION
        return session


def _frames(stored: object) -> list[Frame]:
    """The well-formed frames of a stored stack; anything else is dropped."""
    if not isinstance(stored, list):
        return []
    return [Frame(flow=f["flow"], state=f["state"]) for f in stored
            if isinstance(f, dict) and isinstance(f.get("flow"), str) and isinstance(f.get("state"), dict)]


def _legacy_frames(flow: Any, step: Any, form: Any) -> list[Frame]:
    """A version 1 session's one flow (``flow``, ``step``, ``form``, with a flow it had parked in
    ``form["parked"]``) as frames of the stack."""
    if not isinstance(flow, str):
        return []
    form = dict(form) if isinstance(form, dict) else {}
    parked = form.pop("parked", None)
    below = (_legacy_frames(parked.get("flow"), parked.get("step"), parked.get("form"))
             if isinstance(parked, dict) else [])
    return [*below, Frame(flow=flow, state={**form, "step": step})]
