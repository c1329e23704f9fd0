"""``mailbot db copy --from URL``: every row of one database into another, e.g. a running SQLite
deployment into the PostgreSQL its replicas will share.

Both schemas are brought up to date first. The source is read in one transaction (a consistent
picture, even while a bot writes to it), the target written in one (all or nothing); a target that
already holds data is refused, so nothing is ever mixed or overwritten. Who held which lease is not
copied: that belongs to the processes of the old deployment.
"""

from __future__ import annotations

from bot.storage.db import POSTGRES, Database, Transaction
from bot.storage.migrate import migrate

# Parents before children (tickets before their work, the outbox before its mailboxes).
TABLES = ("sessions", "feedback", "unanswered", "inbox", "outbox", "outbox_mailbox", "tickets", "ticket_work",
          "relays", "copies", "bans")
IDENTITIES = ("feedback", "unanswered", "outbox", "tickets")  # tables whose id the database numbers
BATCH = 500


class TargetNotEmpty(Exception):
    """The target database holds data already: copying into it would mix two deployments."""


def _columns(tx: Transaction, table: str) -> list[str]:
    return [column[0] for column in tx.execute(f"SELECT * FROM {table} WHERE 1 = 0").description or ()]


def copy_database(source: Database, target: Database) -> dict[str, int]:
    """Copy every table of ``source`` into an empty ``target``; returns how many rows each table got."""
    migrate(source)
    migrate(target)
    copied: dict[str, int] = {}
    with target.transaction() as out:
        for table in TABLES:
            if out.one(f"SELECT 1 FROM {table} LIMIT 1"):
                raise TargetNotEmpty(f"the target database already has rows in {table}")
        with source.transaction() as into:
            for table in TABLES:
                columns = [c for c in _columns(into, table) if c in set(_columns(out, table))]
                names = ", ".join(columns)
                insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
                cursor = into.execute(f"SELECT {names} FROM {table}")
                copied[table] = 0
                while rows := cursor.fetchmany(BATCH):
                    for row in rows:
                        out.execute(insert, row)
                    copied[table] += len(rows)
        if target.backend == POSTGRES:  # new rows are numbered after the copied ones
            for table in IDENTITIES:
                out.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")
    return copied
