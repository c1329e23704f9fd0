-- Several replicas on one database. Leases: who handles a chat (or holds a role) until when; the epoch
-- grows at every change of owner and fences the old owner's commits. The replicas' registry: a lease or
-- a delivery claim whose owner stopped being seen moves on before it runs out. Periodic jobs: claimed
-- once per period across replicas. An outbox request is keyed by the update that made it (a replayed
-- turn cannot make a second one); a delivery claim has an epoch that fences its result. One open ticket
-- per customer, enforced by the database (duplicates an earlier release may have left are closed first).
CREATE TABLE leases (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX leases_owner ON leases (owner);
CREATE TABLE replicas (
    id TEXT PRIMARY KEY,
    started REAL NOT NULL,
    seen REAL NOT NULL,
    stopped REAL
);
CREATE TABLE periodic (
    name TEXT PRIMARY KEY,
    last_run REAL NOT NULL,
    owner TEXT NOT NULL
);
ALTER TABLE outbox ADD COLUMN source TEXT;
CREATE UNIQUE INDEX outbox_source ON outbox (source);
ALTER TABLE outbox ADD COLUMN claim_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbox ADD COLUMN backlog INTEGER NOT NULL DEFAULT 0;
CREATE INDEX inbox_recent ON inbox (chat, received);
ALTER TABLE ticket_work ADD COLUMN progress TEXT;
ALTER TABLE ticket_work ADD COLUMN takeover_by INTEGER;
UPDATE tickets SET state = 'closed', closed = opened
 WHERE state = 'open' AND id NOT IN (SELECT MAX(id) FROM tickets WHERE state = 'open' GROUP BY customer_chat);
CREATE UNIQUE INDEX one_open_ticket ON tickets (customer_chat) WHERE state = 'open';
