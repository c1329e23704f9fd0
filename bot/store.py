"""SQLite storage: sessions, answer feedback and unanswered questions.

Sessions sit behind a tiny key-value contract (get, set, delete, keys) so that another backend, such
as PostgreSQL for several replicas, is one more class with the same shared tests.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

from bot.core.session import SessionKey
from bot.knowledge.text import fold

MAX_LOGGED_QUESTION = 300  # characters of an unanswered question kept for the knowledge editor

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    data TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (channel, chat_id)
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    lang TEXT NOT NULL,
    article TEXT NOT NULL,
    question TEXT,
    helpful INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    lang TEXT NOT NULL,
    question TEXT NOT NULL,
    folded TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS unanswered_folded ON unanswered (folded);
"""


class SessionStore(Protocol):
    def get(self, key: SessionKey) -> dict[str, Any] | None: ...
    def set(self, key: SessionKey, data: dict[str, Any]) -> None: ...
    def update(self, key: SessionKey, change: "Callable[[dict[str, Any]], None]") -> None: ...
    def delete(self, key: SessionKey) -> None: ...
    def keys(self) -> Iterator[SessionKey]: ...


class SQLiteStore:
    """Sessions, feedback and unanswered questions in one SQLite file; safe to share between threads."""

    def __init__(self, path: Path | str):
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            # Another process (``mailbot outbox``, a backup) may hold the write lock a while: wait for it, in
            # the storage thread, rather than fail the turn.
            self._conn.execute("PRAGMA busy_timeout=30000")
            self._conn.executescript(SCHEMA)
        from bot.outbox import Outbox

        self.outbox = Outbox(self._conn, self._lock)
        from bot.tickets import Tickets

        self.tickets = Tickets(self._conn, self._lock)
        from bot.inbox import Inbox

        self.inbox = Inbox(self._conn, self._lock)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # sessions
    def get(self, key: SessionKey) -> dict[str, Any] | None:
        with self._lock:
            return self._read(key)

    def set(self, key: SessionKey, data: dict[str, Any]) -> None:
        with self._lock:
            self._write(key, data)

    def update(self, key: SessionKey, change: "Callable[[dict[str, Any]], None]") -> None:
        """Read, change and write one session at once: a change made meanwhile elsewhere (the team
        closing the ticket) is not overwritten by an older copy."""
        with self._lock:
            data = self._read(key) or {}
            change(data)
            self._write(key, data)

    def _read(self, key: SessionKey) -> dict[str, Any] | None:
        row = self._conn.execute("SELECT data FROM sessions WHERE channel = ? AND chat_id = ?", (key.channel, key.chat_id)).fetchone()
        try:
            data = json.loads(row[0]) if row else None
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _write(self, key: SessionKey, data: dict[str, Any]) -> None:
        self._conn.execute(
            "INSERT INTO sessions (channel, chat_id, data, updated) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (channel, chat_id) DO UPDATE SET data = excluded.data, updated = excluded.updated",
            (key.channel, key.chat_id, json.dumps(data, ensure_ascii=False), time.time()),
        )

    def delete(self, key: SessionKey) -> None:
        self._execute("DELETE FROM sessions WHERE channel = ? AND chat_id = ?", (key.channel, key.chat_id))

    def keys(self) -> Iterator[SessionKey]:
        for channel, chat_id in self._execute("SELECT channel, chat_id FROM sessions ORDER BY channel, chat_id"):
            yield SessionKey(channel, chat_id)

    # feedback and unanswered questions
    def record_feedback(self, key: SessionKey, lang: str, article: str, question: str | None, helpful: bool) -> None:
        self._execute(
            "INSERT INTO feedback (at, channel, chat_id, lang, article, question, helpful) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (time.time(), key.channel, key.chat_id, lang, article, question, int(helpful)),
        )

    def record_unanswered(self, lang: str, question: str, reason: str) -> None:
        question = question.strip()[:MAX_LOGGED_QUESTION]
        self._execute(
            "INSERT INTO unanswered (at, lang, question, folded, reason) VALUES (?, ?, ?, ?, ?)",
            (time.time(), lang, question, fold(question) or question, reason),
        )

    def prune(self, retention_days: float, now: float | None = None) -> dict[str, int]:
        """Delete what is older than ``retention_days``: sessions untouched since, feedback, unanswered
        questions, the links of closed tickets' relayed messages; and the inbox past its window.
        Returns how many rows of each went."""
        cutoff = (time.time() if now is None else now) - retention_days * 86400
        removed = {}
        with self._lock:
            for table, column in (("sessions", "updated"), ("feedback", "at"), ("unanswered", "at")):
                removed[table] = self._conn.execute(f"DELETE FROM {table} WHERE {column} < ?", (cutoff,)).rowcount
            for table in ("relays", "copies"):
                removed[table] = self._conn.execute(
                    f"DELETE FROM {table} WHERE ticket IN (SELECT id FROM tickets WHERE state = 'closed' AND closed < ?)",
                    (cutoff,)).rowcount
        removed["inbox"] = self.inbox.prune(now)
        return removed

    def customers_since(self, channel: str, since: float) -> int:
        """How many customers of ``channel`` wrote (their session changed) since ``since``."""
        return self._execute("SELECT COUNT(*) FROM sessions WHERE channel = ? AND updated >= ?", (channel, since))[0][0]

    def feedback_summary(self) -> list[tuple[str, int, int]]:
        """(article, helpful, not helpful) per article."""
        return self._execute(
            "SELECT article, SUM(helpful), SUM(1 - helpful) FROM feedback GROUP BY article ORDER BY article"
        )

    def unanswered_report(self) -> list[dict[str, Any]]:
        """Questions the bot could not answer well, grouped by their folded text, most frequent first."""
        rows = self._execute(
            "SELECT folded, COUNT(*), MAX(at), "
            "(SELECT question FROM unanswered u2 WHERE u2.folded = u.folded ORDER BY at DESC LIMIT 1), "
            "GROUP_CONCAT(DISTINCT lang), GROUP_CONCAT(DISTINCT reason) "
            "FROM unanswered u GROUP BY folded ORDER BY COUNT(*) DESC, MAX(at) DESC"
        )
        return [
            {"question": q, "count": n, "last": last, "langs": sorted(langs.split(",")), "reasons": sorted(reasons.split(","))}
            for _, n, last, q, langs, reasons in rows
        ]
