"""One seam for both databases: transactions, statements and the few places where SQL differs.

    with database.transaction() as tx:  # BEGIN IMMEDIATE on SQLite; a pooled connection on PostgreSQL
        tx.execute("UPDATE ... WHERE id = ?", (1,))
        tx.one("SELECT ...")

Statements are written once, in the SQL both engines speak (``INSERT ... ON CONFLICT``, ``RETURNING``),
with ``?`` placeholders; the PostgreSQL side rewrites them for psycopg. Two tokens stand for what the
engines spell differently: ``EPOCH_NOW`` (the database's clock in epoch seconds: one clock for every
replica) and ``SKIP_LOCKED`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, nothing on SQLite, where a
write transaction already excludes every other).

A transaction opened while another is current in the same context joins it: a customer's turn opens
one and everything the conversation stores meanwhile (an outbox request, feedback, an unanswered
question) commits with the session or not at all. ``asyncio.to_thread`` carries the context into the
storage thread. Everything here blocks: call it from a storage thread, never from the event loop.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool

SQLITE, POSTGRES = "sqlite", "postgres"
Row = tuple[Any, ...]


class DatabaseUnavailable(Exception):
    """The database cannot be reached, or refused the statement for a reason other than the data."""


class Cursor(Protocol):
    """What a statement gives back, on either driver (sqlite3's and psycopg's cursors both fit)."""

    @property
    def rowcount(self) -> int: ...
    @property
    def description(self) -> Sequence[Sequence[Any]] | None: ...
    def fetchone(self) -> Row | None: ...
    def fetchmany(self, size: int = ...) -> list[Row]: ...
    def fetchall(self) -> list[Row]: ...


class Transaction(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...
    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


class Database(Protocol):
    backend: str
    url: str  # without its password: fit for a log line

    def transaction(self) -> contextlib.AbstractContextManager[Transaction]: ...
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    def close(self) -> None: ...
    def after_commit(self, callback: Callable[[], None]) -> None: ...


def first(row: Row | None) -> Any:
    """The first column of the row a statement always returns (``COUNT``, ``MIN``, ``RETURNING``...)."""
    if row is None:
        raise DatabaseUnavailable("the database returned no row where one is always returned")
    return row[0]


class _Transaction:
    """One transaction's statements, run on its connection by ``run`` (the backend's spelling of the SQL),
    and what to call once it has committed."""

    def __init__(self, run: Callable[[str, Row], Cursor]):
        self._run = run
        self.callbacks: list[Callable[[], None]] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self._run(sql, tuple(params))

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.execute(sql, params).fetchall()


_current: contextvars.ContextVar[tuple[object, _Transaction] | None] = contextvars.ContextVar(
    "transaction", default=None)


class _Statements:
    """The transaction both backends share (joined when one is current, callbacks run after the commit),
    and ``execute``, ``one`` and ``all`` on it. A backend supplies ``_begin``: a transaction on one of its
    connections, committed when the block ends, rolled back when it raises."""

    def _begin(self) -> contextlib.AbstractContextManager[_Transaction]:
        raise NotImplementedError

    def joined(self) -> _Transaction | None:
        current = _current.get()
        return current[1] if current is not None and current[0] is self else None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        joined = self.joined()
        if joined is not None:
            yield joined
            return
        with self._begin() as tx:
            token = _current.set((self, tx))
            try:
                yield tx
            finally:
                _current.reset(token)
        for callback in tx.callbacks:
            callback()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self.transaction() as tx:
            return tx.execute(sql, params).rowcount

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self.transaction() as tx:
            return tx.one(sql, params)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.transaction() as tx:
            return tx.all(sql, params)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the current transaction has committed (at once when none is current):
        a worker woken before the commit would not see the row it was woken for."""
        joined = self.joined()
        if joined is None:
            callback()
        else:
            joined.callbacks.append(callback)


# SQLite

_SQLITE_NOW = "((julianday('now') - 2440587.5) * 86400.0)"


@functools.lru_cache(maxsize=512)
def sqlite_sql(sql: str) -> str:
    return sql.replace("EPOCH_NOW", _SQLITE_NOW).replace("SKIP_LOCKED", "")


class SQLiteDatabase(_Statements):
    """One connection behind one lock: SQLite writes one transaction at a time anyway. Other processes
    (``mailbot outbox``, a second bot on the same file) wait for the write lock in ``busy_timeout``."""

    backend = SQLITE

    def __init__(self, path: Path | str):
        self.path = str(path)
        self.url = f"sqlite:///{path}"
        if self.path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA busy_timeout=30000")

    def _run(self, sql: str, params: Row) -> sqlite3.Cursor:
        return self._conn.execute(sqlite_sql(sql), params)

    @contextlib.contextmanager
    def _begin(self) -> Iterator[_Transaction]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield _Transaction(self._run)
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                raise DatabaseUnavailable(str(exc)) from exc

    def script(self, sql: str) -> None:
        """Several statements at once, outside any transaction of ours (migrations manage their own)."""
        with self._lock:
            self._conn.executescript(sql)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


# PostgreSQL

_PG_NOW = "extract(epoch from clock_timestamp())::double precision"
_GROUP_CONCAT = re.compile(r"GROUP_CONCAT\(DISTINCT (\w+)\)")


@functools.lru_cache(maxsize=512)
def postgres_sql(sql: str) -> str:
    """The statement in psycopg's form: ``%`` doubled, ``?`` as ``%s``, the tokens spelled out."""
    sql = sql.replace("%", "%%").replace("?", "%s")
    sql = sql.replace("EPOCH_NOW", _PG_NOW).replace("SKIP_LOCKED", "FOR UPDATE SKIP LOCKED")
    return _GROUP_CONCAT.sub(r"string_agg(DISTINCT \1, ',')", sql)


def redacted(url: str) -> str:
    """The URL with its password replaced: fit for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


class PostgresDatabase(_Statements):
    """A pool of connections (psycopg 3, psycopg_pool), each used by one storage thread at a time."""

    backend = POSTGRES

    def __init__(self, url: str, pool_size: int = 10, schema: str | None = None):
        import psycopg  # imported here: a SQLite deployment never loads the driver
        import psycopg_pool

        self._errors: tuple[type[Exception], ...] = (psycopg.OperationalError, psycopg.InterfaceError)
        self._pool_timeout = psycopg_pool.PoolTimeout
        self.url = redacted(url)
        conninfo = "postgresql://" + url.partition("://")[2]
        options: dict[str, Any] = {"autocommit": True, "connect_timeout": 5}
        if schema:  # tests: each in a schema of its own
            options["options"] = f"-c search_path={schema}"
        self._conninfo, self._options = conninfo, options
        # ``check``: a connection the server dropped (a restart, a failover) is replaced before it is used.
        self._pool: psycopg_pool.ConnectionPool[psycopg.Connection[Row]] = psycopg_pool.ConnectionPool(
            conninfo, min_size=1, max_size=pool_size, kwargs=options, open=False, timeout=10, name="mailbot",
            check=psycopg_pool.ConnectionPool.check_connection)
        try:
            self._pool.open(wait=True, timeout=10)
        except psycopg_pool.PoolTimeout as exc:
            self._pool.close()
            raise DatabaseUnavailable(f"cannot connect to {self.url}") from exc

    @contextlib.contextmanager
    def _begin(self) -> Iterator[_Transaction]:
        try:
            with self._pool.connection() as conn, conn.transaction():
                yield _Transaction(lambda sql, params: conn.execute(postgres_sql(sql), params, prepare=False))
        except self._pool_timeout as exc:
            raise DatabaseUnavailable("no database connection came free in time") from exc
        except self._errors as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    def connect(self) -> psycopg.Connection[Row]:
        """A connection of its own, outside the pool (LISTEN, migrations' lock)."""
        import psycopg

        return psycopg.connect(self._conninfo, **self._options)

    def close(self) -> None:
        self._pool.close()


def open_database(url: str, *, schema: str | None = None) -> SQLiteDatabase | PostgresDatabase:
    """The database a URL names: ``sqlite:///PATH`` or ``postgresql://USER:PASSWORD@HOST:PORT/DB``."""
    scheme, _, rest = url.partition("://")
    if scheme.lower() == "sqlite":
        path = unquote(rest[1:] if rest.startswith("/") else rest)
        return SQLiteDatabase(path or ":memory:")
    if scheme.lower() in ("postgresql", "postgres"):
        return PostgresDatabase(url, schema=schema)
    raise ValueError(f"not a database URL: {scheme}://...")
