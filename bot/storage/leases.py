"""Who does what, decided in the database: leases on chats and roles, the replicas' registry, and
periodic jobs run once per period across replicas.

A lease (``chat:42``, ``role:poller``) belongs to one replica until it runs out; its owner renews it
while working. Its epoch grows at every change of owner: a turn commits only while its owner still holds
the lease at the epoch it started with (``fence``), so a replica that lost a chat (paused, cut off, or
just slow) can no longer write for it. A lease whose owner has stopped being seen in the registry, or
that stopped cleanly, moves on before it runs out: a replica killed with ``kill -9`` hands its chats on
within ``DEAD_AFTER`` seconds, not a whole lease.

Times are the database's clock (``EPOCH_NOW``), one clock for every replica.
"""

from __future__ import annotations

import contextvars
import dataclasses

from bot.storage.db import Database, Transaction, first

BEAT_SECONDS = 2.0  # how often a replica says it is alive
DEAD_AFTER = 6.0  # a replica not seen for this long is gone: its leases and claims move on

# The replicas gone: not seen since ``{cutoff}`` (SQL for a time, e.g. ``EPOCH_NOW - ?``), or stopped
# cleanly. Their leases and claims are free. The one spelling of it for leases, the outbox and the inbox.
REPLICAS_GONE = "(SELECT id FROM replicas WHERE seen < {cutoff} OR stopped IS NOT NULL)"
# A lease anyone may take: run out, or its owner gone (the ``?``: DEAD_AFTER).
_FREE = f"(leases.expires < EPOCH_NOW OR leases.owner IN {REPLICAS_GONE.format(cutoff='EPOCH_NOW - ?')})"


@dataclasses.dataclass(frozen=True)
class Lease:
    key: str
    epoch: int
    owner: str


# The chat lease the running turn holds, set by the worker that handles the chat's updates.
current_lease: contextvars.ContextVar[Lease | None] = contextvars.ContextVar("lease", default=None)


class LeaseLost(Exception):
    """The lease moved to another replica: what this one was doing under it must not be committed."""


class Leases:
    def __init__(self, db: Database, replica: str):
        self.db, self.replica = db, replica

    # the registry
    def beat(self) -> None:
        """This replica is alive (its leases and claims hold)."""
        self.db.execute("INSERT INTO replicas (id, started, seen) VALUES (?, EPOCH_NOW, EPOCH_NOW) "
                        "ON CONFLICT (id) DO UPDATE SET seen = EPOCH_NOW, stopped = NULL", (self.replica,))

    def stopped(self) -> None:
        """A clean stop: every lease and claim of this replica is free at once."""
        with self.db.transaction() as tx:
            tx.execute("UPDATE leases SET expires = 0 WHERE owner = ?", (self.replica,))
            tx.execute("UPDATE replicas SET stopped = EPOCH_NOW WHERE id = ?", (self.replica,))

    def replicas(self) -> list[tuple[str, float, float, bool]]:
        """(id, started, seconds since seen, stopped) of every replica known, the most recently seen first."""
        rows = self.db.all("SELECT id, started, EPOCH_NOW - seen, stopped IS NOT NULL FROM replicas "
                           "ORDER BY seen DESC")
        return [(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def others_alive(self) -> bool:
        """Whether another replica on this database is running (seen lately, not stopped)."""
        return self.db.one("SELECT 1 FROM replicas WHERE id != ? AND seen >= EPOCH_NOW - ? AND stopped IS NULL "
                           "LIMIT 1", (self.replica, DEAD_AFTER)) is not None

    def running(self) -> int:
        """How many replicas of this database are running (seen lately, not stopped), this one included."""
        others = first(self.db.one("SELECT COUNT(*) FROM replicas WHERE id != ? AND seen >= EPOCH_NOW - ? "
                                   "AND stopped IS NULL", (self.replica, DEAD_AFTER)))
        return 1 + int(others)

    def forget_replicas(self, older_than: float) -> int:
        """Replicas not seen for ``older_than`` seconds leave the registry."""
        return self.db.execute("DELETE FROM replicas WHERE seen < EPOCH_NOW - ?", (older_than,))

    # leases
    def acquire(self, key: str, seconds: float) -> Lease | None:
        """The lease on ``key`` for ``seconds``, if it is free (or already ours); None when another replica
        holds it."""
        row = self.db.one(
            "INSERT INTO leases (key, owner, epoch, expires) VALUES (?, ?, 1, EPOCH_NOW + ?) "
            "ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires, "
            "epoch = CASE WHEN leases.owner = excluded.owner AND leases.expires >= EPOCH_NOW THEN leases.epoch "
            "ELSE leases.epoch + 1 END "
            f"WHERE leases.owner = excluded.owner OR {_FREE} RETURNING epoch",
            (key, self.replica, seconds, DEAD_AFTER),
        )
        return Lease(key, row[0], self.replica) if row else None

    def renew(self, seconds: float) -> set[str]:
        """Every lease this replica holds extended, and the replica seen alive; returns the keys it holds."""
        with self.db.transaction() as tx:
            tx.execute("INSERT INTO replicas (id, started, seen) VALUES (?, EPOCH_NOW, EPOCH_NOW) "
                       "ON CONFLICT (id) DO UPDATE SET seen = EPOCH_NOW, stopped = NULL", (self.replica,))
            rows = tx.all("UPDATE leases SET expires = EPOCH_NOW + ? WHERE owner = ? AND expires >= EPOCH_NOW "
                          "RETURNING key", (seconds, self.replica))
        return {key for (key,) in rows}

    def release(self, lease: Lease) -> bool:
        """Let a lease go (its row stays, so the next owner's epoch is higher); False when it had moved on."""
        return self.db.execute("UPDATE leases SET expires = 0 WHERE key = ? AND owner = ? AND epoch = ?",
                               (lease.key, lease.owner, lease.epoch)) == 1

    def prune(self, older_than: float) -> int:
        """Forget leases nobody has held for ``older_than`` seconds (their epochs start again: no turn of
        theirs can still be running)."""
        return self.db.execute("DELETE FROM leases WHERE expires < EPOCH_NOW - ?", (older_than,))

    def holds(self, lease: Lease) -> bool:
        return self.db.one("SELECT 1 FROM leases WHERE key = ? AND owner = ? AND epoch = ? AND expires >= EPOCH_NOW",
                           (lease.key, lease.owner, lease.epoch)) is not None

    def fence(self, tx: Transaction, lease: Lease) -> None:
        """Inside a transaction: raise LeaseLost unless this replica still holds the lease at its epoch. On
        PostgreSQL the row stays share-locked until the commit, so no other replica can take it meanwhile."""
        lock = " FOR SHARE" if self.db.backend == "postgres" else ""
        row = tx.one(f"SELECT 1 FROM leases WHERE key = ? AND owner = ? AND epoch = ? AND expires >= EPOCH_NOW{lock}",
                     (lease.key, lease.owner, lease.epoch))
        if row is None:
            raise LeaseLost(lease.key)

    def held(self) -> dict[str, int]:
        """How many leases this replica holds, by kind (the part of the key before the colon)."""
        counts: dict[str, int] = {}
        for (key,) in self.db.all("SELECT key FROM leases WHERE owner = ? AND expires >= EPOCH_NOW", (self.replica,)):
            kind = key.partition(":")[0]
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def owner(self, key: str) -> str | None:
        row = self.db.one("SELECT owner FROM leases WHERE key = ? AND expires >= EPOCH_NOW", (key,))
        return row[0] if row else None

    # periodic jobs
    def due(self, job: str, period: float) -> bool:
        """Whether this replica runs ``job`` now: True for one replica per ``period`` across all of them."""
        row = self.db.one(
            "INSERT INTO periodic (name, last_run, owner) VALUES (?, EPOCH_NOW, ?) "
            "ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run, owner = excluded.owner "
            "WHERE periodic.last_run <= EPOCH_NOW - ? RETURNING name",
            (job, self.replica, period),
        )
        return row is not None
