"""The outbox: requests for the support mailbox kept in the database until it has them.

Two kinds: IMAP activation requests, and conversations handed to a person when there is no support
group to hand them to (their transcript).

A request is written here, with its reference, in the same step that tells the customer the
reference; the delivery worker (``bot/mail.py``) takes due requests, sends them and records the result.
Nothing leaves the table: delivered requests stay as the record of what was asked.

A request is keyed by the event that made it (``source``: the channel, chat and update id), so a turn
replayed after a crash or on another replica finds its request instead of making a second one. A
delivery attempt claims the request: the claim holds until it runs out or its replica stops being
seen (``leases.py``), and its epoch fences the result, so a replica that lost its claim cannot record
one. A retry keeps the request's reference, and so the email's Message-ID.
"""

from __future__ import annotations

import contextvars
import dataclasses
import json
import os
import secrets
import socket
import time
from typing import Any

from bot.core.ports import ACTIVATION, HANDOFF, LimitReached
from bot.storage.db import POSTGRES, Database, DatabaseUnavailable, Row, first
from bot.storage.leases import DEAD_AFTER, REPLICAS_GONE

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
_PREFIXES = {ACTIVATION: "IMAP", HANDOFF: "CHAT"}
DAILY_LIMIT = 5
# Crockford's base32 without look-alikes: references are read aloud and typed by people.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# The replicas gone, by a cutoff time given as a parameter (``now - DEAD_AFTER``, on the caller's clock).
_GONE = REPLICAS_GONE.format(cutoff="?")


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


# The event a request is made in (e.g. "telegram:42:1001"), set by the channel for its turn.
current_source: contextvars.ContextVar[str | None] = contextvars.ContextVar("outbox_source", default=None)


def is_dead_here(replica: str) -> bool:
    """Whether a replica named the default way (host:pid:suffix) ran on this machine and its process is gone.
    In containers every process may be pid 1: a live pid proves nothing there, a dead one does."""
    host, pid = replica.split(":")[:2] if replica.count(":") >= 2 else ("", "")
    if host != socket.gethostname() or not (pid.isascii() and pid.isdigit()):
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def new_reference(kind: str = ACTIVATION) -> str:
    return f"{_PREFIXES[kind]}-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


def _row(row: Row) -> Request:
    (id_, reference, created, customer, mailboxes, payload, state, attempts, next_attempt, last_error, delivered,
     alerted, notified, kind) = row
    return Request(id_, reference, created, customer, tuple(json.loads(mailboxes)), json.loads(payload), state,
                   attempts, next_attempt, last_error, delivered, bool(alerted), bool(notified), kind)


_COLUMNS = ("id, reference, created, customer, mailboxes, payload, state, attempts, next_attempt, last_error, "
            "delivered, alerted, notified, kind")


class Outbox:
    """The outbox table, on the store's database."""

    daily_limit = DAILY_LIMIT

    def __init__(self, db: Database, replica: str = "local"):
        self.db, self.replica = db, replica

    def submit(self, customer: str, mailboxes: list[str], payload: dict[str, Any], now: float | None = None,
               kind: str = ACTIVATION) -> tuple[Request, bool]:
        """Store a request; returns it and True, or the request this event made already, or an open request
        for one of these mailboxes, and False.

        Raises LimitReached past DAILY_LIMIT requests by this customer in 24 hours.
        """
        now = time.time() if now is None else now
        source = current_source.get()
        source = f"{source}:{kind}" if source else None
        with self.db.transaction() as tx:
            if self.db.backend == POSTGRES:  # the mailbox check and the daily limit: one submitter at a time
                tx.execute("SELECT pg_advisory_xact_lock(?)", (_SUBMIT_LOCK,))
            made = source and tx.one(f"SELECT {_COLUMNS} FROM outbox WHERE source = ?", (source,))
            if made:
                return _row(made), False
            lowered = [m.lower() for m in mailboxes]
            marks = ",".join("?" * len(lowered))
            existing = lowered and tx.one(
                f"SELECT {_COLUMNS} FROM outbox WHERE state = ? AND kind = ? AND id IN "
                f"(SELECT request FROM outbox_mailbox WHERE mailbox IN ({marks})) ORDER BY id LIMIT 1",
                (PENDING, kind, *lowered),
            )
            if existing:
                return _row(existing), False
            recent = first(tx.one("SELECT COUNT(*) FROM outbox WHERE customer = ? AND kind = ? AND created > ?",
                                  (customer, kind, now - 86400)))
            if recent >= self.daily_limit:
                raise LimitReached()
            while True:
                reference = new_reference(kind)
                if not tx.one("SELECT 1 FROM outbox WHERE reference = ?", (reference,)):
                    break
            row = tx.one(
                "INSERT INTO outbox (reference, created, customer, mailboxes, payload, state, next_attempt, kind, "
                f"source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
                (reference, now, customer, json.dumps(mailboxes), json.dumps(payload, ensure_ascii=False), PENDING,
                 now, kind, source),
            )
            if row is None:
                raise DatabaseUnavailable("the outbox insert returned no row")
            request = _row(row)
            for mailbox in lowered:
                tx.execute("INSERT INTO outbox_mailbox (mailbox, request) VALUES (?, ?)", (mailbox, request.id))
        return request, True

    def get(self, request_id: int) -> Request | None:
        row = self.db.one(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (request_id,))
        return _row(row) if row else None

    def find(self, id_or_reference: str) -> Request | None:
        key = id_or_reference.strip().upper()
        row = self.db.one(f"SELECT {_COLUMNS} FROM outbox WHERE reference = ? OR CAST(id AS TEXT) = ?", (key, key))
        return _row(row) if row else None

    def all(self) -> list[Request]:
        return [_row(r) for r in self.db.all(f"SELECT {_COLUMNS} FROM outbox ORDER BY id")]

    def of_customer(self, customer: str) -> list[Request]:
        """A customer's requests, oldest first."""
        rows = self.db.all(f"SELECT {_COLUMNS} FROM outbox WHERE customer = ? ORDER BY id", (customer,))
        return [_row(r) for r in rows]

    def due(self, now: float | None = None) -> list[Request]:
        now = time.time() if now is None else now
        rows = self.db.all(f"SELECT {_COLUMNS} FROM outbox WHERE state = ? AND next_attempt <= ? "
                           "ORDER BY next_attempt", (PENDING, now))
        return [_row(r) for r in rows]

    def next_due(self, now: float | None = None) -> float | None:
        """When the next delivery attempt is due: a request another replica is delivering is due when its
        claim runs out, not before; one claimed by a replica no longer seen (or stopped) is due as if
        unclaimed, since ``claim_due`` takes it at once."""
        now = time.time() if now is None else now
        due = first(self.db.one(
            f"SELECT MIN(CASE WHEN claimed_until > ? AND (claimed_by IS NULL OR claimed_by NOT IN {_GONE}) "
            "THEN claimed_until ELSE next_attempt END) FROM outbox WHERE state = ?", (now, now - DEAD_AFTER, PENDING)))
        return None if due is None else float(due)

    def claim_due(self, seconds: float, limit: int = 20, now: float | None = None) -> list[tuple[Request, int]]:
        """Claim up to ``limit`` due requests nobody is delivering, each with its claim's epoch. On
        PostgreSQL, rows another replica is claiming at the same moment are skipped, not waited for."""
        now = time.time() if now is None else now
        rows = self.db.all(
            "UPDATE outbox SET claimed_until = ?, claimed_by = ?, claim_epoch = claim_epoch + 1 WHERE id IN "
            "(SELECT id FROM outbox WHERE state = ? AND next_attempt <= ? AND (claimed_until IS NULL "
            f"OR claimed_until < ? OR claimed_by IN {_GONE}) "
            "ORDER BY next_attempt LIMIT ? SKIP_LOCKED) "
            f"RETURNING {_COLUMNS}, claim_epoch",
            (now + seconds, self.replica, PENDING, now, now, now - DEAD_AFTER, limit),
        )
        return sorted(((_row(r[:-1]), r[-1]) for r in rows), key=lambda pair: pair[0].next_attempt)

    def counts(self) -> dict[str, int]:
        """How many requests are in each state."""
        return {state: n for state, n in self.db.all("SELECT state, COUNT(*) FROM outbox GROUP BY state")}

    def claim(self, request_id: int, seconds: float, now: float | None = None) -> int | None:
        """Take a pending request for one delivery attempt; returns the claim's epoch (which fences the
        result), or None when it is delivered, failed, or held by a claim that has not run out and whose
        replica is still seen (a replica killed mid-delivery holds nothing for long)."""
        now = time.time() if now is None else now
        row = self.db.one(
            "UPDATE outbox SET claimed_until = ?, claimed_by = ?, claim_epoch = claim_epoch + 1 "
            "WHERE id = ? AND state = ? AND (claimed_until IS NULL OR claimed_until < ? "
            f"OR claimed_by IN {_GONE}) RETURNING claim_epoch",
            (now + seconds, self.replica, request_id, PENDING, now, now - DEAD_AFTER),
        )
        if row is None:  # held: by a process of this machine that has died (``outbox retry`` killed)?
            held = self.db.one("SELECT claimed_by FROM outbox WHERE id = ? AND state = ?", (request_id, PENDING))
            if held and held[0] and is_dead_here(held[0]):
                row = self.db.one(
                    "UPDATE outbox SET claimed_until = ?, claimed_by = ?, claim_epoch = claim_epoch + 1 "
                    "WHERE id = ? AND state = ? AND claimed_by = ? RETURNING claim_epoch",
                    (now + seconds, self.replica, request_id, PENDING, held[0]))
        return row[0] if row else None

    def claimed(self, request_id: int, now: float | None = None) -> bool:
        """Whether a delivery attempt of a live replica holds the request now."""
        now = time.time() if now is None else now
        row = self.db.one(
            "SELECT claimed_by FROM outbox WHERE id = ? AND claimed_until >= ? "
            f"AND (claimed_by IS NULL OR claimed_by NOT IN {_GONE})", (request_id, now, now - DEAD_AFTER))
        return row is not None and not (row[0] and is_dead_here(row[0]))

    def delivered(self, request_id: int, now: float | None = None, claim: int | None = None) -> bool:
        """Record a delivery; False when ``claim`` was taken over meanwhile (the other replica records it)."""
        return self._update("state = ?, delivered = ?, attempts = attempts + 1, last_error = NULL, "
                            "claimed_until = NULL", (DELIVERED, now or time.time()), request_id, claim=claim)

    def attempt_failed(self, request_id: int, error: str, next_attempt: float, permanent: bool,
                       claim: int | None = None) -> bool:
        state = FAILED if permanent else PENDING
        return self._update("state = ?, attempts = attempts + 1, last_error = ?, next_attempt = ?, "
                            "claimed_until = NULL", (state, error[:500], next_attempt), request_id, claim=claim)

    def mark_alerted(self, request_id: int) -> None:
        self._update("alerted = 1", (), request_id)

    def mark_notified(self, request_id: int) -> None:
        self._update("notified = 1", (), request_id)

    def retry_now(self, request_id: int, now: float | None = None) -> None:
        """An operator's retry: back to pending, due at once (a delivered request is left alone)."""
        self._update("state = ?, next_attempt = ?", (PENDING, now or time.time()), request_id, only_undelivered=True)

    def release(self) -> int:
        """This replica's claims let go (a clean stop): another replica may take them at once."""
        return self.db.execute("UPDATE outbox SET claimed_until = NULL WHERE claimed_by = ? AND state = ?",
                               (self.replica, PENDING))

    def _update(self, assignments: str, values: Row, request_id: int, only_undelivered: bool = False,
                claim: int | None = None) -> bool:
        condition = " AND state != 'delivered'" if only_undelivered else ""
        params: Row = (*values, request_id)
        if claim is not None:
            condition += " AND claim_epoch = ?"
            params += (claim,)
        return self.db.execute(f"UPDATE outbox SET {assignments} WHERE id = ?{condition}", params) == 1


_SUBMIT_LOCK = 0x6F7574626F78  # "outbox"
