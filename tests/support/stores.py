"""Stores on either backend for the storage contract tests: ``any_store`` runs a test on SQLite and on
PostgreSQL (a schema of its own per test, tests/support/postgres.py); ``stores.open(replica)`` opens
another store object on the same database, as another replica would.
"""

from __future__ import annotations

import pytest

from bot.storage.store import Store
from postgres import Schema, server_url

BACKENDS = ("sqlite", "postgres")


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
        schema.drop()


@pytest.fixture
def stores(database_url):
    opened = Stores("sqlite" if database_url.startswith("sqlite") else "postgres", database_url)
    yield opened
    opened.close()


@pytest.fixture
def any_store(stores) -> Store:
    """A migrated store, on SQLite and on PostgreSQL (replica "a")."""
    return stores.open("a")


@pytest.fixture
def other_store(stores, any_store) -> Store:
    """A second store object on ``any_store``'s database: another replica (replica "b")."""
    return stores.open("b")
