"""The store: sessions, answer feedback and unanswered questions, and the tables beside them (inbox,
outbox, tickets, leases), on one database, SQLite or PostgreSQL (``bot/storage/db.py``).

Sessions sit behind a tiny key-value contract (get, set, update, delete, keys). ``update`` is one
transaction that locks the row on PostgreSQL: a change made meanwhile by another replica (the team
closing the ticket) is never overwritten by an older copy.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.session import SessionKey
from bot.knowledge.text import fold
from bot.storage.db import POSTGRES, Database, Row, SQLiteDatabase, Transaction, first, open_database
from bot.storage.inbox import Inbox
from bot.storage.leases import Leases
from bot.storage.migrate import MigrationError, migrate, status
from bot.storage.outbox import Outbox
from bot.storage.tickets import Tickets

if TYPE_CHECKING:
    from bot.config import Settings

MAX_LOGGED_QUESTION = 300  # characters of an unanswered question kept for the knowledge editor


class Store:
    """Everything the bot keeps, on one database; safe to share between threads."""

    def __init__(self, db: Database, replica: str = "local"):
        self.db = db
        self.backend = db.backend
        self.outbox = Outbox(db, replica)
        self.tickets = Tickets(db)
        self.inbox = Inbox(db)
        self.leases = Leases(db, replica)

    @classmethod
    def open(cls, url: str, replica: str = "local", *, auto_migrate: bool = True,
             schema: str | None = None) -> Store:
        """The store of a database URL, its schema brought up to date (or checked, without
        ``auto_migrate``)."""
        db = open_database(url, schema=schema)
        try:
            if auto_migrate:
                migrate(db)
            elif not status(db).current:
                raise MigrationError("the database needs migrations: run `mailbot db migrate`")
        except BaseException:
            db.close()
            raise
        return cls(db, replica)

    def close(self) -> None:
        self.db.close()

    def ready(self) -> str | None:
        """None when the database answers and its schema is current; else why not, in a few words."""
        try:
            state = status(self.db)
        except Exception as exc:  # unreachable, or refusing: not ready, whatever the reason
            return f"database unavailable: {type(exc).__name__}"
        return None if state.current else f"{len(state.pending)} migration(s) pending"

    # sessions
    def get(self, key: SessionKey) -> dict[str, Any] | None:
        return _parse(self.db.one("SELECT data FROM sessions WHERE channel = ? AND chat_id = ?",
                                  (key.channel, key.chat_id)))

    def set(self, key: SessionKey, data: dict[str, Any]) -> None:
        with self.db.transaction() as tx:
            _write(tx, key, data)

    def update(self, key: SessionKey, change: Callable[[dict[str, Any]], None]) -> None:
        """Read, change and write one session in one transaction: a change made meanwhile elsewhere (the
        team closing the ticket, on another replica) is not overwritten by an older copy."""
        with self.db.transaction() as tx:
            data = self.read_for_update(tx, key)
            if data is None and self.backend == POSTGRES:
                # No row to lock yet: two replicas would both start from nothing and the second write would
                # undo the first. An empty row first (the second waits here for the first's commit), locked.
                tx.execute("INSERT INTO sessions (channel, chat_id, data, updated) VALUES (?, ?, '{}', ?) "
                           "ON CONFLICT (channel, chat_id) DO NOTHING", (key.channel, key.chat_id, time.time()))
                data = self.read_for_update(tx, key)
            data = data or {}
            change(data)
            _write(tx, key, data)

    def read_for_update(self, tx: Transaction, key: SessionKey) -> dict[str, Any] | None:
        """A session read inside a transaction, its row locked until the end of it (PostgreSQL; SQLite's
        write transaction excludes every other already)."""
        lock = " FOR UPDATE" if self.backend == POSTGRES else ""
        return _parse(tx.one(f"SELECT data FROM sessions WHERE channel = ? AND chat_id = ?{lock}",
                             (key.channel, key.chat_id)))

    def write(self, tx: Transaction, key: SessionKey, data: dict[str, Any]) -> None:
        _write(tx, key, data)

    def delete(self, key: SessionKey) -> None:
        self.db.execute("DELETE FROM sessions WHERE channel = ? AND chat_id = ?", (key.channel, key.chat_id))

    def keys(self) -> Iterator[SessionKey]:
        for channel, chat_id in self.db.all("SELECT channel, chat_id FROM sessions ORDER BY channel, chat_id"):
            yield SessionKey(channel, chat_id)

    # feedback and unanswered questions
    def record_feedback(self, key: SessionKey, lang: str, article: str, question: str | None, helpful: bool) -> None:
        self.db.execute(
            "INSERT INTO feedback (at, channel, chat_id, lang, article, question, helpful) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (time.time(), key.channel, key.chat_id, lang, article, question, int(helpful)),
        )

    def record_unanswered(self, lang: str, question: str, reason: str) -> None:
        question = question.strip()[:MAX_LOGGED_QUESTION]
        self.db.execute(
            "INSERT INTO unanswered (at, lang, question, folded, reason) VALUES (?, ?, ?, ?, ?)",
            (time.time(), lang, question, fold(question) or question, reason),
        )

    def prune(self, retention_days: float, now: float | None = None) -> dict[str, int]:
        """Delete what is older than ``retention_days``: sessions untouched since (not those of a customer
        with an open ticket), feedback, unanswered questions, the links of closed tickets' relayed
        messages; and the inbox past its window.
        Returns how many rows of each went."""
        cutoff = (time.time() if now is None else now) - retention_days * 86400
        removed: dict[str, int] = {}
        with self.db.transaction() as tx:
            # The session of a customer whose ticket is open stays: their next message goes to the team.
            removed["sessions"] = tx.execute(
                "DELETE FROM sessions WHERE updated < ? AND chat_id NOT IN "
                "(SELECT CAST(customer_chat AS TEXT) FROM tickets WHERE state = 'open')", (cutoff,)).rowcount
            for table, column in (("feedback", "at"), ("unanswered", "at")):
                removed[table] = tx.execute(f"DELETE FROM {table} WHERE {column} < ?", (cutoff,)).rowcount
            for table in ("relays", "copies"):
                removed[table] = tx.execute(
                    f"DELETE FROM {table} WHERE ticket IN "
                    "(SELECT id FROM tickets WHERE state = 'closed' AND closed < ?)", (cutoff,)).rowcount
        removed["inbox"] = self.inbox.prune(now)
        return removed

    def customers_since(self, channel: str, since: float) -> int:
        """How many customers of ``channel`` wrote (their session changed) since ``since``."""
        return int(first(self.db.one("SELECT COUNT(*) FROM sessions WHERE channel = ? AND updated >= ?",
                                     (channel, since))))

    def feedback_summary(self) -> list[tuple[str, int, int]]:
        """(article, helpful, not helpful) per article."""
        return [(article, int(yes), int(no)) for article, yes, no in self.db.all(
            "SELECT article, SUM(helpful), SUM(1 - helpful) FROM feedback GROUP BY article ORDER BY article")]

    def unanswered_report(self) -> list[dict[str, Any]]:
        """Questions the bot could not answer well, grouped by their folded text, most frequent first."""
        rows = self.db.all(
            "SELECT folded, COUNT(*), MAX(at), "
            "(SELECT question FROM unanswered u2 WHERE u2.folded = u.folded ORDER BY at DESC LIMIT 1), "
            "GROUP_CONCAT(DISTINCT lang), GROUP_CONCAT(DISTINCT reason) "
            "FROM unanswered u GROUP BY folded ORDER BY COUNT(*) DESC, MAX(at) DESC"
        )
        return [
            {"question": q, "count": n, "last": last, "langs": sorted(langs.split(",")),
             "reasons": sorted(reasons.split(","))}
            for _, n, last, q, langs, reasons in rows
        ]


def _parse(row: Row | None) -> dict[str, Any] | None:
    try:
        data = json.loads(row[0]) if row else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _write(tx: Transaction, key: SessionKey, data: dict[str, Any]) -> None:
    tx.execute(
        "INSERT INTO sessions (channel, chat_id, data, updated) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (channel, chat_id) DO UPDATE SET data = excluded.data, updated = excluded.updated",
        (key.channel, key.chat_id, json.dumps(data, ensure_ascii=False), time.time()),
    )


def open_store(settings: Settings) -> Store:
    """The store the settings name (DATABASE_URL, or SQLite in BOT_DATA_DIR), migrated unless told not to."""
    return Store.open(settings.database, settings.replica_id, auto_migrate=settings.database_auto_migrate)


def sqlite_store(path: Path | str) -> Store:
    """An SQLite store at ``path``, migrated: the embedded default, and what tests use."""
    db = SQLiteDatabase(path)
    migrate(db)
    return Store(db)
