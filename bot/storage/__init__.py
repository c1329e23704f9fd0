"""Storage: everything the bot keeps, on SQLite (the embedded default) or PostgreSQL (several replicas).

    db.py         the seam: transactions and statements on either database
    migrate.py    numbered SQL migrations per backend (migrations/sqlite, migrations/postgres)
    store.py      the store: sessions, feedback, unanswered questions, and the tables below
    inbox.py      updates kept before Telegram is told they arrived
    outbox.py     requests for the support mailbox, until it has them
    tickets.py    customers handed to the team
    leases.py     which replica does what: chat and role leases, the replicas' registry, periodic jobs
    copy.py       ``mailbot db copy``: one database's rows into another
"""

from bot.storage.store import SessionStore, Store, open_store, sqlite_store

__all__ = ["SessionStore", "Store", "open_store", "sqlite_store"]
