-- +goose Up
-- Background exports: one row per job, leased to one instance at a time
-- (attempt is the lease token; a job whose lease ran out is taken again),
-- and its file in chunks so any instance can serve the download.
CREATE TABLE exports (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL CHECK (kind IN ('customers')),
    format      TEXT NOT NULL CHECK (format IN ('csv','xlsx')),
    params      TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','done','failed')),
    row_count   INTEGER NOT NULL DEFAULT 0,
    byte_size   INTEGER NOT NULL DEFAULT 0,
    file_name   TEXT NOT NULL DEFAULT '',
    error_key   TEXT NOT NULL DEFAULT '',
    attempt     INTEGER NOT NULL DEFAULT 0,
    lease_until TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    started_at  TIMESTAMP,
    finished_at TIMESTAMP,
    expires_at  TIMESTAMP,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX exports_user ON exports(user_id, id);
CREATE INDEX exports_status ON exports(status, id);

CREATE TABLE export_chunks (
    export_id INTEGER NOT NULL REFERENCES exports(id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    data      BLOB NOT NULL,
    PRIMARY KEY (export_id, seq)
);

-- Named customer list filters: personal (org_unit_id NULL) or shared with
-- the owner's unit. query is the list page's query string; q, filter
-- (JSON filter language) and sort are the same filter for API and exports.
CREATE TABLE saved_filters (
    id          INTEGER PRIMARY KEY,
    owner_id    INTEGER NOT NULL REFERENCES users(id),
    org_unit_id INTEGER REFERENCES org_units(id),
    name        TEXT NOT NULL,
    query       TEXT NOT NULL DEFAULT '',
    q           TEXT NOT NULL DEFAULT '',
    filter      TEXT NOT NULL DEFAULT '',
    sort        TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX saved_filters_owner ON saved_filters(owner_id, name);
CREATE INDEX saved_filters_unit ON saved_filters(org_unit_id, name);

-- +goose Down
DROP TABLE saved_filters;
DROP TABLE export_chunks;
DROP TABLE exports;
