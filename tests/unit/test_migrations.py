"""Numbered migrations on both backends, and an SQLite database of the release before them upgraded in
place by ``Store.open`` (its old schema: tests/support/old_schema.py)."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from old_schema import old_database

from bot.core.session import SessionKey
from bot.storage.db import open_database
from bot.storage.migrate import MigrationError, migrate, migrations, status
from bot.storage.store import Store
from bot.storage.tickets import ALREADY_OPEN, CLOSED, OPEN


def backend_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgres"


def test_an_empty_database_gets_every_migration_and_is_current(database_url):
    db = open_database(database_url)
    try:
        assert not status(db).current and status(db).applied == []
        applied = migrate(db)
        assert [m.version for m in applied] == [m.version for m in migrations(backend_of(database_url))]
        state = status(db)
        assert state.current and state.pending == [] and state.unknown == []
        assert [v for v, _ in state.applied] == [m.version for m in applied]
        assert migrate(db) == []  # current: nothing to do
    finally:
        db.close()


def test_replicas_migrating_at_once_apply_each_migration_once(database_url):
    count = 6
    barrier, databases, applied, errors = threading.Barrier(count), [], [], []

    def run():
        try:
            barrier.wait(timeout=30)
            databases.append(db := open_database(database_url))  # each its own connection, opened at once
            applied.extend(m.version for m in migrate(db))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        expected = [m.version for m in migrations(backend_of(database_url))]
        assert sorted(applied) == expected
        assert [v for (v,) in databases[0].all("SELECT version FROM schema_migrations ORDER BY version")] == expected
    finally:
        for db in databases:
            db.close()


def test_a_migration_changed_after_it_was_applied_is_an_error(database_url):
    db = open_database(database_url)
    try:
        migrate(db)
        db.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
        with pytest.raises(MigrationError, match="0001_baseline was changed"):
            migrate(db)
        with pytest.raises(MigrationError):
            status(db)
    finally:
        db.close()
    with pytest.raises(MigrationError):
        Store.open(database_url)


def test_a_database_not_migrated_is_refused_without_auto_migrate(database_url):
    with pytest.raises(MigrationError, match="mailbot db migrate"):
        Store.open(database_url, auto_migrate=False)
    Store.open(database_url).close()  # migrated now
    store = Store.open(database_url, auto_migrate=False)
    assert store.ready() is None
    store.close()


def test_a_migration_a_newer_release_applied_is_tolerated(database_url):
    store = Store.open(database_url)
    try:
        store.db.execute("INSERT INTO schema_migrations (version, name, checksum, applied) VALUES (999, 'next', 'x', 0)")
        assert status(store.db).current and status(store.db).unknown == [(999, "next")]
        assert store.ready() is None
    finally:
        store.close()


# An SQLite database of the release before numbered migrations

def fill(path, *, older_outbox: bool) -> None:
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO sessions VALUES ('telegram', '1', ?, 100.0)", (json.dumps({"lang": "it", "flow": "setup"}),))
    conn.execute("INSERT INTO feedback (at, channel, chat_id, lang, article, question, helpful) "
                 "VALUES (100.0, 'telegram', '1', 'it', 'smtp', 'cos è smtp', 1)")
    conn.execute("INSERT INTO unanswered (at, lang, question, folded, reason) VALUES (100.0, 'it', 'costo?', 'costo', 'unsure')")
    conn.execute("INSERT INTO inbox VALUES (500, '1', '{\"update_id\": 500}', 100.0, 'pending', NULL)")
    columns = "reference, created, customer, mailboxes, payload, state, next_attempt"
    conn.execute(f"INSERT INTO outbox ({columns}) VALUES ('IMAP-AAAAAA', 100.0, 'telegram:1', '[\"info@rossi.it\"]', "
                 "'{\"name\": \"Rossi\"}', 'pending', 100.0)")
    if not older_outbox:
        conn.execute(f"INSERT INTO outbox ({columns}, kind, claimed_until, claimed_by) VALUES ('CHAT-BBBBBB', 100.0, "
                     "'telegram:2', '[]', '{}', 'delivered', 100.0, 'handoff', 50.0, 'host:1')")
    conn.execute("INSERT INTO outbox_mailbox VALUES ('info@rossi.it', 1)")
    tickets = "customer_chat, name, username, lang, state, topic_id, opened"
    conn.execute(f"INSERT INTO tickets ({tickets}) VALUES (7, 'Mario', 'mario', 'it', 'open', 70, 100.0)")
    conn.execute(f"INSERT INTO tickets ({tickets}) VALUES (7, 'Mario', 'mario', 'it', 'open', 71, 200.0)")  # a duplicate
    conn.execute(f"INSERT INTO tickets ({tickets}) VALUES (8, 'Mary', NULL, 'en', 'open', 80, 300.0)")
    conn.execute("INSERT INTO ticket_work (ticket, agent_id, agent_name, last_message, title) VALUES (2, 9, 'Giulia', 250.0, 'T')")
    conn.execute("INSERT INTO relays VALUES (1000, 2)")
    conn.execute("INSERT INTO copies VALUES (2, 'in', 11, 1001)")
    conn.execute("INSERT INTO bans VALUES (66, 100.0)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("older_outbox", [False, True], ids=["release-before", "older-outbox"])
def test_an_old_sqlite_database_is_upgraded_in_place(tmp_path, older_outbox):
    path = tmp_path / "mailbot.sqlite3"
    old_database(path, older_outbox=older_outbox)
    fill(path, older_outbox=older_outbox)
    url = f"sqlite:///{path}"
    with pytest.raises(MigrationError):
        Store.open(url, auto_migrate=False)
    store = Store.open(url)
    try:
        assert status(store.db).current
        # nothing lost
        assert store.get(SessionKey("telegram", "1")) == {"lang": "it", "flow": "setup"}
        assert store.feedback_summary() == [("smtp", 1, 0)]
        assert store.unanswered_report()[0]["question"] == "costo?"
        assert [s.update_id for s in store.inbox.pending()] == [500] and not store.inbox.pending()[0].backlog
        requests = store.outbox.all()
        assert requests[0].reference == "IMAP-AAAAAA" and requests[0].kind == "imap-activation"
        assert requests[0].payload == {"name": "Rossi"} and requests[0].mailboxes == ("info@rossi.it",)
        assert len(requests) == (1 if older_outbox else 2)
        if not older_outbox:
            assert requests[1].kind == "handoff" and requests[1].state == "delivered"
        assert store.tickets.handling.get(2).agent_name == "Giulia" and store.tickets.links.ticket_of(1000).id == 2
        assert store.tickets.links.copy_of(2, "in", 11) == 1001 and store.tickets.bans.banned(66)
        # the duplicate open ticket closed: only the customer's newest stays open
        assert [(t.id, t.state) for t in store.tickets.reports.of_customer(7)] == [(1, CLOSED), (2, OPEN)]
        assert store.tickets.lifecycle.get(1).closed == 100.0 and store.tickets.lifecycle.get(3).state == OPEN
        # the new columns
        outbox = {row[1] for row in store.db.all("PRAGMA table_info(outbox)")}
        assert {"kind", "claimed_until", "claimed_by", "source", "claim_epoch"} <= outbox
        assert {"progress", "takeover_by"} <= {row[1] for row in store.db.all("PRAGMA table_info(ticket_work)")}
        # and the bot works on it
        assert store.tickets.lifecycle.open(7, "Mario", "mario", "it") == (store.tickets.lifecycle.get(2), ALREADY_OPEN)
        assert store.tickets.handling.guide_progress(2, "1/3") and not store.tickets.handling.ask_takeover(2, 10)
        assert store.outbox.submit("telegram:1", ["INFO@rossi.it"], {})[0].reference == "IMAP-AAAAAA"
        new, made = store.outbox.submit("telegram:3", ["nuovo@rossi.it"], {})
        assert made and new.id > requests[-1].id
        claimed = [r.reference for r, _ in store.outbox.claim_due(60)]
        assert claimed == ["IMAP-AAAAAA", new.reference]
        assert store.leases.acquire("chat:1", 30).epoch == 1
        assert store.inbox.add([{"update_id": 501, "message": {"chat": {"id": 1}}}]) == 1
        store.update(SessionKey("telegram", "1"), lambda data: data.update(step="guide"))
        assert store.get(SessionKey("telegram", "1"))["step"] == "guide"
    finally:
        store.close()
    reopened = Store.open(url, auto_migrate=False)  # a second start finds it current
    assert reopened.ready() is None
    reopened.close()
