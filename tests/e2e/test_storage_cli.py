"""``mailbot db status``, ``db migrate`` and ``db copy --from``, run as real processes: an SQLite
deployment's every row copied into PostgreSQL (a fresh schema of the test server)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from old_schema import old_database

from bot.core.session import SessionKey
from bot.storage.copy import TABLES
from bot.storage.db import open_database
from bot.storage.store import Store
from bot.storage.tickets import IN, NEW, OUT

ROOT = Path(__file__).resolve().parents[2]


def db(*args: str, data_dir: Path, database_url: str | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("TELEGRAM_", "BOT_", "SMTP_", "DATABASE_")) or k == "BOT_CACHE_DIR"}
    environ["BOT_DATA_DIR"] = str(data_dir)
    if database_url is not None:
        environ["DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "-m", "bot", "db", *args], capture_output=True, text=True, env=environ,
                          cwd=ROOT, timeout=60)


def test_status_is_1_until_migrate_then_0(tmp_path):
    old_database(tmp_path / "mailbot.sqlite3")  # the release before numbered migrations left it
    before = db("status", data_dir=tmp_path)
    assert before.returncode == 1 and "pending  0001_baseline" in before.stdout and "run `mailbot db migrate`" in before.stdout
    migrated = db("migrate", data_dir=tmp_path)
    assert migrated.returncode == 0 and "applied 0001_baseline, 0002_replicas" in migrated.stdout, migrated.stderr
    after = db("status", data_dir=tmp_path)
    assert after.returncode == 0 and "the schema is current" in after.stdout
    assert db("migrate", data_dir=tmp_path).stdout.strip().endswith("the schema is current")


def a_deployment(path: Path) -> None:
    """An SQLite store with rows in every table that is copied."""
    store = Store.open(f"sqlite:///{path}")
    try:
        store.set(SessionKey("telegram", "1"), {"lang": "it", "flow": "setup", "emoji": "👋"})
        store.set(SessionKey("terminal", "x"), {"lang": "en"})
        store.record_feedback(SessionKey("telegram", "1"), "it", "smtp", "cos'è smtp?", True)
        store.record_feedback(SessionKey("telegram", "1"), "it", "pop", None, False)
        store.record_unanswered("it", "quanto costa?", "out_of_scope")
        store.inbox.add([{"update_id": 900 + n, "message": {"chat": {"id": 1}, "text": "ciao"}} for n in range(3)])
        first, _ = store.outbox.submit("telegram:1", ["info@rossi.it", "vendite@rossi.it"], {"name": "Rossi Srl"})
        second, _ = store.outbox.submit("telegram:2", ["a@b.it"], {"name": "B"}, kind="handoff")
        store.outbox.delivered(second.id)
        store.outbox.claim(first.id, 60)
        for customer in (1, 2, 3):
            ticket, _ = store.tickets.lifecycle.open(customer, f"Customer {customer}", None, "it")
            store.tickets.lifecycle.set_topic(ticket.id, 100 + customer)
            store.tickets.handling.take(ticket.id, 42, "Giulia")
            store.tickets.links.link(1000 + customer, ticket.id)
            store.tickets.links.copied(ticket.id, IN, 10 + customer, 2000 + customer)
            store.tickets.links.copied(ticket.id, OUT, 20 + customer, 3000 + customer)
        store.tickets.lifecycle.close(1)
        store.tickets.ratings.rate(1, 1, 5)
        store.tickets.handling.guide_progress(2, "2/5")
        store.tickets.bans.ban(66)
    finally:
        store.close()


def rows(url: str) -> dict[str, list[tuple]]:
    database = open_database(url)
    try:
        return {table: sorted(database.all(f"SELECT * FROM {table}"), key=repr) for table in TABLES}
    finally:
        database.close()


def test_copy_from_sqlite_into_postgresql(tmp_path, postgres_url):
    source = tmp_path / "old.sqlite3"
    a_deployment(source)
    copied = db("copy", "--from", f"sqlite:///{source}", data_dir=tmp_path, database_url=postgres_url)
    assert copied.returncode == 0, copied.stderr
    assert "3 inbox" in copied.stdout and "3 tickets" in copied.stdout
    expected, got = rows(f"sqlite:///{source}"), rows(postgres_url)
    for table in TABLES:
        assert expected[table], f"the deployment has no {table}"
        assert [tuple(r) for r in got[table]] == [tuple(r) for r in expected[table]], table

    # new rows are numbered after the copied ones
    store = Store.open(postgres_url, auto_migrate=False)
    try:
        request, made = store.outbox.submit("telegram:9", ["nuovo@rossi.it"], {})
        assert made and request.id == 3
        ticket, how = store.tickets.lifecycle.open(9, "Nuovo", None, "it")
        assert how == NEW and ticket.id == 4
        store.record_feedback(SessionKey("telegram", "9"), "it", "smtp", None, True)
        assert store.db.one("SELECT MAX(id) FROM feedback")[0] == 3
        assert store.get(SessionKey("telegram", "1"))["emoji"] == "👋"
        assert store.tickets.handling.get(2).agent_name == "Giulia" and store.tickets.lifecycle.get(1).rating == 5
    finally:
        store.close()

    again = db("copy", "--from", f"sqlite:///{source}", data_dir=tmp_path, database_url=postgres_url)
    assert again.returncode == 1 and "already has rows in sessions" in again.stderr
    assert "Traceback" not in again.stderr


def test_copy_from_something_not_a_database_url_is_a_usage_error(tmp_path, postgres_url):
    wrong = db("copy", "--from", "mysql://root@localhost/mail", data_dir=tmp_path, database_url=postgres_url)
    assert wrong.returncode == 2 and "--from must be a database URL" in wrong.stderr
    same = db("copy", "--from", postgres_url, data_dir=tmp_path, database_url=postgres_url)
    assert same.returncode == 2 and "nothing to copy" in same.stderr
