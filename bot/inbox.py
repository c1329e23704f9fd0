"""The inbox: every update from Telegram, kept in SQLite before Telegram is told it arrived.

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
import sqlite3
import time
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    update_id INTEGER PRIMARY KEY,
    chat TEXT NOT NULL,              -- the chat whose order the update keeps ("" for none)
    data TEXT NOT NULL,              -- the update as Telegram sent it (JSON)
    received REAL NOT NULL,
    state TEXT NOT NULL,             -- pending, done, unparseable
    handled REAL
);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (state, update_id);
CREATE INDEX IF NOT EXISTS inbox_chat ON inbox (chat, state, update_id);
"""

PENDING, DONE, UNPARSEABLE = "pending", "done", "unparseable"
KEEP_SECONDS = 3 * 24 * 3600  # handled updates are kept this long: the window of duplicate detection


@dataclasses.dataclass(frozen=True)
class Stored:
    update_id: int
    chat: str
    data: dict[str, Any]


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
    def __init__(self, connection: sqlite3.Connection, lock):
        self._conn, self._lock = connection, lock
        with self._lock:
            self._conn.executescript(SCHEMA)

    def add(self, updates: list[dict[str, Any]], now: float | None = None) -> int:
        """Store raw updates in one transaction; returns how many were new (duplicates are ignored)."""
        now = time.time() if now is None else now
        rows = [
            (u["update_id"], chat_of(u), json.dumps(u, ensure_ascii=False), now, PENDING)
            for u in updates if isinstance(u, dict) and isinstance(u.get("update_id"), int)
        ]
        with self._lock:
            before = self._conn.total_changes
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT OR IGNORE INTO inbox (update_id, chat, data, received, state) VALUES (?, ?, ?, ?, ?)", rows
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            return self._conn.total_changes - before

    def pending(self, limit: int = 1000) -> list[Stored]:
        """Updates not yet handled, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT update_id, chat, data FROM inbox WHERE state = ? ORDER BY update_id LIMIT ?", (PENDING, limit)
            ).fetchall()
        return [Stored(update_id, chat, json.loads(data)) for update_id, chat, data in rows]

    def pending_of(self, chat: str, limit: int = 100) -> list[Stored]:
        """One chat's updates not yet handled, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT update_id, chat, data FROM inbox WHERE state = ? AND chat = ? ORDER BY update_id LIMIT ?",
                (PENDING, chat, limit),
            ).fetchall()
        return [Stored(update_id, chat, json.loads(data)) for update_id, chat, data in rows]

    def mark(self, update_id: int, state: str, now: float | None = None) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE inbox SET state = ?, handled = ? WHERE update_id = ?", (state, now or time.time(), update_id)
            )

    def count(self, state: str) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM inbox WHERE state = ?", (state,)).fetchone()[0]

    def prune(self, now: float | None = None) -> int:
        """Forget handled updates older than the duplicate window; returns how many."""
        cutoff = (time.time() if now is None else now) - KEEP_SECONDS
        with self._lock:
            cursor = self._conn.execute("DELETE FROM inbox WHERE state != ? AND handled < ?", (PENDING, cutoff))
        return cursor.rowcount
