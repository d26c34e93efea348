-- +goose Up
-- TOTP second factors (TESTPLAN B4). A row is pending until a first code
-- confirms it. last_step is the last accepted time step: a code is spent by
-- a conditional UPDATE (last_step < step), so a replayed code, or the same
-- code sent twice at once, succeeds at most once. The secret is stored
-- as-is (no encryption-at-rest key exists); recovery codes only hashed.
CREATE TABLE user_mfa (
    user_id      INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    confirmed_at TIMESTAMP,
    last_step    INTEGER NOT NULL DEFAULT 0,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE mfa_recovery_codes (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMP
);
CREATE UNIQUE INDEX mfa_recovery_codes_code ON mfa_recovery_codes(user_id, code_hash);

-- +goose Down
DROP TABLE mfa_recovery_codes;
DROP TABLE user_mfa;
