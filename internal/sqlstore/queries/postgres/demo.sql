-- Identity sequences do not move when rows are inserted with explicit ids;
-- point each at the row after the largest id so normal inserts continue.
-- name: demo-sync-ids
SELECT setval(pg_get_serial_sequence('org_units', 'id'), COALESCE((SELECT MAX(id) FROM org_units), 0) + 1, false),
    setval(pg_get_serial_sequence('users', 'id'), COALESCE((SELECT MAX(id) FROM users), 0) + 1, false),
    setval(pg_get_serial_sequence('customers', 'id'), COALESCE((SELECT MAX(id) FROM customers), 0) + 1, false),
    setval(pg_get_serial_sequence('contacts', 'id'), COALESCE((SELECT MAX(id) FROM contacts), 0) + 1, false),
    setval(pg_get_serial_sequence('holdings', 'id'), COALESCE((SELECT MAX(id) FROM holdings), 0) + 1, false),
    setval(pg_get_serial_sequence('transactions', 'id'), COALESCE((SELECT MAX(id) FROM transactions), 0) + 1, false),
    setval(pg_get_serial_sequence('interactions', 'id'), COALESCE((SELECT MAX(id) FROM interactions), 0) + 1, false)

-- Secondary indexes of the tables the loader fills (not those behind a
-- primary key or unique constraint): dropped for the load and re-created
-- from these definitions at the end, which sorts once instead of
-- maintaining them row by row.
-- name: demo-indexes
SELECT i.indexname AS name, i.indexdef AS sql FROM pg_indexes i
WHERE i.schemaname = current_schema()
  AND i.tablename IN ('customers', 'customer_tags', 'customer_tokens', 'contacts', 'holdings', 'transactions', 'interactions')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.connamespace = current_schema()::regnamespace)
ORDER BY i.indexname
