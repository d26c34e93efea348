-- name: import-cache
-- An import batch inserts into every index of customers and the search
-- tokens at keys spread over their whole range: 64 MiB of page cache on the
-- single writer keeps their interior pages in memory between batches
-- instead of re-reading them through the OS (the default is 2 MiB).
-- The cache survives between batches on the one writer connection (that is
-- the point); import-cache-reset gives it SQLite's default back when the
-- import ends (done, failed, cancelled or undone).
PRAGMA cache_size = -65536

-- name: import-cache-reset
PRAGMA cache_size = -2000

-- name: import-tokens-flush
-- A flush step: the staged tokens of customers up to the given id exploded and
-- inserted in key order, so each index page is written once per step
-- instead of once per batch. ON CONFLICT keeps a repeated step harmless.
INSERT INTO customer_tokens (token, customer_id)
SELECT j.value, t.customer_id FROM import_tokens t, json_each(t.tokens) j
WHERE t.import_id = ? AND t.customer_id <= ?
ORDER BY 1, 2
ON CONFLICT DO NOTHING
