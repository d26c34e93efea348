-- Renewal tracking (internal/renewal). /*scope*/ is replaced by the
-- customer-scope predicate on alias c and is the first placeholder-bearing
-- part of each query that has it.

-- name: renewal-holding
SELECT h.id, h.customer_id, c.name AS customer_name, COALESCE(c.owner_id, 0) AS owner_id,
    COALESCE(u.name, '') AS owner_name, h.kind, h.name, h.amount_minor, h.currency, h.due_on, h.status, h.attrs,
    h.version
FROM holdings h JOIN customers c ON c.id = h.customer_id LEFT JOIN users u ON u.id = c.owner_id
WHERE /*scope*/ AND c.deleted_at IS NULL AND h.id = ?

-- Periods due in the window with no decision yet: the holding's current due date.
-- Both due lists are keyset pages on (period due date, holding id), which
-- is unique across them (a decided period has a record, a pending one
-- none): the window's start is raised to the cursor's date and the last
-- two arguments skip the cursor's date up to its holding ('' and 0 for
-- the first page).
-- name: renewal-due-pending
SELECT h.id, h.customer_id, c.name AS customer_name, COALESCE(c.owner_id, 0) AS owner_id,
    COALESCE(u.name, '') AS owner_name, h.kind, h.name, h.amount_minor, h.currency, h.due_on, h.status, h.attrs,
    h.version, h.due_on AS period_due, NULL AS record_id, '' AS outcome, 0 AS fee_minor, '' AS new_due_on,
    '' AS reason_code, '' AS note, 0 AS record_version
FROM holdings h JOIN customers c ON c.id = h.customer_id LEFT JOIN users u ON u.id = c.owner_id
    LEFT JOIN renewals r ON r.holding_id = h.id AND r.due_on = h.due_on
WHERE /*scope*/ AND c.deleted_at IS NULL AND r.id IS NULL AND h.due_on >= ? AND h.due_on <= ?
    AND h.status NOT IN ('closed', 'sold') AND (? = '' OR h.kind = ?) AND (? = 0 OR c.owner_id = ?)
    AND (h.due_on > ? OR h.id > ?)
ORDER BY h.due_on, h.id LIMIT /*limit*/

-- Decided periods due in the window.
-- name: renewal-due-decided
SELECT h.id, h.customer_id, c.name AS customer_name, COALESCE(c.owner_id, 0) AS owner_id,
    COALESCE(u.name, '') AS owner_name, h.kind, h.name, h.amount_minor, h.currency, h.due_on, h.status, h.attrs,
    h.version, r.due_on AS period_due, r.id AS record_id, r.outcome, r.fee_minor, r.new_due_on,
    COALESCE(r.reason_code, '') AS reason_code, r.note, r.version AS record_version
FROM renewals r JOIN holdings h ON h.id = r.holding_id JOIN customers c ON c.id = h.customer_id
    LEFT JOIN users u ON u.id = c.owner_id
WHERE /*scope*/ AND c.deleted_at IS NULL AND r.due_on >= ? AND r.due_on <= ? AND (? = '' OR r.outcome = ?)
    AND (? = '' OR h.kind = ?) AND (? = 0 OR c.owner_id = ?) AND (r.due_on > ? OR r.holding_id > ?)
ORDER BY r.due_on, r.holding_id LIMIT /*limit*/

-- name: renewal-get
SELECT r.id, r.holding_id, r.due_on, r.outcome, r.fee_minor, r.currency, r.new_due_on,
    COALESCE(r.reason_code, '') AS reason_code, r.note, r.recorded_by, r.version, r.created_at, r.updated_at,
    h.customer_id, c.name AS customer_name, h.kind AS holding_kind, h.name AS holding_name,
    COALESCE(u.name, '') AS recorded_by_name
FROM renewals r JOIN holdings h ON h.id = r.holding_id JOIN customers c ON c.id = h.customer_id
    LEFT JOIN users u ON u.id = r.recorded_by
WHERE /*scope*/ AND c.deleted_at IS NULL AND r.id = ?

-- name: renewal-exists
SELECT id FROM renewals WHERE holding_id = ? AND due_on = ?

-- name: renewal-holding-state
SELECT version, due_on FROM holdings WHERE id = ?

-- The holding moves only from the state the transaction read.
-- name: renewal-holding-move
UPDATE holdings SET due_on = ?, status = ?, version = version + 1, updated_at = ?
WHERE id = ? AND version = ? AND due_on = ?

-- name: renewal-insert
INSERT INTO renewals (holding_id, due_on, outcome, fee_minor, currency, new_due_on, reason_code, note,
    recorded_by, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id

-- name: renewal-update
UPDATE renewals SET outcome = ?, fee_minor = ?, currency = ?, new_due_on = ?, reason_code = ?, note = ?,
    recorded_by = ?, version = version + 1, updated_at = ?
WHERE id = ? AND version = ?

-- name: renewal-version
SELECT version FROM renewals WHERE id = ?

-- name: renewal-month-decided
SELECT substr(r.due_on, 1, 7) AS month, r.outcome, COUNT(*) AS n,
    CAST(COALESCE(SUM(r.fee_minor), 0) AS BIGINT) AS fee_minor
FROM renewals r JOIN holdings h ON h.id = r.holding_id JOIN customers c ON c.id = h.customer_id
WHERE /*scope*/ AND c.deleted_at IS NULL AND r.due_on >= ? AND r.due_on < ?
    AND (? = '' OR h.kind = ?) AND (? = 0 OR c.owner_id = ?)
GROUP BY substr(r.due_on, 1, 7), r.outcome

-- name: renewal-month-pending
SELECT substr(h.due_on, 1, 7) AS month, 'pending' AS outcome, COUNT(*) AS n, 0 AS fee_minor
FROM holdings h JOIN customers c ON c.id = h.customer_id
    LEFT JOIN renewals r ON r.holding_id = h.id AND r.due_on = h.due_on
WHERE /*scope*/ AND c.deleted_at IS NULL AND r.id IS NULL AND h.due_on >= ? AND h.due_on < ?
    AND h.status NOT IN ('closed', 'sold') AND (? = '' OR h.kind = ?) AND (? = 0 OR c.owner_id = ?)
GROUP BY substr(h.due_on, 1, 7)

-- name: renewal-reason-counts
SELECT r.reason_code, COUNT(*) AS n
FROM renewals r JOIN holdings h ON h.id = r.holding_id JOIN customers c ON c.id = h.customer_id
WHERE /*scope*/ AND c.deleted_at IS NULL AND r.outcome = 'lapsed' AND r.due_on >= ? AND r.due_on < ?
    AND (? = '' OR h.kind = ?) AND (? = 0 OR c.owner_id = ?)
GROUP BY r.reason_code

-- name: renewal-reason-list
SELECT code, name_zh, name_en, position, active, version, created_at, updated_at
FROM renewal_reasons ORDER BY position, code

-- name: renewal-reason-insert
INSERT INTO renewal_reasons (code, name_zh, name_en, position, active, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, 1, ?, ?)

-- name: renewal-reason-update
UPDATE renewal_reasons SET name_zh = ?, name_en = ?, position = ?, active = ?, version = version + 1,
    updated_at = ?
WHERE code = ? AND version = ?

-- name: renewal-reason-get
SELECT code, version FROM renewal_reasons WHERE code = ?
