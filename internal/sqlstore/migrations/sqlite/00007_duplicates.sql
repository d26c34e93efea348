-- +goose Up
-- Pairs of customers that are probably the same person or company, found by
-- a scan of the whole archive or by an import (on_duplicate = review), for a
-- person to merge or dismiss. A pair is stored once, lower id first.
CREATE TABLE customer_duplicates (
    id          INTEGER PRIMARY KEY,
    a_id        INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    b_id        INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    reason      TEXT NOT NULL CHECK (reason IN ('id_number','mobile','phone','name_birthday','phone_name','import')),
    score       INTEGER NOT NULL DEFAULT 0,
    source      TEXT NOT NULL CHECK (source IN ('scan','import')),
    import_id   INTEGER,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','dismissed','merged')),
    decided_by  INTEGER REFERENCES users(id),
    decided_at  TIMESTAMP,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    CHECK (a_id < b_id)
);
CREATE UNIQUE INDEX customer_duplicates_pair ON customer_duplicates(a_id, b_id);
CREATE INDEX customer_duplicates_b ON customer_duplicates(b_id);
CREATE INDEX customer_duplicates_status ON customer_duplicates(status, id);

-- +goose Down
DROP TABLE customer_duplicates;
