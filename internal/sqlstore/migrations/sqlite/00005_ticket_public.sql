-- +goose Up
-- Complaints made on the public form (公开投诉入口): the hash of the status
-- link token (the token itself is shown once and never stored) and what
-- the form asks beyond the ticket's columns. One row per such ticket.
CREATE TABLE ticket_public (
    ticket_id    INTEGER PRIMARY KEY REFERENCES tickets(id),
    token_hash   TEXT NOT NULL UNIQUE,
    contact_time TEXT NOT NULL DEFAULT '',
    match_hint   TEXT NOT NULL DEFAULT '',
    consent_at   TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);

-- Keys that sign the public form's timestamp field, shared by every
-- instance so a form may be posted to any of them.
CREATE TABLE public_form_keys (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

-- +goose Down
DROP TABLE public_form_keys;
DROP TABLE ticket_public;
