"""Tickets: customers handed to the support team, and the links between relayed messages.

One ticket per customer at a time; asking again within a day of a close reopens the same ticket (and
topic). Every message copied between a customer and the support group is linked here, with its copy
on the other side, so replies find their customer without relying on forwarded-from information
(which privacy settings hide) and an edit finds the copy it corrects. A ticket also records who took
it, when the team first answered, its last message (for closing idle tickets) and the article the
customer saw last before asking for a person (the reason, for the team's figures).
"""

from __future__ import annotations

import dataclasses
import sqlite3
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY,
    customer_chat INTEGER NOT NULL,
    name TEXT NOT NULL,
    username TEXT,
    lang TEXT NOT NULL,
    state TEXT NOT NULL,              -- open, closed
    topic_id INTEGER,                 -- forum topic in the support group
    opened REAL NOT NULL,
    closed REAL,
    waiting_since REAL,               -- the customer's oldest message not yet answered by the team
    rating INTEGER
);
CREATE TABLE IF NOT EXISTS ticket_work (
    ticket INTEGER PRIMARY KEY REFERENCES tickets (id),
    agent_id INTEGER,                 -- who took the ticket (/take)
    agent_name TEXT,
    first_answer REAL,                -- the team's first message to the customer
    last_message REAL,                -- the last message either way
    reason TEXT,                      -- the article shown last before the customer asked for a person
    title TEXT,                       -- the title its topic has now
    topic_closed INTEGER NOT NULL DEFAULT 0  -- whether its topic is closed now
);
CREATE INDEX IF NOT EXISTS tickets_customer ON tickets (customer_chat, id);
CREATE TABLE IF NOT EXISTS relays (
    support_message INTEGER PRIMARY KEY,   -- message id in the support group
    ticket INTEGER NOT NULL REFERENCES tickets (id)
);
CREATE TABLE IF NOT EXISTS copies (
    ticket INTEGER NOT NULL REFERENCES tickets (id),
    direction TEXT NOT NULL,               -- "in": customer to group, "out": group to customer
    source INTEGER NOT NULL,               -- the message copied (in its own chat)
    copy INTEGER NOT NULL,                 -- its copy (in the other chat)
    PRIMARY KEY (ticket, direction, source)
);
CREATE TABLE IF NOT EXISTS bans (
    customer_chat INTEGER PRIMARY KEY,
    since REAL NOT NULL
);
"""

OPEN, CLOSED = "open", "closed"
NEW, REOPENED, ALREADY_OPEN = "new", "reopened", "already open"
REOPEN_WITHIN = 24 * 3600


@dataclasses.dataclass(frozen=True)
class Ticket:
    id: int
    customer_chat: int
    name: str
    username: str | None
    lang: str
    state: str
    topic_id: int | None
    opened: float
    closed: float | None
    waiting_since: float | None
    rating: int | None


_COLUMNS = "id, customer_chat, name, username, lang, state, topic_id, opened, closed, waiting_since, rating"
IN, OUT = "in", "out"


@dataclasses.dataclass(frozen=True)
class Work:
    """Who has the ticket and how it went."""

    agent_id: int | None = None
    agent_name: str | None = None
    first_answer: float | None = None
    last_message: float | None = None
    reason: str | None = None
    title: str | None = None
    topic_closed: bool = False


class Tickets:
    def __init__(self, connection: sqlite3.Connection, lock):
        self._conn, self._lock = connection, lock
        with self._lock:
            self._conn.executescript(SCHEMA)

    def _one(self, sql: str, params: tuple) -> Ticket | None:
        with self._lock:
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM tickets {sql}", params).fetchone()
        return Ticket(*row) if row else None

    def get(self, ticket_id: int) -> Ticket | None:
        return self._one("WHERE id = ?", (ticket_id,))

    def latest(self, customer_chat: int) -> Ticket | None:
        return self._one("WHERE customer_chat = ? ORDER BY id DESC LIMIT 1", (customer_chat,))

    def by_topic(self, topic_id: int) -> Ticket | None:
        return self._one("WHERE topic_id = ? ORDER BY id DESC LIMIT 1", (topic_id,))

    def by_support_message(self, message_id: int) -> Ticket | None:
        return self._one("WHERE id = (SELECT ticket FROM relays WHERE support_message = ?)", (message_id,))

    def open(self, customer_chat: int, name: str, username: str | None, lang: str, now: float | None = None) -> tuple[Ticket, str]:
        """The customer's ticket, open: their open one, the one closed less than a day ago reopened, or a
        new one. Returns it and how: ``NEW`` (it needs its topic), ``REOPENED`` or ``ALREADY_OPEN``."""
        now = time.time() if now is None else now
        latest = self.latest(customer_chat)
        if latest and latest.state == OPEN:
            return latest, ALREADY_OPEN
        if latest and latest.closed and now - latest.closed < REOPEN_WITHIN:
            self._set(latest.id, "state = ?, closed = NULL", (OPEN,))
            self.touch(latest.id, now)  # idle from now, not from before its close
            return self.get(latest.id), REOPENED
        with self._lock:
            cursor = self._conn.execute(
                "INSERT INTO tickets (customer_chat, name, username, lang, state, opened) VALUES (?, ?, ?, ?, ?, ?)",
                (customer_chat, name, username, lang, OPEN, now),
            )
        self.touch(cursor.lastrowid, now)
        return self.get(cursor.lastrowid), NEW

    # the work on a ticket
    def work(self, ticket_id: int) -> Work:
        with self._lock:
            row = self._conn.execute("SELECT agent_id, agent_name, first_answer, last_message, reason, title, topic_closed FROM ticket_work "
                                     "WHERE ticket = ?", (ticket_id,)).fetchone()
        return Work(*row[:-1], bool(row[-1])) if row else Work()

    def _work(self, ticket_id: int, assignments: str, values: tuple) -> None:
        with self._lock:
            self._conn.execute("INSERT OR IGNORE INTO ticket_work (ticket) VALUES (?)", (ticket_id,))
            self._conn.execute(f"UPDATE ticket_work SET {assignments} WHERE ticket = ?", (*values, ticket_id))

    def take(self, ticket_id: int, agent_id: int, agent_name: str) -> None:
        self._work(ticket_id, "agent_id = ?, agent_name = ?", (agent_id, agent_name))

    def touch(self, ticket_id: int, now: float | None = None) -> None:
        """A message either way, or the ticket opened again: it is not idle."""
        self._work(ticket_id, "last_message = ?", (time.time() if now is None else now,))

    def set_title(self, ticket_id: int, title: str) -> None:
        self._work(ticket_id, "title = ?", (title,))

    def set_topic_closed(self, ticket_id: int, closed: bool) -> None:
        self._work(ticket_id, "topic_closed = ?", (int(closed),))

    def set_reason(self, ticket_id: int, article: str | None) -> None:
        self._work(ticket_id, "reason = ?", (article,))

    def idle(self, days: float, now: float | None = None) -> list[Ticket]:
        """Open tickets with no message either way for ``days`` days."""
        now = time.time() if now is None else now
        limit = now - days * 86400
        with self._lock:
            # A ticket from before its work was recorded counts from now: never closed on the first look.
            self._conn.execute("INSERT OR IGNORE INTO ticket_work (ticket, last_message) "
                               "SELECT id, ? FROM tickets WHERE state = ?", (now, OPEN))
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM tickets t WHERE state = ? AND COALESCE("
                "(SELECT last_message FROM ticket_work WHERE ticket = t.id), opened) < ? ORDER BY id", (OPEN, limit)).fetchall()
        return [Ticket(*r) for r in rows]

    def of_customer(self, customer_chat: int) -> list[Ticket]:
        with self._lock:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM tickets WHERE customer_chat = ? ORDER BY id",
                                      (customer_chat,)).fetchall()
        return [Ticket(*r) for r in rows]

    def since(self, since: float) -> list[tuple[Ticket, Work]]:
        """Tickets opened or closed since ``since``, with their work (the team's figures)."""
        with self._lock:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM tickets WHERE opened >= ? OR closed >= ? ORDER BY id",
                                      (since, since)).fetchall()
        return [(Ticket(*r), self.work(r[0])) for r in rows]

    # copies of messages, both ways
    def copied(self, ticket_id: int, direction: str, source: int, copy: int) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO copies (ticket, direction, source, copy) VALUES (?, ?, ?, ?)",
                               (ticket_id, direction, source, copy))

    def copy_of(self, ticket_id: int, direction: str, source: int) -> int | None:
        with self._lock:
            row = self._conn.execute("SELECT copy FROM copies WHERE ticket = ? AND direction = ? AND source = ?",
                                     (ticket_id, direction, source)).fetchone()
        return row[0] if row else None

    def reopen(self, ticket_id: int, now: float | None = None) -> None:
        self._set(ticket_id, "state = ?, closed = NULL", (OPEN,))
        self.touch(ticket_id, now)  # idle from now, not from before its close

    def close(self, ticket_id: int, now: float | None = None) -> None:
        self._set(ticket_id, "state = ?, closed = ?, waiting_since = NULL", (CLOSED, time.time() if now is None else now))

    def set_topic(self, ticket_id: int, topic_id: int) -> None:
        self._set(ticket_id, "topic_id = ?", (topic_id,))

    def customer_wrote(self, ticket_id: int, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self._set(ticket_id, "waiting_since = COALESCE(waiting_since, ?)", (now,))
        self._work(ticket_id, "last_message = ?", (now,))

    def team_answered(self, ticket_id: int, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self._set(ticket_id, "waiting_since = NULL", ())
        self._work(ticket_id, "first_answer = COALESCE(first_answer, ?), last_message = ?", (now, now))

    def rate(self, ticket_id: int, customer_chat: int, rating: int) -> bool:
        """The customer's rating of their own closed ticket, once; False for anyone else's or a second one."""
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE tickets SET rating = ? WHERE id = ? AND customer_chat = ? AND state = ? AND rating IS NULL",
                (rating, ticket_id, customer_chat, CLOSED),
            )
        return cursor.rowcount == 1

    def link(self, support_message: int, ticket_id: int) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO relays (support_message, ticket) VALUES (?, ?)", (support_message, ticket_id))

    def has_messages(self, ticket_id: int) -> bool:
        """Whether anything of the ticket (its header first) is in the support group."""
        with self._lock:
            return self._conn.execute("SELECT 1 FROM relays WHERE ticket = ? LIMIT 1", (ticket_id,)).fetchone() is not None

    def open_tickets(self) -> list[Ticket]:
        with self._lock:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM tickets WHERE state = ? ORDER BY id", (OPEN,)).fetchall()
        return [Ticket(*r) for r in rows]

    def ban(self, customer_chat: int) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO bans (customer_chat, since) VALUES (?, ?)", (customer_chat, time.time()))

    def unban(self, customer_chat: int) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM bans WHERE customer_chat = ?", (customer_chat,))

    def banned(self, customer_chat: int) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM bans WHERE customer_chat = ?", (customer_chat,)).fetchone() is not None

    def _set(self, ticket_id: int, assignments: str, values: tuple) -> None:
        with self._lock:
            self._conn.execute(f"UPDATE tickets SET {assignments} WHERE id = ?", (*values, ticket_id))
