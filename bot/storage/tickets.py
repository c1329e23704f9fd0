"""Tickets: customers handed to the support team, and the links between relayed messages.

One ticket per customer at a time; asking again within a day of a close reopens the same ticket (and
topic). Every message copied between a customer and the support group is linked here, with its copy
on the other side, so replies find their customer without relying on forwarded-from information
(which privacy settings hide) and an edit finds the copy it corrects. A ticket also records who took
it, when the team first answered, its last message (for closing idle tickets) and the article the
customer saw last before asking for a person (the reason, for the team's figures).

``Tickets`` is what the store holds: one part per job, each given the database.
  lifecycle  open, close, reopen (compare-and-set), waiting for whom, the topic
  handling   who took it and how it goes (``Handling``: the ``ticket_work`` table)
  links      messages copied between the customer and the group
  bans       customers whose messages are ignored
  ratings    the customer's stars for a closed ticket
  reports    lists and counts: open tickets, idle ones, a customer's, the figures' period
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Literal

from bot.desk.rules import REOPEN_WITHIN
from bot.storage.db import POSTGRES, Database, Row, Transaction

OPEN, CLOSED = "open", "closed"
NEW, REOPENED, ALREADY_OPEN = "new", "reopened", "already open"
Direction = Literal["in", "out"]  # a copy towards the group (IN) or towards the customer (OUT)
IN: Direction = "in"
OUT: Direction = "out"
Params = tuple[Any, ...]


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


@dataclasses.dataclass(frozen=True)
class Handling:
    """Who has the ticket and how it went."""

    agent_id: int | None = None
    agent_name: str | None = None
    first_answer: float | None = None
    last_message: float | None = None
    reason: str | None = None
    title: str | None = None
    topic_closed: bool = False




def _ticket(row: Row) -> Ticket:
    return Ticket(*row)


def _select(tx: Transaction | Database, sql: str, params: Params) -> Ticket | None:
    row = tx.one(f"SELECT {_COLUMNS} FROM tickets {sql}", params)
    return _ticket(row) if row else None


def _select_all(tx: Transaction | Database, sql: str, params: Params) -> list[Ticket]:
    return [_ticket(r) for r in tx.all(f"SELECT {_COLUMNS} FROM tickets {sql}", params)]


def _existing(tx: Transaction, sql: str, params: Params) -> Ticket:
    ticket = _select(tx, sql, params)
    if ticket is None:  # read in the transaction that found or made it
        raise LookupError(f"no ticket {sql} {params}")
    return ticket


def _handle(tx: Transaction, ticket_id: int, assignments: str, values: Params) -> None:
    """Update the ticket's handling (its ``ticket_work`` row, made on first use)."""
    tx.execute("INSERT INTO ticket_work (ticket) VALUES (?) ON CONFLICT (ticket) DO NOTHING", (ticket_id,))
    tx.execute(f"UPDATE ticket_work SET {assignments} WHERE ticket = ?", (*values, ticket_id))


def _now(now: float | None) -> float:
    return time.time() if now is None else now


class TicketLifecycle:
    """Opening, closing and reopening tickets, and finding them. State changes are compare-and-set: of
    two closers (a /close and the idle loop, on two replicas) only one wins, and only the winner tells
    anyone; the database keeps one open ticket per customer (``one_open_ticket``)."""

    def __init__(self, db: Database):
        self.db = db

    def get(self, ticket_id: int) -> Ticket | None:
        return _select(self.db, "WHERE id = ?", (ticket_id,))

    def latest(self, customer_chat: int) -> Ticket | None:
        return _select(self.db, "WHERE customer_chat = ? ORDER BY id DESC LIMIT 1", (customer_chat,))

    def by_topic(self, topic_id: int) -> Ticket | None:
        return _select(self.db, "WHERE topic_id = ? ORDER BY id DESC LIMIT 1", (topic_id,))

    def open(self, customer_chat: int, name: str, username: str | None, lang: str,
             now: float | None = None) -> tuple[Ticket, str]:
        """The customer's ticket, open: their open one, the one closed less than a day ago reopened, or a
        new one. Returns it and how: ``NEW`` (it needs its topic), ``REOPENED`` or ``ALREADY_OPEN``."""
        now = _now(now)
        with self.db.transaction() as tx:
            self._lock_customer(tx, customer_chat)
            latest = _select(tx, "WHERE customer_chat = ? ORDER BY id DESC LIMIT 1", (customer_chat,))
            if latest and latest.state == OPEN:
                return latest, ALREADY_OPEN
            if latest and latest.closed and now - latest.closed < REOPEN_WITHIN:
                # Compare-and-set: of two replicas reopening it at the same moment, the second finds it open.
                if tx.execute("UPDATE tickets SET state = ?, closed = NULL WHERE id = ? AND state = ?",
                              (OPEN, latest.id, CLOSED)).rowcount != 1:
                    return _existing(tx, "WHERE id = ?", (latest.id,)), ALREADY_OPEN
                _handle(tx, latest.id, "last_message = ?", (now,))  # idle from now, not from before its close
                return _existing(tx, "WHERE id = ?", (latest.id,)), REOPENED
            # Another replica opening the customer's ticket at the same moment: the index lets one through.
            row = tx.one(
                "INSERT INTO tickets (customer_chat, name, username, lang, state, opened) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (customer_chat) WHERE state = 'open' DO NOTHING RETURNING id",
                (customer_chat, name, username, lang, OPEN, now))
            if row is None:
                return _existing(tx, "WHERE customer_chat = ? AND state = ?", (customer_chat, OPEN)), ALREADY_OPEN
            ticket_id: int = row[0]
            _handle(tx, ticket_id, "last_message = ?", (now,))
            return _existing(tx, "WHERE id = ?", (ticket_id,)), NEW

    def _lock_customer(self, tx: Transaction, customer_chat: int) -> None:
        """On PostgreSQL, one opener or reopener of a customer's tickets at a time (until the commit): two
        replicas each opening a different ticket of theirs would otherwise meet in ``one_open_ticket`` as an
        error. SQLite's write transaction excludes every other already."""
        if self.db.backend == POSTGRES:
            tx.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (f"mailbot-ticket:{customer_chat}",))

    def reopen(self, ticket_id: int, now: float | None = None) -> bool:
        """Open a closed ticket again; False when it was open already (or the customer has another open)."""
        now = _now(now)
        with self.db.transaction() as tx:
            customer = tx.one("SELECT customer_chat FROM tickets WHERE id = ?", (ticket_id,))
            if customer is None:
                return False
            self._lock_customer(tx, customer[0])
            if tx.one("SELECT 1 FROM tickets WHERE state = ? AND customer_chat = ?", (OPEN, customer[0])):
                return False
            if tx.execute("UPDATE tickets SET state = ?, closed = NULL WHERE id = ? AND state = ?",
                          (OPEN, ticket_id, CLOSED)).rowcount != 1:
                return False
            _handle(tx, ticket_id, "last_message = ?", (now,))  # idle from now, not from before its close
        return True

    def close(self, ticket_id: int, now: float | None = None) -> bool:
        """Close an open ticket; False when it was closed already (by someone else, at the same moment)."""
        return self.db.execute(
            "UPDATE tickets SET state = ?, closed = ?, waiting_since = NULL WHERE id = ? AND state = ?",
            (CLOSED, _now(now), ticket_id, OPEN)) == 1

    def set_topic(self, ticket_id: int, topic_id: int) -> None:
        self.db.execute("UPDATE tickets SET topic_id = ? WHERE id = ?", (topic_id, ticket_id))

    def customer_wrote(self, ticket_id: int, now: float | None = None) -> None:
        """The ticket waits for the team (since the first unanswered message)."""
        now = _now(now)
        with self.db.transaction() as tx:
            tx.execute("UPDATE tickets SET waiting_since = COALESCE(waiting_since, ?) WHERE id = ?", (now, ticket_id))
            _handle(tx, ticket_id, "last_message = ?", (now,))

    def team_answered(self, ticket_id: int, now: float | None = None) -> None:
        """The ticket waits for the customer; the team's first answer is noted."""
        now = _now(now)
        with self.db.transaction() as tx:
            tx.execute("UPDATE tickets SET waiting_since = NULL WHERE id = ?", (ticket_id,))
            _handle(tx, ticket_id, "first_answer = COALESCE(first_answer, ?), last_message = ?", (now, now))


class TicketHandling:
    """Who has a ticket and how it goes: its agent, a takeover asked, the setup guide's progress shown,
    its topic's title and state, the reason it was opened."""

    def __init__(self, db: Database):
        self.db = db

    def get(self, ticket_id: int) -> Handling:
        row = self.db.one("SELECT agent_id, agent_name, first_answer, last_message, reason, title, topic_closed "
                          "FROM ticket_work WHERE ticket = ?", (ticket_id,))
        if row is None:
            return Handling()
        agent_id, agent_name, first_answer, last_message, reason, title, topic_closed = row
        return Handling(agent_id, agent_name, first_answer, last_message, reason, title, bool(topic_closed))

    def _set(self, ticket_id: int, assignments: str, values: Params) -> None:
        with self.db.transaction() as tx:
            _handle(tx, ticket_id, assignments, values)

    def take(self, ticket_id: int, agent_id: int, agent_name: str) -> None:
        self._set(ticket_id, "agent_id = ?, agent_name = ?, takeover_by = NULL", (agent_id, agent_name))

    def ask_takeover(self, ticket_id: int, agent_id: int) -> bool:
        """A second agent's /take of a ticket someone has: True when this agent had asked already (the
        second /take takes over), else noted, so the next /take (on any replica) does."""
        with self.db.transaction() as tx:
            row = tx.one("SELECT takeover_by FROM ticket_work WHERE ticket = ?", (ticket_id,))
            if row is not None and row[0] == agent_id:
                return True
            _handle(tx, ticket_id, "takeover_by = ?", (agent_id,))
            return False

    def guide_progress(self, ticket_id: int, progress: str | None) -> bool:
        """Note the setup guide's progress shown to the team (None: the guide is over); False when that
        is what was noted already (nothing new to show)."""
        with self.db.transaction() as tx:
            row = tx.one("SELECT progress FROM ticket_work WHERE ticket = ?", (ticket_id,))
            if (row[0] if row else None) == progress:
                return False
            _handle(tx, ticket_id, "progress = ?", (progress,))
            return True

    def touch(self, ticket_id: int, now: float | None = None) -> None:
        """A message either way, or the ticket opened again: it is not idle."""
        self._set(ticket_id, "last_message = ?", (_now(now),))

    def set_title(self, ticket_id: int, title: str) -> None:
        self._set(ticket_id, "title = ?", (title,))

    def set_topic_closed(self, ticket_id: int, closed: bool) -> None:
        self._set(ticket_id, "topic_closed = ?", (int(closed),))

    def set_reason(self, ticket_id: int, article: str | None) -> None:
        self._set(ticket_id, "reason = ?", (article,))


class MessageLinks:
    """Messages of the support group linked to their ticket, and each relayed message's copy."""

    def __init__(self, db: Database):
        self.db = db

    def link(self, support_message: int, ticket_id: int) -> None:
        self.db.execute("INSERT INTO relays (support_message, ticket) VALUES (?, ?) "
                        "ON CONFLICT (support_message) DO UPDATE SET ticket = excluded.ticket",
                        (support_message, ticket_id))

    def ticket_of(self, support_message: int) -> Ticket | None:
        """The ticket a message of the group belongs to."""
        return _select(self.db, "WHERE id = (SELECT ticket FROM relays WHERE support_message = ?)",
                       (support_message,))

    def has_messages(self, ticket_id: int) -> bool:
        """Whether anything of the ticket (its header first) is in the support group."""
        return self.db.one("SELECT 1 FROM relays WHERE ticket = ? LIMIT 1", (ticket_id,)) is not None

    def copied(self, ticket_id: int, direction: Direction, source: int, copy: int) -> None:
        self.db.execute("INSERT INTO copies (ticket, direction, source, copy) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (ticket, direction, source) DO UPDATE SET copy = excluded.copy",
                        (ticket_id, direction, source, copy))

    def copy_of(self, ticket_id: int, direction: Direction, source: int) -> int | None:
        row = self.db.one("SELECT copy FROM copies WHERE ticket = ? AND direction = ? AND source = ?",
                          (ticket_id, direction, source))
        return int(row[0]) if row else None


class Bans:
    """Customers the team banned: their messages are ignored."""

    def __init__(self, db: Database):
        self.db = db

    def ban(self, customer_chat: int) -> None:
        self.db.execute("INSERT INTO bans (customer_chat, since) VALUES (?, ?) "
                        "ON CONFLICT (customer_chat) DO UPDATE SET since = excluded.since",
                        (customer_chat, time.time()))

    def unban(self, customer_chat: int) -> None:
        self.db.execute("DELETE FROM bans WHERE customer_chat = ?", (customer_chat,))

    def banned(self, customer_chat: int) -> bool:
        return self.db.one("SELECT 1 FROM bans WHERE customer_chat = ?", (customer_chat,)) is not None


class Ratings:
    """The customer's stars for the help they got."""

    def __init__(self, db: Database):
        self.db = db

    def rate(self, ticket_id: int, customer_chat: int, rating: int) -> bool:
        """The customer's rating of their own closed ticket, once; False for anyone else's or a second one."""
        return self.db.execute(
            "UPDATE tickets SET rating = ? WHERE id = ? AND customer_chat = ? AND state = ? AND rating IS NULL",
            (rating, ticket_id, customer_chat, CLOSED)) == 1


class TicketReports:
    """Lists and counts of tickets: the open ones, the idle ones, a customer's, a period's."""

    def __init__(self, db: Database):
        self.db = db

    def open_tickets(self) -> list[Ticket]:
        return _select_all(self.db, "WHERE state = ? ORDER BY id", (OPEN,))

    def count_open(self) -> int:
        row = self.db.one("SELECT COUNT(*) FROM tickets WHERE state = ?", (OPEN,))
        return int(row[0]) if row else 0

    def of_customer(self, customer_chat: int) -> list[Ticket]:
        return _select_all(self.db, "WHERE customer_chat = ? ORDER BY id", (customer_chat,))

    def idle(self, days: float, now: float | None = None) -> list[Ticket]:
        """Open tickets with no message either way for ``days`` days."""
        now = _now(now)
        with self.db.transaction() as tx:
            # A ticket from before its handling was recorded counts from now: never closed on the first look.
            tx.execute("INSERT INTO ticket_work (ticket, last_message) SELECT id, ? FROM tickets WHERE state = ? "
                       "ON CONFLICT (ticket) DO NOTHING", (now, OPEN))
            return _select_all(tx, "t WHERE state = ? AND COALESCE((SELECT last_message FROM ticket_work "
                                   "WHERE ticket = t.id), opened) < ? ORDER BY id", (OPEN, now - days * 86400))

    def since(self, since: float) -> list[tuple[Ticket, Handling]]:
        """Tickets opened or closed since ``since``, with their handling (the team's figures)."""
        tickets = _select_all(self.db, "WHERE opened >= ? OR closed >= ? ORDER BY id", (since, since))
        handling = TicketHandling(self.db)
        return [(ticket, handling.get(ticket.id)) for ticket in tickets]


class Tickets:
    """The ticket store: its parts, one job each, on one database."""

    def __init__(self, db: Database):
        self.lifecycle = TicketLifecycle(db)
        self.handling = TicketHandling(db)
        self.links = MessageLinks(db)
        self.bans = Bans(db)
        self.ratings = Ratings(db)
        self.reports = TicketReports(db)
