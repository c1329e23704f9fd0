"""The inbox: every update from Telegram, kept in the database before Telegram is told it arrived.

Polling confirms a batch to Telegram (the next getUpdates' offset) only after the batch is stored
here, and the webhook answers 200 only after storing; updates are then handled from here, in order
within each chat. After a crash or a ``kill -9``, what was stored and not yet handled is handled at
the next start: at least once in. A duplicate (Telegram sends again what it had not heard confirmed)
is recognised by its update id among the updates kept here, a bounded window: never by comparing with
the last id, since Telegram restarts update ids at a random number after a week without updates.
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

from bot.storage.db import Database, Row, first
from bot.storage.leases import DEAD_AFTER, REPLICAS_GONE, Lease

PENDING, DONE, UNPARSEABLE = "pending", "done", "unparseable"
KEEP_SECONDS = 3 * 24 * 3600  # handled updates are kept this long: the window of duplicate detection


@dataclasses.dataclass(frozen=True)
class Stored:
    update_id: int
    chat: str
    data: dict[str, Any]
    backlog: bool = False  # it piled up while no bot was running


def chat_of(data: dict[str, Any]) -> str:
    """The chat an update belongs to, from its raw JSON ("" when it has none, e.g. a poll's state)."""
    for key, value in data.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return str(chat["id"])
        sender = value.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return str(sender["id"])
    return ""


class Inbox:
    def __init__(self, db: Database):
        self.db = db

    def add(self, updates: list[dict[str, Any]], now: float | None = None, backlog: bool = False) -> int:
        """Store raw updates in one transaction; returns how many were new (duplicates are ignored).
        ``backlog``: they piled up while no bot was running (no storm for the flood guard)."""
        now = time.time() if now is None else now
        rows = [
            (u["update_id"], chat_of(u), json.dumps(u, ensure_ascii=False), now, PENDING, int(backlog))
            for u in updates if isinstance(u, dict) and isinstance(u.get("update_id"), int)
        ]
        new = 0
        with self.db.transaction() as tx:
            for row in rows:
                new += tx.one("INSERT INTO inbox (update_id, chat, data, received, state, backlog) "
                              "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
                              row) is not None
        return new

    def pending(self, limit: int = 1000) -> list[Stored]:
        """Updates not yet handled, oldest first."""
        rows = self.db.all("SELECT update_id, chat, data FROM inbox WHERE state = ? ORDER BY update_id LIMIT ?",
                           (PENDING, limit))
        return [Stored(update_id, chat, json.loads(data)) for update_id, chat, data in rows]

    def chats_waiting(self, limit: int, replica: str | None = None) -> list[str]:
        """The chats with updates not yet handled, the longest waiting first; with ``replica``, only those
        it could handle now (no other live replica holds their lease)."""
        held = ""
        params: Row = (PENDING,)
        if replica is not None:
            held = (" AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.key = 'chat:' || i.chat AND l.owner != ? "
                    "AND l.expires >= EPOCH_NOW AND l.owner NOT IN "
                    f"{REPLICAS_GONE.format(cutoff='EPOCH_NOW - ?')})")
            params += (replica, DEAD_AFTER)
        rows = self.db.all(f"SELECT chat FROM inbox i WHERE state = ?{held} GROUP BY chat ORDER BY MIN(update_id) "
                           "LIMIT ?", (*params, limit))
        return [chat for (chat,) in rows]

    def pending_of(self, chat: str, limit: int = 100) -> list[Stored]:
        """One chat's updates not yet handled, oldest first."""
        rows = self.db.all(
            "SELECT update_id, chat, data, backlog FROM inbox WHERE state = ? AND chat = ? ORDER BY update_id LIMIT ?",
            (PENDING, chat, limit),
        )
        return [Stored(update_id, chat, json.loads(data), bool(backlog)) for update_id, chat, data, backlog in rows]

    def mark(self, update_id: int, state: str, now: float | None = None, lease: Lease | None = None) -> bool:
        """Record how an update was handled; with the chat's ``lease``, only while it is still held (False
        when it moved on: the update stays pending for the replica that has it now)."""
        sql = "UPDATE inbox SET state = ?, handled = ? WHERE update_id = ?"
        params: Row = (state, now or time.time(), update_id)
        if lease is not None:
            sql += (" AND EXISTS (SELECT 1 FROM leases WHERE key = ? AND owner = ? AND epoch = ? "
                    "AND expires >= EPOCH_NOW)")
            params += (lease.key, lease.owner, lease.epoch)
        return self.db.execute(sql, params) == 1

    def flood(self, update_id: int, limit: int, window: float) -> str | None:
        """The flood guard's verdict on a stored update, from the inbox itself (so every replica agrees):
        ``ok`` while its chat sent at most ``limit`` updates in the ``window`` seconds up to it, ``warn``
        for the first one over, ``drop`` after; updates that piled up while no bot ran never count. None
        when the update is not in the inbox."""
        row = self.db.one("SELECT chat, received, backlog FROM inbox WHERE update_id = ?", (update_id,))
        if row is None:
            return None
        chat, received, backlog = row
        if backlog:
            return "ok"
        n = first(self.db.one("SELECT COUNT(*) FROM inbox WHERE chat = ? AND backlog = 0 AND received > ? "
                              "AND received <= ? AND update_id <= ?", (chat, received - window, received, update_id)))
        return "ok" if n <= limit else "warn" if n == limit + 1 else "drop"

    def count(self, state: str) -> int:
        return int(first(self.db.one("SELECT COUNT(*) FROM inbox WHERE state = ?", (state,))))

    def oldest_pending_age(self, now: float | None = None) -> float:
        """Seconds the oldest update not yet handled has waited (0 when none waits)."""
        row = self.db.one("SELECT MIN(received) FROM inbox WHERE state = ?", (PENDING,))
        return max(0.0, (time.time() if now is None else now) - row[0]) if row and row[0] is not None else 0.0

    def prune(self, now: float | None = None) -> int:
        """Forget handled updates older than the duplicate window; returns how many."""
        cutoff = (time.time() if now is None else now) - KEEP_SECONDS
        return self.db.execute("DELETE FROM inbox WHERE state != ? AND handled < ?", (PENDING, cutoff))
