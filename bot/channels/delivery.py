"""What a channel keeps beside a customer's session so that each event is handled once and each reply
delivered: the ids of the last events handled, the replies of the last turn not yet sent, and whether
the customer's message is still to be relayed to the team.

It is stored in the same record as the session (under ``delivery``), written in the same step as the
turn: a crash after the turn and before the sending delivers the rest after the restart, once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import weakref
from collections.abc import Callable
from typing import Any

from bot.core.session import Session

RECENT_EVENTS = 50


@dataclasses.dataclass
class Delivery:
    # The channel's ids of the last events handled (Telegram's update ids): an event stored again after a
    # crash is recognised among them. A window, not a "last id": Telegram may restart its ids lower.
    recent_events: list[int] = dataclasses.field(default_factory=list)
    undelivered: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # Reply.to_dict, in order
    relay_pending: bool = False

    def handled(self, event_id: int) -> bool:
        """Whether the event was handled already; if not, it is noted as handled (saved with the turn)."""
        if event_id in self.recent_events:
            return True
        self.recent_events.append(event_id)
        del self.recent_events[:-RECENT_EVENTS]
        return False

    @classmethod
    def of(cls, record: dict[str, Any] | None) -> "Delivery":
        """The delivery part of a stored record (a version 1 record kept these fields at the top)."""
        record = record if isinstance(record, dict) else {}
        data = record.get("delivery") if isinstance(record.get("delivery"), dict) else record
        return cls(
            recent_events=[e for e in data.get("recent_events") or [] if isinstance(e, int)],
            undelivered=[r for r in data.get("undelivered") or [] if isinstance(r, dict)],
            relay_pending=bool(data.get("relay_pending")),
        )


def record(session: Session, delivery: Delivery) -> dict[str, Any]:
    """The stored record of a session and its delivery."""
    return {**session.to_dict(), "delivery": dataclasses.asdict(delivery)}


def change_delivery(change: Callable[[Delivery], None]) -> Callable[[dict[str, Any]], None]:
    """A store update changing only the delivery part of a record."""

    def apply(data: dict[str, Any]) -> None:
        delivery = Delivery.of(data)
        change(delivery)
        data["delivery"] = dataclasses.asdict(delivery)

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
