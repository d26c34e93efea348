-- +goose Up
-- Consent ledger (PIPL 14-15, TESTPLAN D4): one append-only row per grant or
-- withdrawal of a purpose on a channel, with the privacy-notice version the
-- customer saw. No foreign key: the ledger outlives a merge or an erasure
-- (it holds no personal value, only the customer's id).
CREATE TABLE consent_events (
    id             INTEGER PRIMARY KEY,
    customer_id    INTEGER NOT NULL,
    purpose        TEXT NOT NULL CHECK (purpose IN ('service','care','marketing')),
    channel        TEXT NOT NULL CHECK (channel IN ('sms','email','phone','wechat')),
    action         TEXT NOT NULL CHECK (action IN ('grant','withdraw')),
    notice_version TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL CHECK (source IN ('form','api','import','unsubscribe_link','sms_reply','consent_page','migration')),
    actor_id       INTEGER,
    actor_name     TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    at             TIMESTAMP NOT NULL
);
CREATE INDEX consent_events_customer ON consent_events(customer_id, id);
-- +goose StatementBegin
CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END;
-- +goose StatementEnd

-- The latest event per customer, purpose and channel, written in the same
-- transaction as the event, so a purpose-gated query is one indexed probe.
CREATE TABLE consent_state (
    customer_id    INTEGER NOT NULL,
    purpose        TEXT NOT NULL,
    channel        TEXT NOT NULL,
    action         TEXT NOT NULL CHECK (action IN ('grant','withdraw')),
    event_id       INTEGER NOT NULL,
    notice_version TEXT NOT NULL DEFAULT '',
    at             TIMESTAMP NOT NULL,
    PRIMARY KEY (customer_id, purpose, channel)
);
CREATE INDEX consent_state_gate ON consent_state(purpose, channel, action, customer_id);

-- Retention rules (PIPL 19, TESTPLAN D7), one per kind of record.
CREATE TABLE retention_rules (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL UNIQUE CHECK (kind IN ('customers_deleted','customers_inactive','interactions','visit_logs','outbox_messages','import_images')),
    days       INTEGER NOT NULL CHECK (days >= 1),
    action     TEXT NOT NULL CHECK (action IN ('purge','anonymise')),
    enabled    INTEGER NOT NULL DEFAULT 0,
    updated_by INTEGER,
    updated_at TIMESTAMP,
    version    INTEGER NOT NULL DEFAULT 1
);
INSERT INTO retention_rules (kind, days, action, enabled) VALUES
    ('customers_deleted', 180, 'anonymise', 1),
    ('customers_inactive', 1825, 'anonymise', 0),
    ('interactions', 1825, 'purge', 0),
    ('visit_logs', 1825, 'purge', 0),
    ('outbox_messages', 365, 'purge', 1),
    ('import_images', 180, 'purge', 1);

CREATE TABLE retention_runs (
    id          INTEGER PRIMARY KEY,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status      TEXT NOT NULL CHECK (status IN ('running','done','failed')),
    counts      TEXT NOT NULL DEFAULT '{}',
    error       TEXT NOT NULL DEFAULT '',
    by_name     TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE retention_runs;
DROP TABLE retention_rules;
DROP TABLE consent_state;
DROP TRIGGER consent_events_no_delete;
DROP TRIGGER consent_events_no_update;
DROP TABLE consent_events;
