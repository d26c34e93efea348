-- +goose NO TRANSACTION
-- +goose Up
-- Care automation (M6). The tasks table is rebuilt to let its kind CHECK
-- allow care, churn and appointment tasks (SQLite cannot alter a CHECK):
-- the "12-step" procedure, with foreign keys off on this (the only writer)
-- connection and the copy in one transaction.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE tasks_new (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('follow_up','next_action','plan','manual','care','churn','appointment')),
    title          TEXT NOT NULL,
    notes          TEXT NOT NULL DEFAULT '',
    customer_id    INTEGER NOT NULL REFERENCES customers(id),
    owner_id       INTEGER NOT NULL REFERENCES users(id),
    due_on         TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done','skipped','failed')),
    outcome        TEXT NOT NULL DEFAULT '',
    closed_at      TIMESTAMP,
    closed_by      INTEGER REFERENCES users(id),
    plan_id        INTEGER REFERENCES follow_up_plans(id),
    occurrence     INTEGER,
    interaction_id INTEGER REFERENCES interactions(id),
    created_by     INTEGER REFERENCES users(id),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (plan_id, customer_id, occurrence)
);
INSERT INTO tasks_new (id, kind, title, notes, customer_id, owner_id, due_on, status, outcome, closed_at, closed_by,
    plan_id, occurrence, interaction_id, created_by, version, created_at, updated_at)
SELECT id, kind, title, notes, customer_id, owner_id, due_on, status, outcome, closed_at, closed_by,
    plan_id, occurrence, interaction_id, created_by, version, created_at, updated_at FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_new RENAME TO tasks;
CREATE INDEX tasks_owner_due ON tasks(owner_id, status, due_on);
CREATE INDEX tasks_customer ON tasks(customer_id, due_on);
CREATE INDEX tasks_due ON tasks(due_on);

-- Care rules: kind-specific params as JSON, the audience as a filter of
-- the segment language ('' = everyone).
CREATE TABLE care_rules (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('birthday','festival','anniversary','service_due','expiry','loan_due','dormancy')),
    params      TEXT NOT NULL DEFAULT '{}',
    audience    TEXT NOT NULL DEFAULT '',
    channel     TEXT NOT NULL DEFAULT 'none' CHECK (channel IN ('sms','email','none')),
    template    TEXT NOT NULL DEFAULT '',
    create_task INTEGER NOT NULL DEFAULT 0,
    task_title  TEXT NOT NULL DEFAULT '',
    lead_days   INTEGER NOT NULL DEFAULT 0,
    quiet_start TEXT NOT NULL DEFAULT '',
    quiet_end   TEXT NOT NULL DEFAULT '',
    cap_count   INTEGER NOT NULL DEFAULT 0,
    cap_days    INTEGER NOT NULL DEFAULT 0,
    enabled     INTEGER NOT NULL DEFAULT 1,
    created_by  INTEGER REFERENCES users(id),
    last_run_at TIMESTAMP,
    deleted_at  TIMESTAMP,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- One row per (rule, customer, occurrence): the UNIQUE key is what makes
-- a repeated or concurrent run fire each occurrence once.
CREATE TABLE care_events (
    id           INTEGER PRIMARY KEY,
    rule_id      INTEGER NOT NULL REFERENCES care_rules(id),
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    occurrence   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    event_on     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('fired','suppressed','capped')),
    reason       TEXT NOT NULL DEFAULT '',
    channel      TEXT NOT NULL DEFAULT 'none',
    owner_id     INTEGER REFERENCES users(id),
    task_id      INTEGER REFERENCES tasks(id),
    churn_reason TEXT NOT NULL DEFAULT '',
    usage_note   TEXT NOT NULL DEFAULT '',
    resolved_at  TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (rule_id, customer_id, occurrence)
);
CREATE INDEX care_events_customer ON care_events(customer_id, created_at);
CREATE INDEX care_events_task ON care_events(task_id) WHERE task_id IS NOT NULL;
CREATE INDEX care_events_resolved ON care_events(resolved_at) WHERE churn_reason <> '';

-- Churn reason codes (流失原因); default codes are labelled by
-- enum.churn_reason.<code>, added ones by label.
CREATE TABLE care_churn_reasons (
    code     TEXT PRIMARY KEY,
    label    TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    active   INTEGER NOT NULL DEFAULT 1
);
INSERT INTO care_churn_reasons (code, position) VALUES
    ('sold', 1), ('moved', 2), ('unhappy_service', 3), ('price', 4), ('competitor', 5), ('low_use', 6), ('other', 99);

-- The run reads birthdays and anniversaries by month-day and expiries by
-- due date.
CREATE INDEX care_customers_birth_md ON customers(substr(birthday, 6, 5), id) WHERE birthday <> '' AND deleted_at IS NULL;
CREATE INDEX care_holdings_opened_md ON holdings(kind, substr(opened_on, 6, 5)) WHERE opened_on <> '';
CREATE INDEX care_holdings_due ON holdings(kind, due_on) WHERE due_on <> '';
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
DROP INDEX care_holdings_due;
DROP INDEX care_holdings_opened_md;
DROP INDEX care_customers_birth_md;
DROP TABLE care_churn_reasons;
DROP TABLE care_events;
DROP TABLE care_rules;
DELETE FROM tasks WHERE kind IN ('care','churn','appointment');
CREATE TABLE tasks_old (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('follow_up','next_action','plan','manual')),
    title          TEXT NOT NULL,
    notes          TEXT NOT NULL DEFAULT '',
    customer_id    INTEGER NOT NULL REFERENCES customers(id),
    owner_id       INTEGER NOT NULL REFERENCES users(id),
    due_on         TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done','skipped','failed')),
    outcome        TEXT NOT NULL DEFAULT '',
    closed_at      TIMESTAMP,
    closed_by      INTEGER REFERENCES users(id),
    plan_id        INTEGER REFERENCES follow_up_plans(id),
    occurrence     INTEGER,
    interaction_id INTEGER REFERENCES interactions(id),
    created_by     INTEGER REFERENCES users(id),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (plan_id, customer_id, occurrence)
);
INSERT INTO tasks_old SELECT id, kind, title, notes, customer_id, owner_id, due_on, status, outcome, closed_at, closed_by,
    plan_id, occurrence, interaction_id, created_by, version, created_at, updated_at FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_old RENAME TO tasks;
CREATE INDEX tasks_owner_due ON tasks(owner_id, status, due_on);
CREATE INDEX tasks_customer ON tasks(customer_id, due_on);
CREATE INDEX tasks_due ON tasks(due_on);
COMMIT;
PRAGMA foreign_keys = ON;
