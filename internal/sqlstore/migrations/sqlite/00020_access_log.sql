-- +goose Up
-- Customer access log (PIPL 51/57 breach query, TESTPLAN D3/D8): one row per
-- customer a user read, listed, searched or exported. Written in batches by
-- internal/accesslog; reveals and DSAR exports are answered from audit_log.
-- No foreign keys: the log outlives users and erased customers (the id is
-- then pseudonymous). The covering index serves "what did user U touch in
-- [t1,t2]" from the index alone; the purge walks ids (they follow time).
CREATE TABLE customer_access (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    at          TIMESTAMP NOT NULL,
    via         TEXT NOT NULL CHECK (via IN ('api_get','web_view','list','search','export'))
);
CREATE INDEX customer_access_user_at ON customer_access(user_id, at, customer_id, via);

-- Reveals of one user in a time range, for the same query.
CREATE INDEX audit_log_actor_at ON audit_log(actor_id, at);

-- The retention purge removes the oldest part of the chain; the anchor is
-- the seq and hash of the last removed row, where verification resumes.
-- The purge's own audit row (retention.run, object audit_log, object_id =
-- the anchor's seq) attests it inside the chain.
CREATE TABLE audit_anchor (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_anchor (id, seq, hash) VALUES (1, 0, '');

-- Rows younger than the 180-day legal minimum (Cybersecurity Law Art. 21)
-- cannot be deleted by anyone, whatever the application asks; older rows
-- only by the retention purge. Updates stay refused.
DROP TRIGGER audit_log_no_delete;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN old.at >= datetime('now', '-180 days')
BEGIN SELECT RAISE(ABORT, 'audit_log rows younger than 180 days cannot be deleted'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER customer_access_no_update BEFORE UPDATE ON customer_access
BEGIN SELECT RAISE(ABORT, 'customer_access is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER customer_access_no_delete BEFORE DELETE ON customer_access
WHEN old.at >= datetime('now', '-180 days')
BEGIN SELECT RAISE(ABORT, 'customer_access rows younger than 180 days cannot be deleted'); END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER customer_access_no_delete;
DROP TRIGGER customer_access_no_update;
DROP TRIGGER audit_log_no_delete;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- +goose StatementEnd
DROP TABLE audit_anchor;
DROP INDEX audit_log_actor_at;
DROP TABLE customer_access;
