-- Background exports (export_store.go) and saved list filters.

-- name: export-insert
INSERT INTO exports (user_id, kind, format, params, status, file_name, created_at, version)
VALUES (?, ?, ?, ?, 'queued', ?, ?, 1) RETURNING id

-- name: export-get
SELECT e.id, e.user_id, u.username AS user_name, e.kind, e.format, e.params, e.status, e.row_count, e.byte_size,
       e.file_name, e.error_key, e.attempt, e.lease_until, e.created_at, e.started_at, e.finished_at, e.expires_at, e.version
FROM exports e JOIN users u ON u.id = e.user_id
WHERE e.id = ? AND (e.user_id = ? OR 1 = ?)

-- name: export-list
SELECT e.id, e.user_id, u.username AS user_name, e.kind, e.format, e.params, e.status, e.row_count, e.byte_size,
       e.file_name, e.error_key, e.attempt, e.lease_until, e.created_at, e.started_at, e.finished_at, e.expires_at, e.version
FROM exports e JOIN users u ON u.id = e.user_id
WHERE e.user_id = ? OR 1 = ?
ORDER BY e.id DESC LIMIT /*limit*/

-- name: export-by-id
SELECT e.id, e.user_id, u.username AS user_name, e.kind, e.format, e.params, e.status, e.row_count, e.byte_size,
       e.file_name, e.error_key, e.attempt, e.lease_until, e.created_at, e.started_at, e.finished_at, e.expires_at, e.version
FROM exports e JOIN users u ON u.id = e.user_id
WHERE e.id = ?

-- name: export-next
SELECT id, attempt FROM exports
WHERE status = 'queued' OR (status = 'running' AND lease_until < ?)
ORDER BY id LIMIT 1

-- name: export-claim
UPDATE exports SET status = 'running', attempt = attempt + 1, lease_until = ?, started_at = COALESCE(started_at, ?),
       row_count = 0, byte_size = 0, version = version + 1
WHERE id = ? AND attempt = ?

-- name: export-give-up
UPDATE exports SET status = 'failed', error_key = 'export.failed', lease_until = NULL, finished_at = ?, version = version + 1
WHERE id = ? AND attempt = ?

-- name: export-chunks-drop
DELETE FROM export_chunks WHERE export_id = ?

-- name: export-lease
UPDATE exports SET lease_until = ?, row_count = ?, version = version + 1
WHERE id = ? AND attempt = ? AND status = 'running'

-- name: export-chunk-insert
INSERT INTO export_chunks (export_id, seq, data) VALUES (?, ?, ?)

-- name: export-chunk
SELECT data FROM export_chunks WHERE export_id = ? AND seq = ?

-- name: export-finish
UPDATE exports SET status = 'done', row_count = ?, byte_size = ?, finished_at = ?, expires_at = ?, lease_until = NULL,
       version = version + 1
WHERE id = ? AND attempt = ? AND status = 'running'

-- name: export-fail
UPDATE exports SET status = 'failed', error_key = ?, finished_at = ?, lease_until = NULL, version = version + 1
WHERE id = ? AND attempt = ? AND status = 'running'

-- name: export-purge-chunks
DELETE FROM export_chunks WHERE export_id IN (SELECT id FROM exports WHERE expires_at < ?)

-- name: export-owner
SELECT user_id FROM exports WHERE id = ?

-- name: export-purge-old-chunks
DELETE FROM export_chunks WHERE export_id IN (SELECT id FROM exports WHERE created_at < ? AND status IN ('done','failed'))

-- name: export-purge-rows
DELETE FROM exports WHERE created_at < ? AND status IN ('done','failed')

-- name: saved-filter-list
SELECT f.id, f.owner_id, u.name AS owner_name, f.org_unit_id, f.name, f.query, f.q, f.filter, f.sort, f.version,
       f.created_at, f.updated_at
FROM saved_filters f JOIN users u ON u.id = f.owner_id
WHERE f.owner_id = ? OR f.org_unit_id = ?
ORDER BY f.name, f.id LIMIT 200

-- name: saved-filter-get
SELECT f.id, f.owner_id, u.name AS owner_name, f.org_unit_id, f.name, f.query, f.q, f.filter, f.sort, f.version,
       f.created_at, f.updated_at
FROM saved_filters f JOIN users u ON u.id = f.owner_id
WHERE f.id = ? AND (f.owner_id = ? OR f.org_unit_id = ?)

-- name: saved-filter-insert
INSERT INTO saved_filters (owner_id, org_unit_id, name, query, q, filter, sort, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id

-- name: saved-filter-update
UPDATE saved_filters SET name = ?, org_unit_id = ?, query = ?, q = ?, filter = ?, sort = ?, updated_at = ?,
       version = version + 1
WHERE id = ? AND owner_id = ? AND version = ?

-- name: saved-filter-delete
DELETE FROM saved_filters WHERE id = ? AND owner_id = ? AND version = ?

-- The children of a page of exported customers; export_children.go adds
-- the id list and the actor's scope.

-- name: export-holdings
SELECT h.id, h.customer_id, h.kind, h.name, h.reference, h.model, h.amount_minor, h.balance_minor, h.currency,
    h.opened_on, h.due_on, h.status, h.attrs, h.version, h.created_at, h.updated_at
FROM holdings h JOIN customers c ON c.id = h.customer_id
WHERE c.deleted_at IS NULL

-- name: export-transactions
SELECT x.id, x.customer_id, x.holding_id, x.kind, x.amount_minor, x.currency, x.occurred_at, x.description,
    x.created_by, x.created_at, x.version
FROM transactions x JOIN customers c ON c.id = x.customer_id
WHERE c.deleted_at IS NULL

-- name: export-interactions
SELECT i.id, i.customer_id, i.channel, i.direction, i.occurred_at, i.summary, i.outcome, i.next_action,
    i.next_action_on, i.purpose, i.task_id, i.staff_id, COALESCE(u.name, '') AS staff_name, i.version, i.created_at
FROM interactions i JOIN customers c ON c.id = i.customer_id LEFT JOIN users u ON u.id = i.staff_id
WHERE c.deleted_at IS NULL
