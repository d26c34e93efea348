-- +goose Up
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE sequences (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE org_units (
    id         INTEGER PRIMARY KEY,
    parent_id  INTEGER REFERENCES org_units(id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('head_office','branch','sub_branch','department','team')),
    path       TEXT NOT NULL DEFAULT '',
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX org_units_parent ON org_units(parent_id);
CREATE INDEX org_units_path ON org_units(path);

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    email               TEXT NOT NULL DEFAULT '',
    role                TEXT NOT NULL CHECK (role IN ('admin','manager','agent','credit','auditor')),
    org_unit_id         INTEGER NOT NULL REFERENCES org_units(id),
    password_hash       TEXT NOT NULL,
    password_changed_at TIMESTAMP NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    disabled            INTEGER NOT NULL DEFAULT 0,
    lang                TEXT NOT NULL DEFAULT 'zh-CN',
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX users_org ON users(org_unit_id);

CREATE TABLE password_history (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    hash       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);

CREATE TABLE login_attempts (
    id       INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    addr     TEXT NOT NULL DEFAULT '',
    ok       INTEGER NOT NULL,
    at       TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts(username, at);

CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expiry);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE custom_field_defs (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    label_zh   TEXT NOT NULL,
    label_en   TEXT NOT NULL,
    type       TEXT NOT NULL CHECK (type IN ('text','number','date','choice','multi')),
    options    TEXT NOT NULL DEFAULT '[]',
    required   INTEGER NOT NULL DEFAULT 0,
    position   INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE customers (
    id              INTEGER PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('person','org')),
    name            TEXT NOT NULL,
    name_pinyin     TEXT NOT NULL DEFAULT '',
    gender          TEXT NOT NULL DEFAULT '' CHECK (gender IN ('','male','female')),
    birthday        TEXT NOT NULL DEFAULT '',
    lunar_birthday  INTEGER NOT NULL DEFAULT 0,
    id_type         TEXT NOT NULL DEFAULT '' CHECK (id_type IN ('','resident_id','uscc','passport','other')),
    id_number       TEXT NOT NULL DEFAULT '',
    mobile          TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    wechat          TEXT NOT NULL DEFAULT '',
    province        TEXT NOT NULL DEFAULT '',
    city            TEXT NOT NULL DEFAULT '',
    district        TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL DEFAULT '',
    market          TEXT NOT NULL DEFAULT '' CHECK (market IN ('','agri','corporate','personal')),
    industry        TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL DEFAULT '',
    stage           TEXT NOT NULL DEFAULT 'prospect' CHECK (stage IN ('prospect','customer','dormant','lost')),
    grade           TEXT NOT NULL DEFAULT '',
    custom          TEXT NOT NULL DEFAULT '{}',
    consent         TEXT NOT NULL DEFAULT '{}',
    notes           TEXT NOT NULL DEFAULT '',
    owner_id        INTEGER NOT NULL REFERENCES users(id),
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    last_contact_at TIMESTAMP,
    deleted_at      TIMESTAMP,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX customers_id_number ON customers(id_number) WHERE id_number <> '';
CREATE UNIQUE INDEX customers_mobile ON customers(mobile) WHERE mobile <> '';
CREATE INDEX customers_owner ON customers(owner_id, id);
CREATE INDEX customers_stage ON customers(stage, id);
CREATE INDEX customers_created ON customers(created_at, id);
CREATE INDEX customers_updated ON customers(updated_at, id);
CREATE INDEX customers_last_contact ON customers(last_contact_at, id);
CREATE INDEX customers_region ON customers(province, city, district);
CREATE INDEX customers_market ON customers(market, industry);
CREATE INDEX customers_name ON customers(name, id);

CREATE TABLE customer_tags (
    tag         TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    PRIMARY KEY (tag, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_tags_customer ON customer_tags(customer_id);

-- Search tokens made in Go: n: unigrams/bigrams, p: pinyin, i: initials,
-- m: phones and their last four digits, x: id and customer numbers.
CREATE TABLE customer_tokens (
    token       TEXT NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (token, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_tokens_customer ON customer_tokens(customer_id);

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    name        TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    mobile      TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    wechat      TEXT NOT NULL DEFAULT '',
    is_primary  INTEGER NOT NULL DEFAULT 0,
    notes       TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX contacts_customer ON contacts(customer_id, id);

CREATE TABLE holdings (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers(id),
    kind          TEXT NOT NULL CHECK (kind IN ('vehicle','loan','deposit','subscription','property','policy','other')),
    name          TEXT NOT NULL DEFAULT '',
    reference     TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL DEFAULT '',
    amount_minor  INTEGER NOT NULL DEFAULT 0,
    balance_minor INTEGER NOT NULL DEFAULT 0,
    currency      TEXT NOT NULL DEFAULT 'CNY',
    opened_on     TEXT NOT NULL DEFAULT '',
    due_on        TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT '',
    attrs         TEXT NOT NULL DEFAULT '{}',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX holdings_customer ON holdings(customer_id, id);
CREATE INDEX holdings_kind_model ON holdings(kind, model);
CREATE INDEX holdings_kind_status ON holdings(kind, status);

CREATE TABLE transactions (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    holding_id   INTEGER REFERENCES holdings(id),
    kind         TEXT NOT NULL CHECK (kind IN ('purchase','service','payment','deposit','withdrawal','repayment','return','discount','other')),
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL DEFAULT 'CNY',
    occurred_at  TIMESTAMP NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    created_by   INTEGER REFERENCES users(id),
    created_at   TIMESTAMP NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX transactions_customer ON transactions(customer_id, occurred_at);

CREATE TABLE interactions (
    id             INTEGER PRIMARY KEY,
    customer_id    INTEGER NOT NULL REFERENCES customers(id),
    channel        TEXT NOT NULL CHECK (channel IN ('phone','sms','email','wechat','visit','store_visit','letter','other')),
    direction      TEXT NOT NULL DEFAULT 'out' CHECK (direction IN ('in','out')),
    occurred_at    TIMESTAMP NOT NULL,
    summary        TEXT NOT NULL,
    outcome        TEXT NOT NULL DEFAULT '',
    next_action    TEXT NOT NULL DEFAULT '',
    next_action_on TEXT NOT NULL DEFAULT '',
    staff_id       INTEGER REFERENCES users(id),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX interactions_customer ON interactions(customer_id, occurred_at);

CREATE TABLE customer_transfers (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    from_owner  INTEGER NOT NULL REFERENCES users(id),
    to_owner    INTEGER NOT NULL REFERENCES users(id),
    reason      TEXT NOT NULL,
    by_user     INTEGER REFERENCES users(id),
    at          TIMESTAMP NOT NULL
);
CREATE INDEX customer_transfers_customer ON customer_transfers(customer_id, id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE,
    at          TIMESTAMP NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT NOT NULL DEFAULT '',
    addr        TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id   INTEGER,
    customer_id INTEGER,
    outcome     TEXT NOT NULL DEFAULT 'ok',
    detail      TEXT NOT NULL DEFAULT '{}',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, seq);
CREATE INDEX audit_log_customer ON audit_log(customer_id, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- +goose StatementEnd

-- One row holding the chain's head, so each append reads and moves it in the
-- writer's transaction.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL,
    key          TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    body_hash    TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    headers      TEXT NOT NULL DEFAULT '{}',
    body         BLOB,
    created_at   TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE customer_transfers;
DROP TABLE interactions;
DROP TABLE transactions;
DROP TABLE holdings;
DROP TABLE contacts;
DROP TABLE customer_tokens;
DROP TABLE customer_tags;
DROP TABLE customers;
DROP TABLE custom_field_defs;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE login_attempts;
DROP TABLE password_history;
DROP TABLE users;
DROP TABLE org_units;
DROP TABLE sequences;
DROP TABLE settings;
