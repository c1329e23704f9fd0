"""Stores on either backend for the storage contract tests: ``any_store`` runs a test on SQLite and on
PostgreSQL (tests/support/postgres.py); ``stores.open(replica)`` opens another store object on the same
database, as another replica would.

``database_url`` is an empty database (a new SQLite file, a new schema): for the tests of migrations. A
store's PostgreSQL schema is migrated once and emptied for each next test (a few milliseconds, where
creating, migrating and dropping a schema take a third of a second), so the fast tests stay fast.
"""

from __future__ import annotations

import atexit
import queue
import threading

import psycopg
import pytest
from postgres import Schema, server_url

from bot.storage.db import POSTGRES, open_database
from bot.storage.migrate import migrate, migrations
from bot.storage.store import Store

BACKENDS = ("sqlite", "postgres")


class _Dropper:
    """Drops the tests' schemas in a thread of its own: a test does not wait for its schema to go (a DROP
    SCHEMA CASCADE takes as long as the test); all are gone before the run ends."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Schema | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def drop(self, schema: Schema) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="schema-dropper", daemon=True)
            self._thread.start()
        self._queue.put(schema)

    def _run(self) -> None:
        while (schema := self._queue.get()) is not None:
            try:
                schema.drop()
            except Exception:  # noqa: BLE001 - a schema left behind is harmless: names are random
                pass

    def finish(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=60)
            self._thread = None


_dropper = _Dropper()


class _Migrated:
    """Migrated schemas for the stores of the tests, each emptied (rows deleted, identities numbered from
    1 again) before it is handed to the next test; dropped at the end of the run."""

    def __init__(self) -> None:
        self._free: list[tuple[Schema, object, str]] = []  # a schema, a connection into it, how to empty it

    def take(self) -> Schema:
        server = server_url()  # skips (fails with CI=true) without a server, as every PostgreSQL test does
        while self._free:
            schema, conn, empty = self._free.pop()
            if _unchanged(conn):
                conn.execute(empty)
                self._taken[schema.name] = (conn, empty)
                return schema
            conn.close()
            _dropper.drop(schema)  # a test changed its schema: not to be used again
        schema = Schema(server)
        database = open_database(schema.url)
        try:
            migrate(database)
        finally:
            database.close()
        conn = psycopg.connect(schema.url, autocommit=True)
        self._taken[schema.name] = (conn, _emptying(conn))
        return schema

    def give_back(self, schema: Schema) -> None:
        self._free.append((schema, *self._taken.pop(schema.name)))

    def finish(self) -> None:
        while self._free:
            schema, conn, _ = self._free.pop()
            conn.close()
            _dropper.drop(schema)

    _taken: dict[str, tuple[object, str]] = {}


def _unchanged(conn) -> bool:
    """Whether the schema's migrations are exactly this release's (no test changed them)."""
    applied = conn.execute("SELECT version, checksum FROM schema_migrations ORDER BY version").fetchall()
    return applied == [(m.version, m.checksum) for m in migrations(POSTGRES)]


def _emptying(conn) -> str:
    """The statements that empty the schema's tables (those with foreign keys first) and number its
    identities from 1 again, in one transaction."""
    children = [name for (name,) in conn.execute(
        "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace ORDER BY 1")]
    tables = [name for (name,) in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename != 'schema_migrations' "
        "ORDER BY 1")]
    sequences = [name for (name,) in conn.execute(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")]
    statements = [f"DELETE FROM {table}" for table in children + [t for t in tables if t not in children]]
    statements += [f"SELECT setval('{sequence}', 1, false)" for sequence in sequences]
    return "BEGIN; " + "; ".join(statements) + "; COMMIT"


_migrated = _Migrated()


@atexit.register
def _finish() -> None:
    """At the end of the run: every schema of the tests dropped, the reused ones last."""
    _migrated.finish()
    _dropper.finish()


class Stores:
    """Store objects on one database, each its own connection(s); all closed after the test."""

    def __init__(self, backend: str, url: str):
        self.backend, self.url = backend, url
        self.opened: list[Store] = []

    def open(self, replica: str = "local", **kwargs) -> Store:
        store = Store.open(self.url, replica, **kwargs)
        self.opened.append(store)
        return store

    def close(self) -> None:
        for store in self.opened:
            store.close()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """An empty database of each backend: an SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mailbot.sqlite3'}"
        return
    schema = Schema(server_url())
    try:
        yield schema.url
    finally:
        _dropper.drop(schema)


@pytest.fixture(params=BACKENDS)
def stores(request, tmp_path):
    """Store objects on one database of each backend, migrated and empty."""
    if request.param == "sqlite":
        opened = Stores("sqlite", f"sqlite:///{tmp_path / 'mailbot.sqlite3'}")
        yield opened
        opened.close()
        return
    schema = _migrated.take()
    opened = Stores("postgres", schema.url)
    try:
        yield opened
    finally:
        opened.close()
        _migrated.give_back(schema)


@pytest.fixture
def any_store(stores) -> Store:
    """A migrated store, on SQLite and on PostgreSQL (replica "a")."""
    return stores.open("a")


@pytest.fixture
def other_store(stores, any_store) -> Store:
    """A second store object on ``any_store``'s database: another replica (replica "b")."""
    return stores.open("b")
