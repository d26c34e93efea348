-- A bulk load touches far more index pages than the default 2 MiB page
-- cache holds; a larger cache on the writer for the load's duration avoids
-- re-reading them from disk, and a helper thread speeds up the sorts that
-- build the indexes at the end. demo-load-end restores SQLite's defaults.

-- name: demo-load-begin
PRAGMA cache_size = -262144;
PRAGMA threads = 2

-- name: demo-load-end
PRAGMA cache_size = -2000;
PRAGMA threads = 0

-- Rows are appended in id order, but secondary indexes (name, ID number,
-- mobile, search tokens...) receive them all over their key space, so each
-- batch would rewrite most of their pages through the WAL: quadratic in the
-- load size. The loader drops the secondary indexes of the tables it fills,
-- re-creating them from their own stored definitions at the end (a sort
-- instead of row-by-row maintenance). Search tokens (~40 per customer) are
-- staged as one JSON array per customer in an unindexed temporary table and
-- moved over once, exploded and in key order: one bound row per customer
-- instead of forty.
-- name: demo-indexes
SELECT name, sql FROM sqlite_master
WHERE type = 'index' AND sql IS NOT NULL
  AND tbl_name IN ('customers', 'customer_tags', 'customer_tokens', 'contacts', 'holdings', 'transactions', 'interactions')
ORDER BY name

-- name: demo-tokens-stage
CREATE TEMP TABLE IF NOT EXISTS demo_tokens (customer_id INTEGER NOT NULL, tokens TEXT NOT NULL)

-- name: demo-insert-tokens
INSERT INTO demo_tokens (customer_id, tokens) VALUES (?, ?)

-- name: demo-tokens-flush
INSERT INTO customer_tokens (token, customer_id)
SELECT j.value, d.customer_id FROM temp.demo_tokens d, json_each(d.tokens) j
ORDER BY 1, 2

-- name: demo-tokens-unstage
DROP TABLE IF EXISTS temp.demo_tokens
