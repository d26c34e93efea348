-- +goose Up
-- Renewal tracking (SUB-*). A holding with a due date (subscription,
-- contract, policy…) is decided once per due period: renewed (fee, new due
-- date, which moves the holding's due_on) or lapsed (a reason code). The
-- unique (holding_id, due_on) index is what makes "decided once" hold
-- under races. Reason codes are configurable; the defaults are SUB-02's.
CREATE TABLE renewal_reasons (
    code       TEXT PRIMARY KEY,
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,
    active     INTEGER NOT NULL DEFAULT 1,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO renewal_reasons (code, name_zh, name_en, position, created_at, updated_at) VALUES
    ('server_unstable', '服务器不稳定、故障多', 'Server unstable, frequent failures', 10, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('lost_popularity', '网吧人气不好、老玩家流失、玩别的平台', 'Lost popularity, old players left or moved to other platforms', 20, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('too_expensive', '费用太贵', 'Fees too expensive', 30, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('poor_service', '我们的服务不好', 'Our service was poor', 40, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('own_reasons', '网吧自身原因（装修、闭业等）', 'The customer''s own reasons (renovation, closure…)', 50, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('other', '其他', 'Other', 60, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

CREATE TABLE renewals (
    id          INTEGER PRIMARY KEY,
    holding_id  INTEGER NOT NULL REFERENCES holdings(id) ON DELETE CASCADE,
    due_on      TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('renewed','lapsed')),
    fee_minor   INTEGER NOT NULL DEFAULT 0 CHECK (fee_minor >= 0),
    currency    TEXT NOT NULL DEFAULT 'CNY',
    new_due_on  TEXT NOT NULL DEFAULT '',
    reason_code TEXT REFERENCES renewal_reasons(code),
    note        TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES users(id),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CHECK (outcome = 'renewed' OR reason_code IS NOT NULL)
);
CREATE UNIQUE INDEX renewals_period ON renewals(holding_id, due_on);
CREATE INDEX renewals_due ON renewals(due_on);
CREATE INDEX holdings_due ON holdings(due_on);

-- +goose Down
DROP INDEX holdings_due;
DROP TABLE renewals;
DROP TABLE renewal_reasons;
