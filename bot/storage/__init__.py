"""Storage: everything the bot keeps, on SQLite (the embedded default) or PostgreSQL (several replicas).

    interfaces.py the Protocols the rest of the bot is typed against
    db.py         the seam: transactions and statements on either database
    migrate.py    numbered SQL migrations per backend (migrations/sqlite, migrations/postgres)
    store.py      the store: sessions, feedback, unanswered questions, and the tables below
    inbox.py      updates kept before Telegram is told they arrived
    outbox.py     requests for the support mailbox, until it has them
    tickets.py    customers handed to the team
    leases.py     which replica does what: chat and role leases, the replicas' registry, periodic jobs
    copy.py       ``mailbot db copy``: one database's rows into another
"""

from bot.storage.interfaces import InboxStore, LeaseStore, OutboxStore, SessionStore, Storage, TicketStore
from bot.storage.store import Store, open_store, sqlite_store

__all__ = ["InboxStore", "LeaseStore", "OutboxStore", "SessionStore", "Storage", "Store", "TicketStore", "open_store",
           "sqlite_store"]
