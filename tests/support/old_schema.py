"""The SQLite schema exactly as the release before numbered migrations made it (``git show 639c54a``:
bot/store.py, bot/inbox.py, bot/outbox.py, bot/tickets.py), and an older outbox still, from before
handoff requests and delivery claims: databases that ``Store.open`` must upgrade in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

STORE = """
CREATE TABLE IF NOT EXISTS sessions (
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    data TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (channel, chat_id)
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    lang TEXT NOT NULL,
    article TEXT NOT NULL,
    question TEXT,
    helpful INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    lang TEXT NOT NULL,
    question TEXT NOT NULL,
    folded TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS unanswered_folded ON unanswered (folded);
"""

INBOX = """
CREATE TABLE IF NOT EXISTS inbox (
    update_id INTEGER PRIMARY KEY,
    chat TEXT NOT NULL,              -- the chat whose order the update keeps ("" for none)
    data TEXT NOT NULL,              -- the update as Telegram sent it (JSON)
    received REAL NOT NULL,
    state TEXT NOT NULL,             -- pending, done, unparseable
    handled REAL
);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (state, update_id);
CREATE INDEX IF NOT EXISTS inbox_chat ON inbox (chat, state, update_id);
"""

OUTBOX = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    customer TEXT NOT NULL,           -- channel:chat_id, for telling the customer and for the daily limit
    mailboxes TEXT NOT NULL,          -- JSON list of addresses
    payload TEXT NOT NULL,            -- JSON: name, contact, telegram details, language
    state TEXT NOT NULL,              -- pending, delivered, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL,
    last_error TEXT,
    delivered REAL,
    alerted INTEGER NOT NULL DEFAULT 0,
    notified INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL DEFAULT 'imap-activation',  -- imap-activation, or handoff (a conversation for a person)
    claimed_until REAL,               -- a delivery in progress, by any process, until then
    claimed_by TEXT                   -- host:pid of that process
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt);
CREATE TABLE IF NOT EXISTS outbox_mailbox (
    mailbox TEXT NOT NULL,
    request INTEGER NOT NULL REFERENCES outbox (id)
);
CREATE INDEX IF NOT EXISTS outbox_mailbox_by_name ON outbox_mailbox (mailbox);
"""

TICKETS = """
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY,
    customer_chat INTEGER NOT NULL,
    name TEXT NOT NULL,
    username TEXT,
    lang TEXT NOT NULL,
    state TEXT NOT NULL,              -- open, closed
    topic_id INTEGER,                 -- forum topic in the support group
    opened REAL NOT NULL,
    closed REAL,
    waiting_since REAL,               -- the customer's oldest message not yet answered by the team
    rating INTEGER
);
CREATE TABLE IF NOT EXISTS ticket_work (
    ticket INTEGER PRIMARY KEY REFERENCES tickets (id),
    agent_id INTEGER,                 -- who took the ticket (/take)
    agent_name TEXT,
    first_answer REAL,                -- the team's first message to the customer
    last_message REAL,                -- the last message either way
    reason TEXT,                      -- the article shown last before the customer asked for a person
    title TEXT,                       -- the title its topic has now
    topic_closed INTEGER NOT NULL DEFAULT 0  -- whether its topic is closed now
);
CREATE INDEX IF NOT EXISTS tickets_customer ON tickets (customer_chat, id);
CREATE TABLE IF NOT EXISTS relays (
    support_message INTEGER PRIMARY KEY,   -- message id in the support group
    ticket INTEGER NOT NULL REFERENCES tickets (id)
);
CREATE TABLE IF NOT EXISTS copies (
    ticket INTEGER NOT NULL REFERENCES tickets (id),
    direction TEXT NOT NULL,               -- "in": customer to group, "out": group to customer
    source INTEGER NOT NULL,               -- the message copied (in its own chat)
    copy INTEGER NOT NULL,                 -- its copy (in the other chat)
    PRIMARY KEY (ticket, direction, source)
);
CREATE TABLE IF NOT EXISTS bans (
    customer_chat INTEGER PRIMARY KEY,
    since REAL NOT NULL
);
"""

# The outbox before handoff requests (``kind``) and delivery claims (``claimed_until``, ``claimed_by``).
OLDER_OUTBOX = OUTBOX.replace(
    "    kind TEXT NOT NULL DEFAULT 'imap-activation',  -- imap-activation, or handoff (a conversation for a person)\n"
    "    claimed_until REAL,               -- a delivery in progress, by any process, until then\n"
    "    claimed_by TEXT                   -- host:pid of that process\n", "").replace(
    "    notified INTEGER NOT NULL DEFAULT 0,\n", "    notified INTEGER NOT NULL DEFAULT 0\n")


def old_database(path: Path, *, older_outbox: bool = False) -> None:
    """An SQLite file with the tables as the release before numbered migrations left them, and no
    ``schema_migrations``."""
    conn = sqlite3.connect(path)
    for schema in (STORE, INBOX, OLDER_OUTBOX if older_outbox else OUTBOX, TICKETS):
        conn.executescript(schema)
    conn.close()
