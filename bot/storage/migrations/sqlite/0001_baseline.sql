-- The schema as it was before numbered migrations: a database made by an earlier release already has
-- these tables, and IF NOT EXISTS leaves them as they are.
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

CREATE TABLE IF NOT EXISTS inbox (
    update_id INTEGER PRIMARY KEY,
    chat TEXT NOT NULL,
    data TEXT NOT NULL,
    received REAL NOT NULL,
    state TEXT NOT NULL,
    handled REAL
);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (state, update_id);
CREATE INDEX IF NOT EXISTS inbox_chat ON inbox (chat, state, update_id);

CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    customer TEXT NOT NULL,
    mailboxes TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL,
    last_error TEXT,
    delivered REAL,
    alerted INTEGER NOT NULL DEFAULT 0,
    notified INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL DEFAULT 'imap-activation',
    claimed_until REAL,
    claimed_by TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt);
CREATE TABLE IF NOT EXISTS outbox_mailbox (
    mailbox TEXT NOT NULL,
    request INTEGER NOT NULL REFERENCES outbox (id)
);
CREATE INDEX IF NOT EXISTS outbox_mailbox_by_name ON outbox_mailbox (mailbox);

CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY,
    customer_chat INTEGER NOT NULL,
    name TEXT NOT NULL,
    username TEXT,
    lang TEXT NOT NULL,
    state TEXT NOT NULL,
    topic_id INTEGER,
    opened REAL NOT NULL,
    closed REAL,
    waiting_since REAL,
    rating INTEGER
);
CREATE TABLE IF NOT EXISTS ticket_work (
    ticket INTEGER PRIMARY KEY REFERENCES tickets (id),
    agent_id INTEGER,
    agent_name TEXT,
    first_answer REAL,
    last_message REAL,
    reason TEXT,
    title TEXT,
    topic_closed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tickets_customer ON tickets (customer_chat, id);
CREATE TABLE IF NOT EXISTS relays (
    support_message INTEGER PRIMARY KEY,
    ticket INTEGER NOT NULL REFERENCES tickets (id)
);
CREATE TABLE IF NOT EXISTS copies (
    ticket INTEGER NOT NULL REFERENCES tickets (id),
    direction TEXT NOT NULL,
    source INTEGER NOT NULL,
    copy INTEGER NOT NULL,
    PRIMARY KEY (ticket, direction, source)
);
CREATE TABLE IF NOT EXISTS bans (
    customer_chat INTEGER PRIMARY KEY,
    since REAL NOT NULL
);
