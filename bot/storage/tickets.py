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
import time

from bot.storage.db import POSTGRES, Database

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
    """Tickets and what goes with them. State changes are compare-and-set: of two closers (a /close and
    the idle loop, on two replicas) only one wins, and only the winner tells anyone; the database keeps
    one open ticket per customer (``one_open_ticket``)."""

    def __init__(self, db: Database):
        self.db = db

    def _one(self, sql: str, params: tuple) -> Ticket | None:
        row = self.db.one(f"SELECT {_COLUMNS} FROM tickets {sql}", params)
        return Ticket(*row) if row else None

    def _many(self, sql: str, params: tuple) -> list[Ticket]:
        return [Ticket(*r) for r in self.db.all(f"SELECT {_COLUMNS} FROM tickets {sql}", params)]

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
        with self.db.transaction() as tx:
            self._lock_customer(tx, customer_chat)
            row = tx.one(f"SELECT {_COLUMNS} FROM tickets WHERE customer_chat = ? ORDER BY id DESC LIMIT 1", (customer_chat,))
            latest = Ticket(*row) if row else None
            if latest and latest.state == OPEN:
                return latest, ALREADY_OPEN
            if latest and latest.closed and now - latest.closed < REOPEN_WITHIN:
                # Compare-and-set: of two replicas reopening it at the same moment, the second finds it open.
                if tx.execute("UPDATE tickets SET state = ?, closed = NULL WHERE id = ? AND state = ?",
                              (OPEN, latest.id, CLOSED)).rowcount != 1:
                    return self._one_in(tx, "WHERE id = ?", (latest.id,)), ALREADY_OPEN
                _work(tx, latest.id, "last_message = ?", (now,))  # idle from now, not from before its close
                how, ticket_id = REOPENED, latest.id
            else:
                # Another replica opening the customer's ticket at the same moment: the index lets one through.
                row = tx.one(
                    "INSERT INTO tickets (customer_chat, name, username, lang, state, opened) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (customer_chat) WHERE state = 'open' DO NOTHING RETURNING id",
                    (customer_chat, name, username, lang, OPEN, now))
                if row is None:
                    return self._one_in(tx, "WHERE customer_chat = ? AND state = ?", (customer_chat, OPEN)), ALREADY_OPEN
                how, ticket_id = NEW, row[0]
                _work(tx, ticket_id, "last_message = ?", (now,))
            return self._one_in(tx, "WHERE id = ?", (ticket_id,)), how

    def _lock_customer(self, tx, customer_chat: int) -> None:
        """On PostgreSQL, one opener or reopener of a customer's tickets at a time (until the commit): two
        replicas each opening a different ticket of theirs would otherwise meet in ``one_open_ticket`` as an
        error. SQLite's write transaction excludes every other already."""
        if self.db.backend == POSTGRES:
            tx.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (f"mailbot-ticket:{customer_chat}",))

    @staticmethod
    def _one_in(tx, sql: str, params: tuple) -> Ticket:
        return Ticket(*tx.one(f"SELECT {_COLUMNS} FROM tickets {sql}", params))

    # the work on a ticket
    def work(self, ticket_id: int) -> Work:
        row = self.db.one("SELECT agent_id, agent_name, first_answer, last_message, reason, title, topic_closed "
                          "FROM ticket_work WHERE ticket = ?", (ticket_id,))
        return Work(*row[:-1], bool(row[-1])) if row else Work()

    def _work(self, ticket_id: int, assignments: str, values: tuple) -> None:
        with self.db.transaction() as tx:
            _work(tx, ticket_id, assignments, values)

    def take(self, ticket_id: int, agent_id: int, agent_name: str) -> None:
        self._work(ticket_id, "agent_id = ?, agent_name = ?, takeover_by = NULL", (agent_id, agent_name))

    def ask_takeover(self, ticket_id: int, agent_id: int) -> bool:
        """A second agent's /take of a ticket someone has: True when this agent had asked already (the
        second /take takes over), else noted, so the next /take (on any replica) does."""
        with self.db.transaction() as tx:
            row = tx.one("SELECT takeover_by FROM ticket_work WHERE ticket = ?", (ticket_id,))
            if row is not None and row[0] == agent_id:
                return True
            _work(tx, ticket_id, "takeover_by = ?", (agent_id,))
            return False

    def guide_progress(self, ticket_id: int, progress: str | None) -> bool:
        """Note the setup guide's progress shown to the team (None: the guide is over); False when that
        is what was noted already (nothing new to show)."""
        with self.db.transaction() as tx:
            row = tx.one("SELECT progress FROM ticket_work WHERE ticket = ?", (ticket_id,))
            if (row[0] if row else None) == progress:
                return False
            _work(tx, ticket_id, "progress = ?", (progress,))
            return True

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
        with self.db.transaction() as tx:
            # A ticket from before its work was recorded counts from now: never closed on the first look.
            tx.execute("INSERT INTO ticket_work (ticket, last_message) SELECT id, ? FROM tickets WHERE state = ? "
                       "ON CONFLICT (ticket) DO NOTHING", (now, OPEN))
            rows = tx.all(
                f"SELECT {_COLUMNS} FROM tickets t WHERE state = ? AND COALESCE("
                "(SELECT last_message FROM ticket_work WHERE ticket = t.id), opened) < ? ORDER BY id", (OPEN, limit))
        return [Ticket(*r) for r in rows]

    def of_customer(self, customer_chat: int) -> list[Ticket]:
        return self._many("WHERE customer_chat = ? ORDER BY id", (customer_chat,))

    def since(self, since: float) -> list[tuple[Ticket, Work]]:
        """Tickets opened or closed since ``since``, with their work (the team's figures)."""
        tickets = self._many("WHERE opened >= ? OR closed >= ? ORDER BY id", (since, since))
        return [(ticket, self.work(ticket.id)) for ticket in tickets]

    # copies of messages, both ways
    def copied(self, ticket_id: int, direction: str, source: int, copy: int) -> None:
        self.db.execute("INSERT INTO copies (ticket, direction, source, copy) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (ticket, direction, source) DO UPDATE SET copy = excluded.copy",
                        (ticket_id, direction, source, copy))

    def copy_of(self, ticket_id: int, direction: str, source: int) -> int | None:
        row = self.db.one("SELECT copy FROM copies WHERE ticket = ? AND direction = ? AND source = ?",
                          (ticket_id, direction, source))
        return row[0] if row else None

    def reopen(self, ticket_id: int, now: float | None = None) -> bool:
        """Open a closed ticket again; False when it was open already (or the customer has another open)."""
        now = time.time() if now is None else now
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
            _work(tx, ticket_id, "last_message = ?", (now,))  # idle from now, not from before its close
        return True

    def close(self, ticket_id: int, now: float | None = None) -> bool:
        """Close an open ticket; False when it was closed already (by someone else, at the same moment)."""
        return self.db.execute("UPDATE tickets SET state = ?, closed = ?, waiting_since = NULL WHERE id = ? AND state = ?",
                               (CLOSED, time.time() if now is None else now, ticket_id, OPEN)) == 1

    def set_topic(self, ticket_id: int, topic_id: int) -> None:
        self._set(ticket_id, "topic_id = ?", (topic_id,))

    def customer_wrote(self, ticket_id: int, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self.db.transaction() as tx:
            tx.execute("UPDATE tickets SET waiting_since = COALESCE(waiting_since, ?) WHERE id = ?", (now, ticket_id))
            _work(tx, ticket_id, "last_message = ?", (now,))

    def team_answered(self, ticket_id: int, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self.db.transaction() as tx:
            tx.execute("UPDATE tickets SET waiting_since = NULL WHERE id = ?", (ticket_id,))
            _work(tx, ticket_id, "first_answer = COALESCE(first_answer, ?), last_message = ?", (now, now))

    def rate(self, ticket_id: int, customer_chat: int, rating: int) -> bool:
        """The customer's rating of their own closed ticket, once; False for anyone else's or a second one."""
        return self.db.execute(
            "UPDATE tickets SET rating = ? WHERE id = ? AND customer_chat = ? AND state = ? AND rating IS NULL",
            (rating, ticket_id, customer_chat, CLOSED)) == 1

    def link(self, support_message: int, ticket_id: int) -> None:
        self.db.execute("INSERT INTO relays (support_message, ticket) VALUES (?, ?) "
                        "ON CONFLICT (support_message) DO UPDATE SET ticket = excluded.ticket", (support_message, ticket_id))

    def has_messages(self, ticket_id: int) -> bool:
        """Whether anything of the ticket (its header first) is in the support group."""
        return self.db.one("SELECT 1 FROM relays WHERE ticket = ? LIMIT 1", (ticket_id,)) is not None

    def open_tickets(self) -> list[Ticket]:
        return self._many("WHERE state = ? ORDER BY id", (OPEN,))

    def count_open(self) -> int:
        return self.db.one("SELECT COUNT(*) FROM tickets WHERE state = ?", (OPEN,))[0]

    def ban(self, customer_chat: int) -> None:
        self.db.execute("INSERT INTO bans (customer_chat, since) VALUES (?, ?) "
                        "ON CONFLICT (customer_chat) DO UPDATE SET since = excluded.since", (customer_chat, time.time()))

    def unban(self, customer_chat: int) -> None:
        self.db.execute("DELETE FROM bans WHERE customer_chat = ?", (customer_chat,))

    def banned(self, customer_chat: int) -> bool:
        return self.db.one("SELECT 1 FROM bans WHERE customer_chat = ?", (customer_chat,)) is not None

    def _set(self, ticket_id: int, assignments: str, values: tuple) -> None:
        self.db.execute(f"UPDATE tickets SET {assignments} WHERE id = ?", (*values, ticket_id))


def _work(tx, ticket_id: int, assignments: str, values: tuple) -> None:
    tx.execute("INSERT INTO ticket_work (ticket) VALUES (?) ON CONFLICT (ticket) DO NOTHING", (ticket_id,))
    tx.execute(f"UPDATE ticket_work SET {assignments} WHERE ticket = ?", (*values, ticket_id))
