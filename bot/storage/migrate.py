"""Numbered SQL migrations, one folder per backend, and the small runner that applies them.

    bot/storage/migrations/sqlite/0001_baseline.sql, 0002_replicas.sql, ...
    bot/storage/migrations/postgres/0001_baseline.sql, ...

Each file is applied once, in order, and recorded in ``schema_migrations`` with a checksum: an applied
file edited afterwards is an error, not silently ignored. Replicas starting together migrate once: on
PostgreSQL the runner holds an advisory lock for its transaction, on SQLite the write lock. A schema newer
than this release (a replica of the next release migrated first) is fine: migrations only add tables,
columns and indexes, and what a release drops or renames goes a release later.

An SQLite database made before numbered migrations has the tables of ``0001`` already: that file
creates only what is missing, and the columns that earlier releases added by hand are added here.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import re
import time
from pathlib import Path

from bot.storage.db import POSTGRES, SQLITE, Database, Transaction, first

log = logging.getLogger(__name__)

FOLDER = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x6D61696C626F74  # "mailbot": the advisory lock the runners of all replicas share
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied {real} NOT NULL
)"""


class MigrationError(Exception):
    """The database's schema is not one this release can use or bring up to date."""


@dataclasses.dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"

    def statements(self) -> list[str]:
        """The file's statements, comments left out (no statement here has a semicolon inside)."""
        text = "\n".join(line for line in self.sql.splitlines() if not line.lstrip().startswith("--"))
        return [s.strip() for s in text.split(";") if s.strip()]


@dataclasses.dataclass(frozen=True)
class Status:
    applied: list[tuple[int, str]]
    pending: list[Migration]
    unknown: list[tuple[int, str]]  # applied by a newer release

    @property
    def current(self) -> bool:
        return not self.pending


@functools.lru_cache(maxsize=4)
def migrations(backend: str) -> tuple[Migration, ...]:
    """The backend's migration files, in order (read once: /readyz asks often)."""
    found = []
    for path in sorted((FOLDER / backend).glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file {path.name} is not named NNNN_name.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    return tuple(found)


def _ensure_table(tx: Transaction, backend: str) -> None:
    tx.execute(_TABLE.format(real="DOUBLE PRECISION" if backend == POSTGRES else "REAL"))


def _lock(tx: Transaction, backend: str) -> None:
    if backend == POSTGRES:
        tx.execute("SELECT pg_advisory_xact_lock(?)", (_LOCK_KEY,))


def _compare(tx: Transaction, backend: str) -> Status:
    rows = {version: (name, checksum) for version, name, checksum in
            tx.all("SELECT version, name, checksum FROM schema_migrations ORDER BY version")}
    known = migrations(backend)
    for migration in known:
        if migration.version in rows and rows[migration.version][1] != migration.checksum:
            raise MigrationError(f"migration {migration.label} was changed after it was applied")
    versions = {m.version for m in known}
    return Status(applied=[(v, n) for v, (n, _) in sorted(rows.items())],
                  pending=[m for m in known if m.version not in rows],
                  unknown=[(v, n) for v, (n, _) in sorted(rows.items()) if v not in versions])


def status(db: Database) -> Status:
    with db.transaction() as tx:
        if db.backend == POSTGRES:
            exists = first(tx.one("SELECT to_regclass('schema_migrations') IS NOT NULL"))
        else:
            exists = tx.one("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'") is not None
        if not exists:
            return Status(applied=[], pending=list(migrations(db.backend)), unknown=[])
        return _compare(tx, db.backend)


def migrate(db: Database) -> list[Migration]:
    """Apply what is pending, all in one transaction; returns what was applied (nothing when current)."""
    with db.transaction() as tx:
        _lock(tx, db.backend)
        _ensure_table(tx, db.backend)
        pending = _compare(tx, db.backend).pending
        for migration in pending:
            for statement in migration.statements():
                tx.execute(statement)
            if db.backend == SQLITE and migration.version == 1:
                _sqlite_columns_added_by_hand(tx)
            tx.execute("INSERT INTO schema_migrations (version, name, checksum, applied) VALUES (?, ?, ?, ?)",
                       (migration.version, migration.name, migration.checksum, time.time()))
    # A new database is no news (the terminal chat's first start); an upgrade is.
    upgrade = bool(pending) and pending[0].version > 1
    for migration in pending:
        log.log(logging.INFO if upgrade else logging.DEBUG, "database migrated: %s applied", migration.label)
    return pending


def _sqlite_columns_added_by_hand(tx: Transaction) -> None:
    """Outbox columns that releases before numbered migrations added at start, if this file predates them."""
    columns = {row[1] for row in tx.all("PRAGMA table_info(outbox)")}
    if "kind" not in columns:
        tx.execute("ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'imap-activation'")
    if "claimed_until" not in columns:
        tx.execute("ALTER TABLE outbox ADD COLUMN claimed_until REAL")
    if "claimed_by" not in columns:
        tx.execute("ALTER TABLE outbox ADD COLUMN claimed_by TEXT")
