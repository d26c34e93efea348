-- Imports (M13): the import job, its stored file, problems, the record of
-- what it changed (for undo) and mapping templates. Runner statements carry
-- the lease owner so a runner that lost its lease changes nothing.

-- name: import-columns
SELECT i.id, i.entity, i.file_name, i.file_size, i.info, i.header, i.options, i.status, i.phase,
    i.rows_total, i.rows_done, i.created, i.updated, i.skipped, i.bad, i.review, i.last_line,
    i.removed, i.restored, i.kept, i.error_key, i.created_by, u.name AS by_name, i.created_at,
    i.started_at, i.finished_at, i.undone_at, i.version
FROM imports i JOIN users u ON u.id = i.created_by

-- name: import-insert
INSERT INTO imports (entity, file_name, file_size, info, header, options, status, created_by, created_at, version)
VALUES (?, ?, ?, ?, ?, ?, 'uploaded', ?, ?, 1) RETURNING id

-- name: import-file-insert
INSERT INTO import_files (import_id, n, data) VALUES (?, ?, ?)

-- name: import-file-chunk
SELECT data FROM import_files WHERE import_id = ? AND n = ?

-- name: import-state
SELECT version, status, phase FROM imports WHERE id = ?

-- name: import-queue
UPDATE imports SET entity = ?, options = ?, status = 'queued', phase = 'validate', error_key = '',
    version = version + 1
WHERE id = ? AND version = ? AND status = 'uploaded'

-- name: import-claimable
SELECT id FROM imports
WHERE status = 'queued' OR (status = 'running' AND (lease_until IS NULL OR lease_until < ?))
ORDER BY id LIMIT 1

-- name: import-claim
UPDATE imports SET status = 'running', lease_owner = ?, lease_until = ?,
    started_at = COALESCE(started_at, ?), version = version + 1
WHERE id = ? AND (status = 'queued' OR (status = 'running' AND (lease_until IS NULL OR lease_until < ?)))

-- name: import-renew
UPDATE imports SET lease_until = ?, rows_total = CASE WHEN ? > 0 THEN ? ELSE rows_total END
WHERE id = ? AND lease_owner = ? AND status = 'running' AND phase = ?

-- name: import-validated
UPDATE imports SET rows_total = ?, bad = ?, skipped = ?, rows_done = 0, phase = ?, status = ?,
    error_key = ?, lease_until = ?, finished_at = ?, version = version + 1
WHERE id = ? AND lease_owner = ? AND status = 'running' AND phase = 'validate'

-- name: import-progress
UPDATE imports SET rows_done = ?, created = ?, updated = ?, skipped = ?, bad = ?, review = ?,
    last_line = ?, version = version + 1
WHERE id = ?

-- name: import-finish
UPDATE imports SET status = 'done', phase = '', lease_owner = '', lease_until = NULL, finished_at = ?,
    version = version + 1
WHERE id = ? AND lease_owner = ? AND status = 'running' AND phase = 'write'

-- name: import-fail
UPDATE imports SET status = 'failed', phase = '', error_key = ?, lease_owner = '', lease_until = NULL,
    finished_at = ?, version = version + 1
WHERE id = ? AND lease_owner = ? AND status = 'running'

-- name: import-rollback
UPDATE imports SET phase = 'rollback', error_key = ?, version = version + 1
WHERE id = ? AND lease_owner = ? AND status = 'running'

-- name: import-cancel-waiting
UPDATE imports SET status = 'cancelled', phase = '', finished_at = ?, version = version + 1
WHERE id = ? AND status IN ('uploaded', 'queued')

-- name: import-cancel-running
UPDATE imports SET phase = 'rollback', version = version + 1
WHERE id = ? AND status = 'running' AND phase IN ('validate', 'write')

-- name: import-undo-request
UPDATE imports SET status = 'running', phase = 'undo', lease_owner = ?, lease_until = ?,
    version = version + 1
WHERE id = ? AND status = 'done'

-- name: import-revert-lock
UPDATE imports SET lease_until = ?
WHERE id = ? AND lease_owner = ? AND status = 'running' AND phase IN ('rollback', 'undo')

-- name: import-revert-counts
UPDATE imports SET removed = removed + ?, restored = restored + ?, kept = kept + ?, version = version + 1
WHERE id = ?

-- name: import-reverted
UPDATE imports SET status = ?, phase = '', lease_owner = '', lease_until = NULL,
    finished_at = COALESCE(finished_at, ?), undone_at = ?, version = version + 1
WHERE id = ? AND lease_owner = ? AND status = 'running' AND phase IN ('rollback', 'undo')

-- name: import-changes-pending
SELECT id, customer_id, object_type, object_id, action, before_image, after_version
FROM import_changes WHERE import_id = ? AND undone = 0 ORDER BY id DESC LIMIT /*limit*/

-- name: import-change-mark
UPDATE import_changes SET undone = ? WHERE id = ?

-- name: import-problems-delete
DELETE FROM import_problems WHERE import_id = ?

-- name: import-problems-page
SELECT line, kind, cells, problems FROM import_problems
WHERE import_id = ? AND line > ? ORDER BY line LIMIT /*limit*/

-- name: import-sequence-add
UPDATE sequences SET value = value + ? WHERE name = ? RETURNING value

-- name: import-sequence-init
INSERT INTO sequences (name, value) VALUES (?, ?)

-- name: import-owner-ref
SELECT u.id, u.username, u.name, u.disabled, o.path FROM users u JOIN org_units o ON o.id = u.org_unit_id
WHERE u.username = ? OR u.name = ? ORDER BY u.id LIMIT 3

-- name: import-review
INSERT INTO customer_duplicates (a_id, b_id, reason, score, source, import_id, status, version, created_at)
VALUES (?, ?, 'import', 100, 'import', ?, 'open', 1, ?)
ON CONFLICT (a_id, b_id) DO NOTHING

-- name: import-template-list
SELECT id, name, entity, mapping, created_by, created_at, version FROM import_templates
WHERE entity = ? OR ? = '' ORDER BY name, id

-- name: import-template-insert
INSERT INTO import_templates (name, entity, mapping, created_by, created_at, updated_at, version)
VALUES (?, ?, ?, ?, ?, ?, 1) RETURNING id

-- name: import-template-update
UPDATE import_templates SET name = ?, entity = ?, mapping = ?, updated_at = ?, version = version + 1
WHERE id = ? AND version = ?

-- name: import-template-delete
DELETE FROM import_templates WHERE id = ? AND version = ?

-- name: import-template-version
SELECT version FROM import_templates WHERE id = ?

-- Insert templates for the batch writer: many rows per statement on
-- SQLite, COPY on PostgreSQL (the placeholders document the shape).

-- name: import-insert-customers
INSERT INTO customers (id, number, kind, name, name_pinyin, gender, birthday, lunar_birthday,
    id_type, id_number, id_number_bidx, id_key_bidx, mobile, phone, email, wechat, province, city, district, address,
    market, industry, source, stage, grade, custom, consent, notes, owner_id, created_by,
    created_at, updated_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: import-insert-tags
INSERT INTO customer_tags (tag, customer_id) VALUES (?, ?)

-- name: import-insert-tokens
INSERT INTO customer_tokens (token, customer_id) VALUES (?, ?)

-- name: import-insert-interactions
INSERT INTO interactions (id, customer_id, channel, direction, occurred_at, summary, outcome,
    next_action, next_action_on, purpose, staff_id, version, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: import-insert-changes
INSERT INTO import_changes (import_id, customer_id, object_type, object_id, action, before_image, after_version, undone)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- name: import-insert-staged-tokens
INSERT INTO import_tokens (import_id, customer_id, tokens) VALUES (?, ?, ?)

-- name: import-tokens-upto
-- The last customer of the next flush step (the first n staged customers).
SELECT MAX(customer_id) FROM (SELECT customer_id FROM import_tokens WHERE import_id = ?
    ORDER BY customer_id LIMIT /*limit*/) t

-- name: import-tokens-unstage
-- A flush step's staged rows, deleted in the step's transaction.
DELETE FROM import_tokens WHERE import_id = ? AND customer_id <= ?

-- name: import-tokens-drop
-- An undo or cancel before the flush: the staged rows go with the customers.
DELETE FROM import_tokens WHERE import_id = ?

-- name: import-tokens-drop-one
-- A staged customer updated by a later row: its tokens are written directly.
DELETE FROM import_tokens WHERE import_id = ? AND customer_id = ?

-- name: import-insert-problems
INSERT INTO import_problems (import_id, line, kind, cells, problems) VALUES (?, ?, ?, ?, ?)

-- name: import-ids
-- n new ids for {table} under the write transaction (SQLite has one
-- writer, so the largest id cannot move under us); see the PostgreSQL file.
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
SELECT (SELECT COALESCE(MAX(id), 0) FROM {table}) + i FROM s

-- name: import-customer-refs
-- Customers of the list (CTE ids) that anything outside the import still
-- points at: such a customer is kept by an undo.
SELECT customer_id FROM tickets WHERE customer_id IN (SELECT id FROM ids)
UNION SELECT customer_id FROM tasks WHERE customer_id IN (SELECT id FROM ids)
UNION SELECT customer_id FROM work_log_customers WHERE customer_id IN (SELECT id FROM ids)
UNION SELECT customer_id FROM survey_requests WHERE customer_id IN (SELECT id FROM ids)
UNION SELECT customer_id FROM survey_answers WHERE customer_id IN (SELECT id FROM ids)
UNION SELECT customer_id FROM customer_transfers WHERE customer_id IN (SELECT id FROM ids)
UNION SELECT customer_id FROM contacts WHERE customer_id IN (SELECT id FROM ids)
UNION SELECT customer_id FROM holdings WHERE customer_id IN (SELECT id FROM ids)
UNION SELECT customer_id FROM transactions WHERE customer_id IN (SELECT id FROM ids)
UNION SELECT customer_id FROM interactions WHERE customer_id IN (SELECT id FROM ids)

-- name: import-existing
-- What a batch's uniqueness checks need of the customers holding one of its
-- mobiles or ID numbers (the caller adds the WHERE, repeating the partial
-- indexes' "<> ''" so they are used).
SELECT c.id, c.number, c.mobile, c.id_number, c.deleted_at FROM customers c

-- name: import-cache
-- The writer's page cache during an import batch (see the SQLite file).
SELECT 1

-- name: import-cache-reset
SELECT 1
