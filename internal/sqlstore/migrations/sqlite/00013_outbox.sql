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
    version         INTEGER NOT NULL DEFAULT 1,
    -- The text as rendered at send time, for the detail page.
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT ''
);
-- Due work: the dispatcher scans queued and failed rows by next attempt.
CREATE INDEX outbox_due ON outbox_messages(next_attempt_at, id) WHERE status IN ('queued','failed','sending');
CREATE INDEX outbox_customer ON outbox_messages(customer_id, id);
CREATE INDEX outbox_ref ON outbox_messages(ref_kind, ref_id) WHERE ref_id IS NOT NULL;
CREATE INDEX outbox_status ON outbox_messages(status, id);

-- One row per try at sending, written with the result of the try.
CREATE TABLE outbox_attempts (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES outbox_messages(id),
    n           INTEGER NOT NULL,
    at          TIMESTAMP NOT NULL,
    outcome     TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    provider_id TEXT NOT NULL DEFAULT '',
    claimed_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_attempts_message ON outbox_attempts(message_id, id);

-- Edited templates; a key without a row uses its built-in text (Go).
CREATE TABLE outbox_templates (
    key        TEXT NOT NULL,
    locale     TEXT NOT NULL CHECK (locale IN ('zh-CN','en')),
    subject    TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (key, locale)
);

-- Channel settings as one JSON document (SMTP password and SMS signing
-- secret included; surfaces never show them).
CREATE TABLE outbox_config (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    config     TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL
);

-- Per-channel send counts per minute, shared by every instance: a send
-- takes a slot with one guarded upsert.
CREATE TABLE outbox_rate (
    channel      TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (channel, window_start)
);

-- Secrets generated at first use (the unsubscribe link key).
CREATE TABLE outbox_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE outbox_secrets;
DROP TABLE outbox_rate;
DROP TABLE outbox_config;
DROP TABLE outbox_templates;
DROP TABLE outbox_attempts;
DROP TABLE outbox_messages;
