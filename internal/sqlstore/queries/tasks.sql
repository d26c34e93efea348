-- Tasks, follow-up plans and the follow-up report (internal/task).
-- /*scope*/ is replaced by the actor's customer-scope predicate on alias c;
-- it is always the first placeholder-bearing part of the query.

-- name: task-customer-owner
SELECT owner_id FROM customers WHERE id = ? AND deleted_at IS NULL

-- name: task-insert
INSERT INTO tasks (kind, title, notes, customer_id, owner_id, due_on, status, created_by, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, 'open', ?, 1, ?, ?) RETURNING id

-- name: task-link-interaction
UPDATE interactions SET task_id = ? WHERE id = ?

-- name: task-columns
SELECT t.id, t.kind, t.title, t.notes, t.customer_id, c.name AS customer_name, t.owner_id,
    COALESCE(u.name, '') AS owner_name, t.due_on, t.status, t.outcome, t.closed_at, t.closed_by, t.plan_id,
    t.occurrence, t.interaction_id, t.created_by, t.version, t.created_at, t.updated_at
FROM tasks t JOIN customers c ON c.id = t.customer_id LEFT JOIN users u ON u.id = t.owner_id

-- name: task-get
WHERE /*scope*/ AND c.deleted_at IS NULL AND t.id = ?

-- Both task lists are keyset pages on (due_on, id): the range's start is
-- raised to the cursor's day and the last two arguments skip that day up
-- to the cursor's id ('' and 0 for the first page).
-- name: task-list-owner
WHERE /*scope*/ AND c.deleted_at IS NULL AND t.owner_id = ? AND t.status = ? AND t.due_on >= ? AND t.due_on <= ?
    AND (t.due_on > ? OR t.id > ?)
ORDER BY t.due_on, t.id LIMIT /*limit*/

-- name: task-list-customer
WHERE /*scope*/ AND c.deleted_at IS NULL AND t.customer_id = ? AND t.status = ? AND t.due_on >= ? AND t.due_on <= ?
    AND (t.due_on > ? OR t.id > ?)
ORDER BY t.due_on, t.id LIMIT /*limit*/

-- name: task-close
UPDATE tasks SET status = ?, outcome = ?, closed_at = ?, closed_by = ?, interaction_id = ?,
    version = version + 1, updated_at = ?
WHERE id = ? AND version = ? AND status = 'open'

-- name: task-team
WITH v AS (
    SELECT t.owner_id, t.due_on, t.status FROM tasks t JOIN customers c ON c.id = t.customer_id
    WHERE /*scope*/ AND c.deleted_at IS NULL AND t.due_on <= ? AND (t.due_on = ? OR t.status = 'open')
)
SELECT v.owner_id, COALESCE(u.name, '') AS owner_name,
    SUM(CASE WHEN v.due_on = ? THEN 1 ELSE 0 END) AS due,
    SUM(CASE WHEN v.due_on = ? AND v.status = 'done' THEN 1 ELSE 0 END) AS done,
    SUM(CASE WHEN v.due_on < ? AND v.status = 'open' THEN 1 ELSE 0 END) AS overdue
FROM v LEFT JOIN users u ON u.id = v.owner_id
GROUP BY v.owner_id, u.name ORDER BY u.name, v.owner_id

-- name: task-insert-plan
INSERT INTO tasks (kind, title, notes, customer_id, owner_id, due_on, status, plan_id, occurrence, version, created_at, updated_at)
VALUES ('plan', ?, '', ?, ?, ?, 'open', ?, ?, 1, ?, ?)
ON CONFLICT DO NOTHING

-- name: plan-list
SELECT p.id, p.name, p.trigger_kind, p.offset_days, p.grades, p.org_unit_id, COALESCE(o.name, '') AS org_unit_name,
    p.title, p.active, p.starts_on, p.created_by, p.version, p.created_at, p.updated_at
FROM follow_up_plans p LEFT JOIN org_units o ON o.id = p.org_unit_id
ORDER BY p.id

-- name: plan-get
SELECT p.id, p.name, p.trigger_kind, p.offset_days, p.grades, p.org_unit_id, COALESCE(o.name, '') AS org_unit_name,
    p.title, p.active, p.starts_on, p.created_by, p.version, p.created_at, p.updated_at
FROM follow_up_plans p LEFT JOIN org_units o ON o.id = p.org_unit_id
WHERE p.id = ?

-- name: plan-insert
INSERT INTO follow_up_plans (name, trigger_kind, offset_days, grades, org_unit_id, title, active, starts_on,
    created_by, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id

-- name: plan-update
UPDATE follow_up_plans SET name = ?, trigger_kind = ?, offset_days = ?, grades = ?, org_unit_id = ?, title = ?,
    active = ?, starts_on = ?, version = version + 1, updated_at = ?
WHERE id = ? AND version = ?

-- name: plan-unit-path
SELECT path FROM org_units WHERE id = ?

-- The audience filter of every plan: grades as ',a,b,' ('' = any) and an
-- org path prefix ('' = any).
-- name: plan-events-vehicle
SELECT c.id AS customer_id, c.name AS customer_name, c.owner_id, h.id AS occurrence, h.opened_on AS event_on
FROM holdings h JOIN customers c ON c.id = h.customer_id
WHERE h.kind = 'vehicle' AND h.opened_on >= ? AND h.opened_on <= ? AND c.deleted_at IS NULL
  AND (CAST(? AS TEXT) = '' OR CAST(? AS TEXT) LIKE '%,' || c.grade || ',%')
  AND (CAST(? AS TEXT) = '' OR c.owner_id IN (SELECT su.id FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE so.path LIKE ?))
  AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.plan_id = ? AND t.customer_id = c.id AND t.occurrence = h.id)
ORDER BY h.id LIMIT /*limit*/

-- name: plan-events-service
SELECT c.id AS customer_id, c.name AS customer_name, c.owner_id, x.id AS occurrence, x.occurred_at AS event_at
FROM transactions x JOIN customers c ON c.id = x.customer_id
WHERE x.kind = 'service' AND x.occurred_at >= ? AND x.occurred_at <= ? AND c.deleted_at IS NULL
  AND (CAST(? AS TEXT) = '' OR CAST(? AS TEXT) LIKE '%,' || c.grade || ',%')
  AND (CAST(? AS TEXT) = '' OR c.owner_id IN (SELECT su.id FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE so.path LIKE ?))
  AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.plan_id = ? AND t.customer_id = c.id AND t.occurrence = x.id)
ORDER BY x.id LIMIT /*limit*/

-- name: plan-events-complaint
SELECT c.id AS customer_id, c.name AS customer_name, c.owner_id, k.id AS occurrence, k.closed_at AS event_at
FROM tickets k JOIN customers c ON c.id = k.customer_id
WHERE k.status = 'closed' AND k.closed_at >= ? AND k.closed_at <= ? AND c.deleted_at IS NULL
  AND (CAST(? AS TEXT) = '' OR CAST(? AS TEXT) LIKE '%,' || c.grade || ',%')
  AND (CAST(? AS TEXT) = '' OR c.owner_id IN (SELECT su.id FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE so.path LIKE ?))
  AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.plan_id = ? AND t.customer_id = c.id AND t.occurrence = k.id)
ORDER BY k.id LIMIT /*limit*/

-- name: plan-events-grade
SELECT c.id AS customer_id, c.name AS customer_name, c.owner_id, CAST(? AS BIGINT) AS occurrence
FROM customers c
WHERE c.grade <> '' AND c.deleted_at IS NULL AND c.id > ?
  AND (CAST(? AS TEXT) = '' OR CAST(? AS TEXT) LIKE '%,' || c.grade || ',%')
  AND (CAST(? AS TEXT) = '' OR c.owner_id IN (SELECT su.id FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE so.path LIKE ?))
  AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.plan_id = ? AND t.customer_id = c.id AND t.occurrence = ?)
ORDER BY c.id LIMIT /*limit*/

-- name: report-tasks
SELECT t.owner_id, COALESCE(u.name, '') AS owner_name, COALESCE(u.org_unit_id, 0) AS unit_id,
    COALESCE(o.name, '') AS unit_name, t.due_on, COUNT(*) AS total,
    SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END) AS done,
    SUM(CASE WHEN t.status = 'open' THEN 1 ELSE 0 END) AS open
FROM tasks t JOIN customers c ON c.id = t.customer_id
    LEFT JOIN users u ON u.id = t.owner_id LEFT JOIN org_units o ON o.id = u.org_unit_id
WHERE /*scope*/ AND c.deleted_at IS NULL AND t.due_on >= ? AND t.due_on <= ?
GROUP BY t.owner_id, u.name, u.org_unit_id, o.name, t.due_on
