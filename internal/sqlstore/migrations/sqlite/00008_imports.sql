-- +goose Up
-- Imports (M13). The uploaded file lives in the database (import_files, ~1
-- MiB chunks) so any instance can run or resume it. A runner claims an
-- import with a short lease (lease_owner, lease_until) renewed with every
-- batch; phase says which pass it is in: validate (pass 1, no writes),
-- write (pass 2, batches), rollback (a cancel undoing committed batches),
-- undo (an admin reversing a finished import).
CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    entity       TEXT NOT NULL CHECK (entity IN ('customers','contacts','holdings','transactions','interactions')),
    file_name    TEXT NOT NULL,
    file_size    INTEGER NOT NULL,
    info         TEXT NOT NULL DEFAULT '{}',
    header       TEXT NOT NULL DEFAULT '[]',
    options      TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL CHECK (status IN ('uploaded','queued','running','done','failed','cancelled','undone')),
    phase        TEXT NOT NULL DEFAULT '' CHECK (phase IN ('','validate','write','rollback','undo')),
    rows_total   INTEGER NOT NULL DEFAULT 0,
    rows_done    INTEGER NOT NULL DEFAULT 0,
    created      INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    bad          INTEGER NOT NULL DEFAULT 0,
    review       INTEGER NOT NULL DEFAULT 0,
    last_line    INTEGER NOT NULL DEFAULT 0,
    removed      INTEGER NOT NULL DEFAULT 0,
    restored     INTEGER NOT NULL DEFAULT 0,
    kept         INTEGER NOT NULL DEFAULT 0,
    error_key    TEXT NOT NULL DEFAULT '',
    lease_owner  TEXT NOT NULL DEFAULT '',
    lease_until  TIMESTAMP,
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   TIMESTAMP NOT NULL,
    started_at   TIMESTAMP,
    finished_at  TIMESTAMP,
    undone_at    TIMESTAMP,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX imports_created_by ON imports(created_by, id);
CREATE INDEX imports_status ON imports(status, id);

CREATE TABLE import_files (
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    n         INTEGER NOT NULL,
    data      BLOB NOT NULL,
    PRIMARY KEY (import_id, n)
);

-- Bad rows (kind error) and rows skipped as duplicates inside the file
-- (kind duplicate) with their original cells, for the error report.
CREATE TABLE import_problems (
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    line      INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('error','duplicate')),
    cells     TEXT NOT NULL DEFAULT '[]',
    problems  TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (import_id, line)
);

-- What each import did, written in the batch's transaction: the id of every
-- row it created and the before-image of every customer it updated, so an
-- undo or a cancel can reverse exactly that. undone: 0 pending, 1 reversed,
-- 2 kept (changed since by someone else).
CREATE TABLE import_changes (
    id            INTEGER PRIMARY KEY,
    import_id     INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    customer_id   INTEGER NOT NULL,
    object_type   TEXT NOT NULL CHECK (object_type IN ('customer','contact','holding','transaction','interaction')),
    object_id     INTEGER NOT NULL,
    action        TEXT NOT NULL CHECK (action IN ('create','update')),
    before_image  TEXT,
    after_version INTEGER NOT NULL DEFAULT 1,
    undone        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX import_changes_import ON import_changes(import_id, undone, id);
CREATE INDEX import_changes_customer ON import_changes(customer_id);

CREATE TABLE import_templates (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    entity     TEXT NOT NULL CHECK (entity IN ('customers','contacts','holdings','transactions','interactions')),
    mapping    TEXT NOT NULL DEFAULT '{}',
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX import_templates_name ON import_templates(entity, name);

-- +goose Down
DROP TABLE import_templates;
DROP TABLE import_changes;
DROP TABLE import_problems;
DROP TABLE import_files;
DROP TABLE imports;
