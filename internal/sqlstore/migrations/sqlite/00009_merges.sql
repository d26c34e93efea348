-- +goose Up
-- A merge joins two customers that are the same person or company: every
-- row of the merged customer moves to the survivor, the merged row is
-- deleted (so its unique mobile and ID number can move too) and this record
-- keeps what it was. survivor_id follows later merges of the survivor, so a
-- survivor's history reaches every customer merged into it; merged_into is
-- the survivor at the time.
CREATE TABLE customer_merges (
    id            INTEGER PRIMARY KEY,
    survivor_id   INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    merged_into   INTEGER NOT NULL,
    merged_id     INTEGER NOT NULL,
    merged_number TEXT NOT NULL,
    merged_name   TEXT NOT NULL,
    snapshot      TEXT NOT NULL DEFAULT '{}',
    chosen        TEXT NOT NULL DEFAULT '{}',
    moved         TEXT NOT NULL DEFAULT '{}',
    by_user       INTEGER REFERENCES users(id),
    at            TIMESTAMP NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX customer_merges_survivor ON customer_merges(survivor_id, id);
CREATE INDEX customer_merges_merged ON customer_merges(merged_id);

-- The duplicate rules look customers up by landline and by a contact's
-- mobile; partial, since most rows have neither.
CREATE INDEX customers_phone ON customers(phone) WHERE phone <> '';
CREATE INDEX contacts_mobile ON contacts(mobile) WHERE mobile <> '';

-- +goose Down
DROP INDEX contacts_mobile;
DROP INDEX customers_phone;
DROP TABLE customer_merges;
