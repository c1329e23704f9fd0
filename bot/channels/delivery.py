"""What a channel keeps beside a customer's session so that each event is handled once and each reply
delivered: the ids of the last events handled, the replies of the last turn not yet sent, and the
turn's effects not yet carried out (a ticket to open, the message to relay, the ticket to close).

It is stored in the same record as the session (under ``delivery``), written in the same step as the
turn: a crash after the turn and before the sending delivers the rest after the restart, once. Replies
and effects are typed here and become JSON only in ``to_dict`` (effects with their ``kind``); a record
written before effects were typed (``handoff``/``handback`` flags on its replies, ``relay_pending``) is
read as the same effects, and those flags are still written beside ``effects`` for a replica of the
previous version during a rolling upgrade.
"""

from __future__ import annotations

import asyncio
import dataclasses
import weakref
from collections.abc import Callable
from typing import Any

from bot.core.session import Session
from bot.core.types import Effect, HandBack, OpenTicket, RelayToTeam, Reply, effect_from_dict, effect_to_dict

RECENT_EVENTS = 50


@dataclasses.dataclass
class Delivery:
    # The channel's ids of the last events handled (Telegram's update ids): an event stored again after a
    # crash is recognised among them. A window, not a "last id": Telegram may restart its ids lower.
    recent_events: list[int] = dataclasses.field(default_factory=list)
    replies: list[Reply] = dataclasses.field(default_factory=list)  # still to send, in order
    effects: list[Effect] = dataclasses.field(default_factory=list)  # still to carry out

    def handled(self, event_id: int) -> bool:
        """Whether the event was handled already; if not, it is noted as handled (saved with the turn)."""
        if event_id in self.recent_events:
            return True
        self.recent_events.append(event_id)
        del self.recent_events[:-RECENT_EVENTS]
        return False

    @property
    def pending(self) -> bool:
        return bool(self.replies or self.effects)

    @property
    def opening(self) -> OpenTicket | None:
        """The ticket to open before a reply, if any."""
        return next((e for e in self.effects if isinstance(e, OpenTicket)), None)

    def has(self, effect: Effect) -> bool:
        return effect in self.effects

    def sent_one(self) -> None:
        """The first reply is delivered: a ticket it announced is open for good, other places move up."""
        if not self.replies:
            return
        self.replies.pop(0)
        effects: list[Effect] = []
        for effect in self.effects:
            if isinstance(effect, OpenTicket):
                if effect.before == 0:
                    continue
                effect = OpenTicket(before=effect.before - 1)
            effects.append(effect)
        self.effects = effects

    def done(self, effect: Effect) -> None:
        """``effect`` was carried out."""
        self.effects = [e for e in self.effects if e != effect]

    def finished(self) -> None:
        """Everything of the turn is delivered."""
        self.replies.clear()
        self.effects.clear()

    def to_dict(self) -> dict[str, Any]:
        return {"recent_events": list(self.recent_events), "undelivered": self._flagged_replies(),
                "effects": [effect_to_dict(e) for e in self.effects], "relay_pending": self.has(RelayToTeam())}

    def _flagged_replies(self) -> list[dict[str, Any]]:
        """The replies, with the flags a replica of the previous version reads its effects from (during a
        rolling upgrade it may deliver what this one stored); this version reads ``effects`` only."""
        replies = [r.to_dict() for r in self.replies]
        opening = self.opening
        if opening is not None and opening.before < len(replies):
            replies[opening.before]["handoff"] = True
        if replies and self.has(HandBack()):
            replies[-1]["handback"] = True
        return replies

    @classmethod
    def of(cls, record: dict[str, Any] | None) -> "Delivery":
        """The delivery part of a stored record (a version 1 record kept these fields at the top)."""
        record = record if isinstance(record, dict) else {}
        stored = record.get("delivery")
        data: dict[str, Any] = stored if isinstance(stored, dict) else record
        undelivered = [r for r in data.get("undelivered") or [] if isinstance(r, dict)]
        effects = [e for e in (effect_from_dict(d) for d in data.get("effects") or [] if isinstance(d, dict)) if e]
        return cls(
            recent_events=[e for e in data.get("recent_events") or [] if isinstance(e, int)],
            replies=[Reply.from_dict(r) for r in undelivered],
            effects=effects if "effects" in data else _flagged_effects(undelivered, bool(data.get("relay_pending"))),
        )


def _flagged_effects(undelivered: list[dict[str, Any]], relay_pending: bool) -> list[Effect]:
    """The effects a record written before they were typed kept as flags on its replies."""
    effects: list[Effect] = []
    opening = next((n for n, r in enumerate(undelivered) if r.get("handoff")), None)
    if opening is not None:
        effects.append(OpenTicket(before=opening))
    if relay_pending:
        effects.append(RelayToTeam())
    if any(r.get("handback") for r in undelivered):
        effects.append(HandBack())
    return effects


def record(session: Session, delivery: Delivery) -> dict[str, Any]:
    """The stored record of a session and its delivery."""
    return {**session.to_dict(), "delivery": delivery.to_dict()}


def change_delivery(change: Callable[[Delivery], object]) -> Callable[[dict[str, Any]], None]:
    """A store update changing only the delivery part of a record."""

    def apply(data: dict[str, Any]) -> None:
        delivery = Delivery.of(data)
        change(delivery)
        data["delivery"] = delivery.to_dict()

    return apply


def change_session(change: Callable[[Session], None]) -> Callable[[dict[str, Any]], None]:
    """A store update changing only the session part of a record (the team closing a ticket, say),
    leaving what the channel is delivering meanwhile."""

    def apply(data: dict[str, Any]) -> None:
        session = Session.from_dict(data)
        change(session)
        data.update(session.to_dict())

    return apply


class SessionLocks:
    """One lock per customer: a turn (read, respond, write) and the team's changes to the same session
    (a /close, the first answer, an idle close) run in different workers and must never interleave, or
    the older copy would win."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, chat_id: int) -> asyncio.Lock:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock
