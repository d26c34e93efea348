-- name: import-ids
-- n new ids for {table} from its identity sequence, so the rows can be
-- COPYed with their ids and without RETURNING.
SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, ?)

-- name: import-tokens-flush
-- A flush step: the staged tokens of customers up to the given id exploded and
-- inserted in key order, so each index page is written once per step
-- instead of once per batch. ON CONFLICT keeps a repeated step harmless.
INSERT INTO customer_tokens (token, customer_id)
SELECT j.value, t.customer_id FROM import_tokens t, jsonb_array_elements_text(t.tokens::jsonb) AS j(value)
WHERE t.import_id = ? AND t.customer_id <= ?
ORDER BY 1, 2
ON CONFLICT DO NOTHING
