"""A PostgreSQL for the tests: each test gets a schema of its own on the server that
``MAILBOT_TEST_DATABASE_URL`` names (default: the local server, database ``test``), dropped after it.

Without a reachable server the PostgreSQL tests skip, saying how to run them; with ``CI=true`` they
fail instead: CI must never pass with a backend untested.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
HOW = ("start PostgreSQL (pg_ctlcluster --skip-systemctl-redirect 15 main start, or any server with trust "
       "authentication) or set MAILBOT_TEST_DATABASE_URL=postgresql://USER@HOST:PORT/DB")


def server_url() -> str:
    """The server's URL, or a skip (a failure with CI=true) when it cannot be reached."""
    url = os.environ.get("MAILBOT_TEST_DATABASE_URL", DEFAULT_URL)
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
    except Exception as exc:
        message = f"PostgreSQL at {url} cannot be reached ({type(exc).__name__}): {HOW}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


def with_schema(url: str, schema: str) -> str:
    """``url`` with every connection's search path set to ``schema``."""
    return url + ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={schema}")


class Schema:
    """A fresh, empty schema on the test server; ``url`` connects into it."""

    def __init__(self, server: str):
        import psycopg

        self.server, self.name = server, f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {self.name}")
        self.url = with_schema(server, self.name)

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {self.name} CASCADE")


@pytest.fixture
def postgres_url():
    """A URL into an empty schema of its own on the test server (skips, or fails with CI=true, without one)."""
    schema = Schema(server_url())
    yield schema.url
    schema.drop()
