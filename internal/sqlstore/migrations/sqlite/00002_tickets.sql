-- +goose Up
-- Complaint categories: a tree (parent_id), ordered by position.
CREATE TABLE ticket_categories (
    id         INTEGER PRIMARY KEY,
    parent_id  INTEGER REFERENCES ticket_categories(id),
    code       TEXT NOT NULL UNIQUE,
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO ticket_categories (id, parent_id, code, name_zh, name_en, position, created_at, updated_at) VALUES
 (1, NULL, 'service', '服务质量', 'Service quality', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
 (2, 1, 'service.attitude', '服务态度', 'Staff attitude', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
 (3, 1, 'service.waiting', '等候时间', 'Waiting time', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
 (4, NULL, 'product', '产品问题', 'Product', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
 (5, 4, 'product.fees', '收费与价格', 'Fees and pricing', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
 (6, 4, 'product.quality', '质量与故障', 'Quality and defects', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
 (7, 4, 'product.mis_selling', '销售误导', 'Mis-selling', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
 (8, NULL, 'process', '业务流程', 'Process', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
 (9, NULL, 'privacy', '隐私与信息安全', 'Privacy', 4, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
 (10, NULL, 'other', '其他', 'Other', 9, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

-- Complaint tickets (《客户投诉处理表》) with process state, SLA clocks and the
-- columns complaint analytics read. Warn/breach columns are set once by the
-- SLA job's claimed UPDATEs.
CREATE TABLE tickets (
    id                       INTEGER PRIMARY KEY,
    number                   TEXT NOT NULL UNIQUE,
    status                   TEXT NOT NULL CHECK (status IN ('registered','confirmed','routed','handled','fed_back','closed','merged')),
    channel                  TEXT NOT NULL CHECK (channel IN ('phone','walk_in','letter','email','web_form','social_media','regulator','survey')),
    category_id              INTEGER REFERENCES ticket_categories(id),
    severity                 TEXT NOT NULL CHECK (severity IN ('low','medium','high','critical')),
    subject                  TEXT NOT NULL,
    description              TEXT NOT NULL,
    demand                   TEXT NOT NULL DEFAULT '',
    contact_name             TEXT NOT NULL DEFAULT '',
    contact_phone            TEXT NOT NULL DEFAULT '',
    customer_id              INTEGER REFERENCES customers(id),
    holding_id               INTEGER, -- no FK: deleting a holding keeps the complaint
    org_unit_id              INTEGER REFERENCES org_units(id),
    assignee_id              INTEGER REFERENCES users(id),
    received_at              TIMESTAMP NOT NULL,
    resolution               TEXT NOT NULL DEFAULT '',
    root_cause               TEXT NOT NULL DEFAULT '',
    feedback                 TEXT NOT NULL DEFAULT '',
    feedback_channel         TEXT NOT NULL DEFAULT '',
    opinion                  TEXT NOT NULL DEFAULT '',
    satisfaction             INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    first_contact_resolution INTEGER NOT NULL DEFAULT 0,
    close_reason             TEXT NOT NULL DEFAULT '',
    reopen_count             INTEGER NOT NULL DEFAULT 0,
    merged_into_id           INTEGER REFERENCES tickets(id),
    source_survey_answer_id  INTEGER UNIQUE,
    created_by               INTEGER REFERENCES users(id),
    confirmed_by             INTEGER REFERENCES users(id),
    confirmed_at             TIMESTAMP,
    first_response_at        TIMESTAMP,
    resolved_at              TIMESTAMP,
    closed_at                TIMESTAMP,
    first_response_due_at    TIMESTAMP,
    first_response_warn_at   TIMESTAMP,
    resolution_due_at        TIMESTAMP,
    resolution_warn_at       TIMESTAMP,
    escalation_level         INTEGER NOT NULL DEFAULT 1,
    next_escalation_at       TIMESTAMP,
    ombudsman_due_at         TIMESTAMP,
    ombudsman_notice_at      TIMESTAMP,
    fr_warned_at             TIMESTAMP,
    fr_breached_at           TIMESTAMP,
    res_warned_at            TIMESTAMP,
    res_breached_at          TIMESTAMP,
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL,
    version                  INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tickets_customer ON tickets(customer_id, id);
CREATE INDEX tickets_status ON tickets(status, id);
CREATE INDEX tickets_category ON tickets(category_id, id);
CREATE INDEX tickets_severity ON tickets(severity, id);
CREATE INDEX tickets_unit ON tickets(org_unit_id, id);
CREATE INDEX tickets_assignee ON tickets(assignee_id, id);
CREATE INDEX tickets_created_by ON tickets(created_by, id);
CREATE INDEX tickets_received ON tickets(received_at, id);
CREATE INDEX tickets_closed ON tickets(closed_at);
CREATE INDEX tickets_open_due ON tickets(resolution_due_at, id) WHERE resolved_at IS NULL AND status NOT IN ('closed','merged');
-- One partial index per SLA check: the job reads only what is still pending.
CREATE INDEX tickets_sla_fr_warn ON tickets(first_response_warn_at) WHERE fr_warned_at IS NULL AND first_response_at IS NULL;
CREATE INDEX tickets_sla_fr_breach ON tickets(first_response_due_at) WHERE fr_breached_at IS NULL AND first_response_at IS NULL;
CREATE INDEX tickets_sla_res_warn ON tickets(resolution_warn_at) WHERE res_warned_at IS NULL AND resolved_at IS NULL;
CREATE INDEX tickets_sla_res_breach ON tickets(resolution_due_at) WHERE res_breached_at IS NULL AND resolved_at IS NULL;
CREATE INDEX tickets_sla_escalate ON tickets(next_escalation_at) WHERE resolved_at IS NULL;
CREATE INDEX tickets_sla_ombudsman ON tickets(ombudsman_due_at) WHERE ombudsman_notice_at IS NULL;

-- Every step of a ticket: who, when, from which status to which.
CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    at          TIMESTAMP NOT NULL,
    actor_id    INTEGER REFERENCES users(id),
    actor_name  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);

-- Rectification notices (问题整改通知单) to a responsible unit.
CREATE TABLE rectification_notices (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets(id),
    org_unit_id  INTEGER NOT NULL REFERENCES org_units(id),
    problem      TEXT NOT NULL,
    requirement  TEXT NOT NULL DEFAULT '',
    deadline     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('issued','responded','verified','rejected')),
    response     TEXT NOT NULL DEFAULT '',
    responded_at TIMESTAMP,
    verify_note  TEXT NOT NULL DEFAULT '',
    verified_at  TIMESTAMP,
    created_by   INTEGER REFERENCES users(id),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX rectification_notices_ticket ON rectification_notices(ticket_id, id);
CREATE INDEX rectification_notices_unit ON rectification_notices(org_unit_id, status);

-- SLA policies by category (0: any) and severity ('': any).
CREATE TABLE sla_policies (
    id                  INTEGER PRIMARY KEY,
    category_id         INTEGER NOT NULL DEFAULT 0,
    severity            TEXT NOT NULL DEFAULT '' CHECK (severity IN ('','low','medium','high','critical')),
    first_response      INTEGER NOT NULL,
    first_response_unit TEXT NOT NULL CHECK (first_response_unit IN ('hours','days')),
    resolution          INTEGER NOT NULL,
    resolution_unit     TEXT NOT NULL CHECK (resolution_unit IN ('hours','days')),
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    UNIQUE (category_id, severity)
);

-- Warnings and breaches, once per ticket, check and reopen cycle.
CREATE TABLE ticket_sla_events (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    kind      TEXT NOT NULL CHECK (kind IN ('first_response_warning','first_response_breach','resolution_warning','resolution_breach','ombudsman')),
    cycle     INTEGER NOT NULL DEFAULT 0,
    due_at    TIMESTAMP,
    at        TIMESTAMP NOT NULL,
    UNIQUE (ticket_id, kind, cycle)
);
CREATE INDEX ticket_sla_events_at ON ticket_sla_events(at);

-- Escalations, once per ticket, cycle and level.
CREATE TABLE ticket_escalations (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    cycle     INTEGER NOT NULL DEFAULT 0,
    level     INTEGER NOT NULL,
    due_at    TIMESTAMP,
    at        TIMESTAMP NOT NULL,
    UNIQUE (ticket_id, cycle, level)
);

-- Later years of the business calendar, entered by an admin in the text
-- format of the calendar package.
CREATE TABLE calendar_notices (
    year       INTEGER PRIMARY KEY,
    source     TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    updated_by INTEGER REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL
);

-- Working hours per org unit; units without a row inherit their ancestor's.
CREATE TABLE org_working_hours (
    org_unit_id INTEGER PRIMARY KEY REFERENCES org_units(id),
    hours       TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    updated_at  TIMESTAMP NOT NULL
);

-- In-app notifications. dedupe makes a job's notice idempotent per user.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL,
    ticket_id  INTEGER REFERENCES tickets(id),
    args       TEXT NOT NULL DEFAULT '{}',
    dedupe     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id, id) WHERE read_at IS NULL;
CREATE UNIQUE INDEX notifications_dedupe ON notifications(user_id, dedupe) WHERE dedupe <> '';

-- +goose Down
DROP TABLE notifications;
DROP TABLE org_working_hours;
DROP TABLE calendar_notices;
DROP TABLE ticket_escalations;
DROP TABLE ticket_sla_events;
DROP TABLE sla_policies;
DROP TABLE rectification_notices;
DROP TABLE ticket_events;
DROP TABLE tickets;
DROP TABLE ticket_categories;
