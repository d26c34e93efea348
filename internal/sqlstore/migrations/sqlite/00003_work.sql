-- +goose Up
-- Follow-up plans (回访计划): rules that turn events into tasks for the
-- customer's owner. grades and org_unit_id narrow the audience.
CREATE TABLE follow_up_plans (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    trigger_kind TEXT NOT NULL CHECK (trigger_kind IN ('vehicle_delivery','service','periodic_grade','complaint_closed')),
    offset_days  INTEGER NOT NULL DEFAULT 0,
    grades       TEXT NOT NULL DEFAULT '',
    org_unit_id  INTEGER REFERENCES org_units(id),
    title        TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    starts_on    TEXT NOT NULL,
    created_by   INTEGER REFERENCES users(id),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

-- Tasks: follow-ups and next actions due on a day, owned by a staff member.
-- A plan's task is unique per (plan, customer, occurrence), so running the
-- plans twice or on two servers at once makes each task once.
CREATE TABLE tasks (
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
CREATE INDEX tasks_owner_due ON tasks(owner_id, status, due_on);
CREATE INDEX tasks_customer ON tasks(customer_id, due_on);
CREATE INDEX tasks_due ON tasks(due_on);

-- purpose of a contact; task_id is the task its next action created.
ALTER TABLE interactions ADD COLUMN purpose TEXT NOT NULL DEFAULT '' CHECK (purpose IN ('','follow_up','care','sales','service','collection'));
ALTER TABLE interactions ADD COLUMN task_id INTEGER REFERENCES tasks(id);
CREATE INDEX interactions_occurred ON interactions(occurred_at);

-- Work logs (工作日志) and visit forms (出访单), reviewed by a manager.
CREATE TABLE work_logs (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('log','visit')),
    author_id      INTEGER NOT NULL REFERENCES users(id),
    work_on        TEXT NOT NULL,
    content        TEXT NOT NULL DEFAULT '',
    minutes        INTEGER NOT NULL DEFAULT 0,
    destination    TEXT NOT NULL DEFAULT '',
    person_visited TEXT NOT NULL DEFAULT '',
    contact        TEXT NOT NULL DEFAULT '',
    purpose        TEXT NOT NULL DEFAULT '',
    result         TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','submitted','approved','returned')),
    submitted_at   TIMESTAMP,
    reviewer_id    INTEGER REFERENCES users(id),
    reviewed_at    TIMESTAMP,
    review_comment TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX work_logs_author ON work_logs(author_id, work_on);
CREATE INDEX work_logs_status ON work_logs(status, work_on);

-- Customers a work log touched, or the customer a visit was for.
CREATE TABLE work_log_customers (
    work_log_id INTEGER NOT NULL REFERENCES work_logs(id),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    PRIMARY KEY (work_log_id, customer_id)
);
CREATE INDEX work_log_customers_customer ON work_log_customers(customer_id);

-- +goose Down
DROP TABLE work_log_customers;
DROP TABLE work_logs;
DROP INDEX interactions_occurred;
ALTER TABLE interactions DROP COLUMN task_id;
ALTER TABLE interactions DROP COLUMN purpose;
DROP TABLE tasks;
DROP TABLE follow_up_plans;
