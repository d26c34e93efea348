-- +goose Up
-- Encryption at rest (TESTPLAN D10). id_number now holds a sealed value
-- (internal/fieldcrypt); equality, uniqueness and the duplicate rule read
-- blind indexes instead: id_number_bidx of the exact number, id_key_bidx
-- of its duplicate key (customer.IDKey). Rows written before this
-- migration are sealed by the store at start (SealPlaintext), batch by
-- batch, before the server serves.
ALTER TABLE customers ADD COLUMN id_number_bidx TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN id_key_bidx TEXT NOT NULL DEFAULT '';
DROP INDEX customers_id_number;
CREATE UNIQUE INDEX customers_id_number_bidx ON customers(id_number_bidx) WHERE id_number_bidx <> '';
CREATE INDEX customers_id_key_bidx ON customers(id_key_bidx) WHERE id_key_bidx <> '';

-- The keys values are sealed with, by fingerprint (never the key): a key
-- file that lacks one of them, or a different blind key (id 0), is
-- refused at start instead of failing on the first sealed read.
CREATE TABLE data_keys (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- Sealed columns whose rows written before this migration still await
-- sealing; the store deletes a column's row when its pass completes, so a
-- start-up after that costs one tiny read.
CREATE TABLE seal_pending (name TEXT PRIMARY KEY);
INSERT INTO seal_pending (name) VALUES ('customers.id_number'), ('user_mfa.secret');

-- +goose Down
DROP TABLE seal_pending;
DROP TABLE data_keys;
DROP INDEX customers_id_key_bidx;
DROP INDEX customers_id_number_bidx;
CREATE UNIQUE INDEX customers_id_number ON customers(id_number) WHERE id_number <> '';
ALTER TABLE customers DROP COLUMN id_key_bidx;
ALTER TABLE customers DROP COLUMN id_number_bidx;
