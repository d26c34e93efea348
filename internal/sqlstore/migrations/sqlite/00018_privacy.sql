-- +goose Up
-- Legal holds (PIPL 47 exceptions, litigation, regulator orders): while a
-- hold is active (released_at IS NULL) the customer cannot be erased, by
-- hand or by the retention job.
CREATE TABLE legal_holds (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL, -- no FK, like customer_access: a hold outlives a merge
    reason      TEXT NOT NULL,
    set_by      INTEGER REFERENCES users(id),
    set_at      TIMESTAMP NOT NULL,
    released_by INTEGER REFERENCES users(id),
    released_at TIMESTAMP,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX legal_holds_customer ON legal_holds(customer_id, id);
CREATE INDEX legal_holds_active ON legal_holds(customer_id) WHERE released_at IS NULL;

-- The pseudonymous record that an erasure happened: no customer id, no
-- personal value; the pseudonym is the name the archive row now carries.
CREATE TABLE erasures (
    id        INTEGER PRIMARY KEY,
    pseudonym TEXT NOT NULL UNIQUE,
    at        TIMESTAMP NOT NULL,
    by_id     INTEGER REFERENCES users(id),
    by_name   TEXT NOT NULL DEFAULT '',
    reason    TEXT NOT NULL CHECK (reason IN ('subject_request','consent_withdrawn','purpose_fulfilled','retention_expired','unlawful')),
    rows_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX erasures_at ON erasures(at);

-- +goose Down
DROP TABLE erasures;
DROP TABLE legal_holds;
