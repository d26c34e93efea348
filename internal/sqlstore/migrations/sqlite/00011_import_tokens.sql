-- +goose Up
-- Search tokens of customers a large import created, staged one row per
-- customer (a JSON array) while the import writes, and moved into
-- customer_tokens in key order when it has written every row: 43 random-key
-- inserts per customer into the token index were most of an import's cost.
-- A flush step moves a range of customers and deletes their staged rows in
-- one transaction, so a resumed flush never moves a row twice. Insert and
-- delete only (no version).
CREATE TABLE import_tokens (
    import_id   INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL,
    tokens      TEXT NOT NULL,
    PRIMARY KEY (import_id, customer_id)
);

-- +goose Down
DROP TABLE import_tokens;
