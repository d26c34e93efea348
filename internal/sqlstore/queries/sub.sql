-- name: contact-list
SELECT id, customer_id, name, title, mobile, phone, email, wechat, is_primary, notes, version, created_at, updated_at
FROM contacts WHERE customer_id = ? ORDER BY is_primary DESC, id

-- name: contact-get
SELECT id, customer_id, name, title, mobile, phone, email, wechat, is_primary, notes, version, created_at, updated_at
FROM contacts WHERE customer_id = ? AND id = ?

-- name: contact-insert
INSERT INTO contacts (customer_id, name, title, mobile, phone, email, wechat, is_primary, notes, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id

-- name: contact-update
UPDATE contacts SET name = ?, title = ?, mobile = ?, phone = ?, email = ?, wechat = ?, is_primary = ?,
    notes = ?, updated_at = ?, version = version + 1
WHERE customer_id = ? AND id = ? AND version = ?

-- name: contact-delete
DELETE FROM contacts WHERE customer_id = ? AND id = ? AND version = ?

-- name: holding-list
SELECT id, customer_id, kind, name, reference, model, amount_minor, balance_minor, currency, opened_on,
    due_on, status, attrs, version, created_at, updated_at
FROM holdings WHERE customer_id = ? ORDER BY id

-- name: holding-get
SELECT id, customer_id, kind, name, reference, model, amount_minor, balance_minor, currency, opened_on,
    due_on, status, attrs, version, created_at, updated_at
FROM holdings WHERE customer_id = ? AND id = ?

-- name: holding-insert
INSERT INTO holdings (customer_id, kind, name, reference, model, amount_minor, balance_minor, currency,
    opened_on, due_on, status, attrs, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id

-- name: holding-update
UPDATE holdings SET kind = ?, name = ?, reference = ?, model = ?, amount_minor = ?, balance_minor = ?,
    currency = ?, opened_on = ?, due_on = ?, status = ?, attrs = ?, updated_at = ?, version = version + 1
WHERE customer_id = ? AND id = ? AND version = ?

-- name: holding-delete
DELETE FROM holdings WHERE customer_id = ? AND id = ? AND version = ?

-- name: holding-unlink-transactions
UPDATE transactions SET holding_id = NULL WHERE holding_id = ?

-- name: transaction-list
SELECT id, customer_id, holding_id, kind, amount_minor, currency, occurred_at, description, created_by,
    created_at, version
FROM transactions WHERE customer_id = ? ORDER BY occurred_at DESC, id DESC LIMIT /*limit*/

-- name: transaction-insert
INSERT INTO transactions (customer_id, holding_id, kind, amount_minor, currency, occurred_at, description,
    created_by, created_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id

-- name: holding-owned
SELECT id FROM holdings WHERE customer_id = ? AND id = ?

-- name: interaction-list
SELECT i.id, i.customer_id, i.channel, i.direction, i.occurred_at, i.summary, i.outcome, i.next_action,
    i.next_action_on, i.purpose, i.task_id, i.staff_id, COALESCE(u.name, '') AS staff_name, i.version, i.created_at
FROM interactions i LEFT JOIN users u ON u.id = i.staff_id
WHERE i.customer_id = ? ORDER BY i.occurred_at DESC, i.id DESC LIMIT /*limit*/

-- name: interaction-insert
INSERT INTO interactions (customer_id, channel, direction, occurred_at, summary, outcome, next_action,
    next_action_on, purpose, staff_id, version, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING id
