"""The outbox: requests for the support mailbox kept in SQLite until it has them.

Two kinds: IMAP activation requests, and conversations handed to a person when there is no support
group to hand them to (their transcript).

A request is written here, with its reference, in the same step that tells the customer the
reference; the delivery worker (``bot/mail.py``) takes due requests, sends them and records the result.
Nothing leaves the table: delivered requests stay as the record of what was asked.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import socket
import sqlite3
import time
from typing import Any

from bot.core.ports import ACTIVATION, HANDOFF, LimitReached

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    customer TEXT NOT NULL,           -- channel:chat_id, for telling the customer and for the daily limit
    mailboxes TEXT NOT NULL,          -- JSON list of addresses
    payload TEXT NOT NULL,            -- JSON: name, contact, telegram details, language
    state TEXT NOT NULL,              -- pending, delivered, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL,
    last_error TEXT,
    delivered REAL,
    alerted INTEGER NOT NULL DEFAULT 0,
    notified INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL DEFAULT 'imap-activation',  -- imap-activation, or handoff (a conversation for a person)
    claimed_until REAL,               -- a delivery in progress, by any process, until then
    claimed_by TEXT                   -- host:pid of that process
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt);
CREATE TABLE IF NOT EXISTS outbox_mailbox (
    mailbox TEXT NOT NULL,
    request INTEGER NOT NULL REFERENCES outbox (id)
);
CREATE INDEX IF NOT EXISTS outbox_mailbox_by_name ON outbox_mailbox (mailbox);
"""

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
_PREFIXES = {ACTIVATION: "IMAP", HANDOFF: "CHAT"}
DAILY_LIMIT = 5
# Crockford's base32 without look-alikes: references are read aloud and typed by people.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclasses.dataclass(frozen=True)
class Request:
    id: int
    reference: str
    created: float
    customer: str
    mailboxes: tuple[str, ...]
    payload: dict[str, Any]
    state: str
    attempts: int
    next_attempt: float
    last_error: str | None
    delivered: float | None
    alerted: bool
    notified: bool
    kind: str = ACTIVATION


_PROCESS = f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def new_reference(kind: str = ACTIVATION) -> str:
    return f"{_PREFIXES[kind]}-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


def _row(row: tuple) -> Request:
    (id_, reference, created, customer, mailboxes, payload, state, attempts, next_attempt, last_error, delivered,
     alerted, notified, kind) = row
    return Request(id_, reference, created, customer, tuple(json.loads(mailboxes)), json.loads(payload), state,
                   attempts, next_attempt, last_error, delivered, bool(alerted), bool(notified), kind)


_COLUMNS = ("id, reference, created, customer, mailboxes, payload, state, attempts, next_attempt, last_error, "
            "delivered, alerted, notified, kind")


class Outbox:
    """The outbox table, on the store's SQLite connection."""

    daily_limit = DAILY_LIMIT

    def __init__(self, connection: sqlite3.Connection, lock):
        self._conn, self._lock = connection, lock
        with self._lock:
            self._conn.executescript(SCHEMA)
            columns = {row[1] for row in self._conn.execute("PRAGMA table_info(outbox)")}
            if "kind" not in columns:  # an outbox from before handoff requests
                self._conn.execute("ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'imap-activation'")
            if "claimed_until" not in columns:  # an outbox from before delivery claims
                self._conn.execute("ALTER TABLE outbox ADD COLUMN claimed_until REAL")
                self._conn.execute("ALTER TABLE outbox ADD COLUMN claimed_by TEXT")

    def submit(
        self, customer: str, mailboxes: list[str], payload: dict[str, Any], now: float | None = None, kind: str = ACTIVATION
    ) -> tuple[Request, bool]:
        """Store a request; returns it and True, or an open request for one of these mailboxes and False.

        Raises LimitReached past DAILY_LIMIT requests by this customer in 24 hours.
        """
        now = time.time() if now is None else now
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                lowered = [m.lower() for m in mailboxes]
                marks = ",".join("?" * len(lowered))
                existing = lowered and self._conn.execute(
                    f"SELECT {_COLUMNS} FROM outbox WHERE state = ? AND kind = ? AND id IN "
                    f"(SELECT request FROM outbox_mailbox WHERE mailbox IN ({marks})) ORDER BY id LIMIT 1",
                    (PENDING, kind, *lowered),
                ).fetchone()
                if existing:
                    self._conn.execute("COMMIT")
                    return _row(existing), False
                recent = self._conn.execute(
                    "SELECT COUNT(*) FROM outbox WHERE customer = ? AND kind = ? AND created > ?", (customer, kind, now - 86400)
                ).fetchone()[0]
                if recent >= self.daily_limit:
                    raise LimitReached()
                while True:
                    reference = new_reference(kind)
                    if not self._conn.execute("SELECT 1 FROM outbox WHERE reference = ?", (reference,)).fetchone():
                        break
                cursor = self._conn.execute(
                    "INSERT INTO outbox (reference, created, customer, mailboxes, payload, state, next_attempt, kind) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (reference, now, customer, json.dumps(mailboxes), json.dumps(payload, ensure_ascii=False), PENDING,
                     now, kind),
                )
                self._conn.executemany(
                    "INSERT INTO outbox_mailbox (mailbox, request) VALUES (?, ?)", [(m, cursor.lastrowid) for m in lowered]
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return self.get(cursor.lastrowid), True

    def get(self, request_id: int) -> Request | None:
        with self._lock:
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (request_id,)).fetchone()
        return _row(row) if row else None

    def find(self, id_or_reference: str) -> Request | None:
        key = id_or_reference.strip().upper()
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE reference = ? OR CAST(id AS TEXT) = ?", (key, key)
            ).fetchone()
        return _row(row) if row else None

    def all(self) -> list[Request]:
        with self._lock:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM outbox ORDER BY id").fetchall()
        return [_row(r) for r in rows]

    def of_customer(self, customer: str) -> list[Request]:
        """A customer's requests, oldest first."""
        with self._lock:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE customer = ? ORDER BY id", (customer,)).fetchall()
        return [_row(r) for r in rows]

    def due(self, now: float | None = None) -> list[Request]:
        now = time.time() if now is None else now
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE state = ? AND next_attempt <= ? ORDER BY next_attempt",
                (PENDING, now),
            ).fetchall()
        return [_row(r) for r in rows]

    def next_due(self) -> float | None:
        with self._lock:
            row = self._conn.execute("SELECT MIN(next_attempt) FROM outbox WHERE state = ?", (PENDING,)).fetchone()
        return row[0]

    def claim(self, request_id: int, seconds: float, now: float | None = None) -> bool:
        """Take a pending request for one delivery attempt; False when it is delivered, failed, or held by
        another live process whose claim has not run out (a process killed mid-delivery holds nothing)."""
        now = time.time() if now is None else now
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                if self._claimed(request_id, now):
                    self._conn.execute("COMMIT")
                    return False
                cursor = self._conn.execute(
                    "UPDATE outbox SET claimed_until = ?, claimed_by = ? WHERE id = ? AND state = ?",
                    (now + seconds, _PROCESS, request_id, PENDING),
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return cursor.rowcount == 1

    def claimed(self, request_id: int, now: float | None = None) -> bool:
        """Whether a delivery attempt of a live process holds the request now."""
        with self._lock:
            return self._claimed(request_id, time.time() if now is None else now)

    def _claimed(self, request_id: int, now: float) -> bool:
        row = self._conn.execute("SELECT claimed_until, claimed_by FROM outbox WHERE id = ?", (request_id,)).fetchone()
        if not row or not row[0] or row[0] < now:
            return False
        host, _, pid = (row[1] or "").rpartition(":")
        if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
            return False
        return True

    def delivered(self, request_id: int, now: float | None = None) -> None:
        self._update("state = ?, delivered = ?, attempts = attempts + 1, last_error = NULL, claimed_until = NULL",
                     (DELIVERED, now or time.time()), request_id)

    def attempt_failed(self, request_id: int, error: str, next_attempt: float, permanent: bool) -> None:
        state = FAILED if permanent else PENDING
        self._update("state = ?, attempts = attempts + 1, last_error = ?, next_attempt = ?, claimed_until = NULL",
                     (state, error[:500], next_attempt), request_id)

    def mark_alerted(self, request_id: int) -> None:
        self._update("alerted = 1", (), request_id)

    def mark_notified(self, request_id: int) -> None:
        self._update("notified = 1", (), request_id)

    def retry_now(self, request_id: int, now: float | None = None) -> None:
        """An operator's retry: back to pending, due at once (a delivered request is left alone)."""
        self._update("state = ?, next_attempt = ?", (PENDING, now or time.time()), request_id, only_undelivered=True)

    def _update(self, assignments: str, values: tuple, request_id: int, only_undelivered: bool = False) -> None:
        condition = " AND state != 'delivered'" if only_undelivered else ""
        with self._lock:
            self._conn.execute(f"UPDATE outbox SET {assignments} WHERE id = ?{condition}", (*values, request_id))
