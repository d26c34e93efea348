-- Demo data loader (demo_load.go). The insert templates name each table's
-- columns; the loader sends many rows per statement (SQLite) or COPYs them
-- (PostgreSQL), so the placeholders here only document the shape.

-- name: demo-any-customer
SELECT COUNT(*) FROM (SELECT 1 FROM customers LIMIT 1) x

-- name: demo-max-unit
SELECT COALESCE(MAX(id), 0) FROM org_units

-- name: demo-max-user
SELECT COALESCE(MAX(id), 0) FROM users

-- name: demo-usernames
SELECT username FROM users

-- name: demo-insert-org-units
INSERT INTO org_units (id, parent_id, name, kind, path, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- name: demo-insert-users
INSERT INTO users (id, username, name, email, role, org_unit_id, password_hash, password_changed_at,
    must_change_password, disabled, lang, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: demo-insert-customers
INSERT INTO customers (id, number, kind, name, name_pinyin, gender, birthday, lunar_birthday,
    id_type, id_number, id_number_bidx, id_key_bidx, mobile, phone, email, wechat, province, city, district, address,
    market, industry, source, stage, grade, custom, consent, notes, owner_id, created_by,
    created_at, updated_at, last_contact_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: demo-insert-tags
INSERT INTO customer_tags (tag, customer_id) VALUES (?, ?)

-- name: demo-insert-tokens
INSERT INTO customer_tokens (token, customer_id) VALUES (?, ?)

-- Search tokens go straight into customer_tokens here; SQLite stages them
-- (see queries/sqlite/demo.sql), so these steps do nothing.
-- name: demo-tokens-stage
SELECT 1

-- name: demo-tokens-flush
SELECT 1

-- name: demo-tokens-unstage
SELECT 1

-- name: demo-insert-contacts
INSERT INTO contacts (id, customer_id, name, title, mobile, phone, email, wechat, is_primary, notes,
    version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: demo-insert-holdings
INSERT INTO holdings (id, customer_id, kind, name, reference, model, amount_minor, balance_minor,
    currency, opened_on, due_on, status, attrs, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: demo-insert-transactions
INSERT INTO transactions (id, customer_id, holding_id, kind, amount_minor, currency, occurred_at,
    description, created_by, created_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: demo-insert-interactions
INSERT INTO interactions (id, customer_id, channel, direction, occurred_at, summary, outcome,
    next_action, next_action_on, staff_id, version, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: demo-sequence-set
INSERT INTO sequences (name, value) VALUES (?, ?)
ON CONFLICT (name) DO UPDATE SET value = excluded.value

-- name: demo-sync-ids
-- SQLite's INTEGER PRIMARY KEY continues after the largest id by itself.
SELECT 1

-- name: demo-load-begin
SELECT 1

-- name: demo-load-end
SELECT 1

-- name: demo-indexes
-- Secondary indexes to set aside during the load; see the dialect files.
SELECT '' AS name, '' AS sql WHERE 1 = 0

-- name: demo-index-drop
-- The loader puts a quoted index name read from the catalog (demo-indexes)
-- in place of the braced word.
DROP INDEX {index}
