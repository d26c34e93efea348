-- +goose Up
-- The messaging outbox (M14). Modules queue rows in the transaction of the
-- change that causes them; idem_key makes a second queue of the same
-- message a no-op. The dispatcher claims due rows with a lease
-- (claimed_until), so a crashed sender's message is retried, and a sent
-- row is final.
CREATE TABLE outbox_messages (
    id              INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL CHECK (channel IN ('sms','email','inapp')),
    purpose         TEXT NOT NULL DEFAULT 'service' CHECK (purpose IN ('service','care','marketing')),
    customer_id     INTEGER REFERENCES customers(id),
    user_id         INTEGER REFERENCES users(id),
    recipient       TEXT NOT NULL DEFAULT '',
    template        TEXT NOT NULL,
    vars            TEXT NOT NULL DEFAULT '{}',
    locale          TEXT NOT NULL DEFAULT 'zh-CN',
    send_after      TIMESTAMP NOT NULL,
    idem_key        TEXT NOT NULL UNIQUE,
    ref_kind        TEXT NOT NULL DEFAULT '',
    ref_id          INTEGER,
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','sending','sent','failed','dead','cancelled','suppressed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until   TIMESTAMP,
    claimed_by      TEXT NOT NULL DEFAULT '',
    last_error      TEXT NOT NULL DEFAULT '',
    provider_id     TEXT NOT NULL DEFAULT '',
    sent_at         TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
-- Due work: the dispatcher scans queued and failed rows by next attempt.
CREATE INDEX outbox_due ON outbox_messages(next_attempt_at, id) WHERE status IN ('queued','failed','sending');
CREATE INDEX outbox_customer ON outbox_messages(customer_id, id);
CREATE INDEX outbox_ref ON outbox_messages(ref_kind, ref_id) WHERE ref_id IS NOT NULL;
CREATE INDEX outbox_status ON outbox_messages(status, id);

-- +goose Down
DROP TABLE outbox_messages;
