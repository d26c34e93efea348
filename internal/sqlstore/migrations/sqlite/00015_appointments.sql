-- +goose Up
-- Appointments (预约, M7). Kinds carry the default length and reminder
-- offsets (minutes before the start); resources carry opening hours per
-- weekday, the slot length and the seats per slot. An appointment holds a
-- seat in every slot it overlaps while booked, confirmed or arrived; the
-- booking transaction locks the resource row before counting.
CREATE TABLE appointment_kinds (
    id               INTEGER PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    name_zh          TEXT NOT NULL,
    name_en          TEXT NOT NULL DEFAULT '',
    duration_minutes INTEGER NOT NULL DEFAULT 60,
    reminder_offsets TEXT NOT NULL DEFAULT '1440,120',
    active           INTEGER NOT NULL DEFAULT 1,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
INSERT INTO appointment_kinds (code, name_zh, name_en, duration_minutes, created_at, updated_at) VALUES
    ('maintenance', '保养', 'Maintenance', 60, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('repair', '维修', 'Repair', 120, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('test_drive', '试驾', 'Test drive', 30, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('account_opening', '开户', 'Account opening', 30, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('visit', '拜访', 'Visit', 60, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('other', '其他', 'Other', 30, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

CREATE TABLE appointment_resources (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('bay','desk','staff')),
    org_unit_id  INTEGER REFERENCES org_units(id),
    user_id      INTEGER REFERENCES users(id),
    hours        TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL DEFAULT 30,
    capacity     INTEGER NOT NULL DEFAULT 1 CHECK (capacity >= 1),
    active       INTEGER NOT NULL DEFAULT 1,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

-- source_task_id is the care task it was booked from; prep_task_id the
-- task on the appointment day for the owner or the assigned staff member.
CREATE TABLE appointments (
    id             INTEGER PRIMARY KEY,
    customer_id    INTEGER NOT NULL REFERENCES customers(id),
    kind_id        INTEGER NOT NULL REFERENCES appointment_kinds(id),
    resource_id    INTEGER NOT NULL REFERENCES appointment_resources(id),
    staff_id       INTEGER REFERENCES users(id),
    starts_at      TIMESTAMP NOT NULL,
    ends_at        TIMESTAMP NOT NULL,
    status         TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked','confirmed','arrived','no_show','cancelled')),
    priority       INTEGER NOT NULL DEFAULT 1,
    note           TEXT NOT NULL DEFAULT '',
    cancel_reason  TEXT NOT NULL DEFAULT '',
    gift_given     INTEGER NOT NULL DEFAULT 0,
    arrive_note    TEXT NOT NULL DEFAULT '',
    arrived_at     TIMESTAMP,
    confirmed_at   TIMESTAMP,
    reschedules    INTEGER NOT NULL DEFAULT 0,
    source_task_id INTEGER REFERENCES tasks(id),
    prep_task_id   INTEGER REFERENCES tasks(id),
    created_by     INTEGER REFERENCES users(id),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX appointments_resource ON appointments(resource_id, starts_at);
CREATE INDEX appointments_customer ON appointments(customer_id, starts_at);
CREATE INDEX appointments_starts ON appointments(starts_at);
CREATE INDEX appointments_open ON appointments(starts_at) WHERE status IN ('booked','confirmed');

-- +goose Down
DROP TABLE appointments;
DROP TABLE appointment_resources;
DROP TABLE appointment_kinds;
