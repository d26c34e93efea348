-- +goose Up
-- Survey templates (回访问卷). The owning org unit decides who edits (its
-- managers and above) and who sends it (its staff and below).
CREATE TABLE survey_templates (
    id          INTEGER PRIMARY KEY,
    org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','archived')),
    revision    INTEGER NOT NULL DEFAULT 1,
    created_by  INTEGER REFERENCES users(id),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX survey_templates_unit ON survey_templates(org_unit_id);

-- Versions of a template's items (JSON). A version is edited in place until
-- a request uses it; after that an edit makes the next revision, so every
-- answer keeps the questions it answered.
CREATE TABLE survey_template_versions (
    id          INTEGER PRIMARY KEY,
    template_id INTEGER NOT NULL REFERENCES survey_templates(id),
    revision    INTEGER NOT NULL,
    items       TEXT NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (template_id, revision)
);

-- Requests: one survey sent to one customer, by link or phone. Only the
-- SHA-256 of a link token is stored. answer_id is set once, when answered.
CREATE TABLE survey_requests (
    id                  INTEGER PRIMARY KEY,
    customer_id         INTEGER NOT NULL REFERENCES customers(id),
    template_id         INTEGER NOT NULL REFERENCES survey_templates(id),
    template_version_id INTEGER NOT NULL REFERENCES survey_template_versions(id),
    channel             TEXT NOT NULL CHECK (channel IN ('link','phone')),
    token_hash          TEXT UNIQUE,
    expires_at          TIMESTAMP,
    created_by          INTEGER REFERENCES users(id),
    org_unit_id         INTEGER REFERENCES org_units(id),
    created_at          TIMESTAMP NOT NULL,
    answered_at         TIMESTAMP,
    answer_id           INTEGER,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX survey_requests_customer ON survey_requests(customer_id, id);
CREATE INDEX survey_requests_created ON survey_requests(created_at);

-- Answers: at most one per request (UNIQUE request_id makes a replayed
-- submission fail instead of counting twice). score is the lowest item score
-- normalised to 0–100; low answers carry the complaint they opened.
CREATE TABLE survey_answers (
    id                  INTEGER PRIMARY KEY,
    request_id          INTEGER NOT NULL UNIQUE REFERENCES survey_requests(id),
    customer_id         INTEGER NOT NULL REFERENCES customers(id),
    template_id         INTEGER NOT NULL REFERENCES survey_templates(id),
    template_version_id INTEGER NOT NULL REFERENCES survey_template_versions(id),
    channel             TEXT NOT NULL CHECK (channel IN ('link','phone')),
    staff_id            INTEGER REFERENCES users(id),
    org_unit_id         INTEGER REFERENCES org_units(id),
    comment             TEXT NOT NULL DEFAULT '',
    score               REAL,
    low                 INTEGER NOT NULL DEFAULT 0,
    ticket_id           INTEGER,
    ticket_number       TEXT NOT NULL DEFAULT '',
    answered_at         TIMESTAMP NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX survey_answers_customer ON survey_answers(customer_id, id);
CREATE INDEX survey_answers_answered ON survey_answers(answered_at);
CREATE INDEX survey_answers_pending ON survey_answers(answered_at) WHERE low = 1 AND ticket_id IS NULL;

-- One row per answered item; satisfied and nps_class are derived when the
-- answer is submitted (rules in internal/survey/score.go).
CREATE TABLE survey_answer_items (
    answer_id INTEGER NOT NULL REFERENCES survey_answers(id),
    item_key  TEXT NOT NULL,
    item_type TEXT NOT NULL CHECK (item_type IN ('scale_5','scale_10','nps','yes_no','choice','text')),
    score     INTEGER,
    value     TEXT NOT NULL DEFAULT '',
    satisfied INTEGER,
    nps_class INTEGER,
    PRIMARY KEY (answer_id, item_key)
);

-- +goose Down
DROP TABLE survey_answer_items;
DROP TABLE survey_answers;
DROP TABLE survey_requests;
DROP TABLE survey_template_versions;
DROP TABLE survey_templates;
