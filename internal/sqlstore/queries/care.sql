-- Care rules, their runs and the care report (internal/care).
-- Markers: /*audience*/ is the rule's compiled filter on customers c,
-- /*scope*/ the actor's customer scope on c, /*kinds*/ and /*ids*/ lists
-- of placeholders; careSQL splices their arguments in place.

-- name: care-rule-columns
SELECT id, name, kind, params, audience, channel, template, create_task, task_title, lead_days, quiet_start,
    quiet_end, cap_count, cap_days, enabled, created_by, last_run_at, version, created_at, updated_at
FROM care_rules

-- name: care-rule-list
WHERE deleted_at IS NULL ORDER BY id

-- name: care-rule-get
WHERE id = ? AND deleted_at IS NULL

-- name: care-rule-insert
INSERT INTO care_rules (name, kind, params, audience, channel, template, create_task, task_title, lead_days,
    quiet_start, quiet_end, cap_count, cap_days, enabled, created_by, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id

-- name: care-rule-update
UPDATE care_rules SET name = ?, kind = ?, params = ?, audience = ?, channel = ?, template = ?, create_task = ?,
    task_title = ?, lead_days = ?, quiet_start = ?, quiet_end = ?, cap_count = ?, cap_days = ?, enabled = ?,
    version = version + 1, updated_at = ?
WHERE id = ? AND version = ? AND deleted_at IS NULL

-- name: care-rule-delete
UPDATE care_rules SET deleted_at = ?, enabled = 0, version = version + 1, updated_at = ?
WHERE id = ? AND version = ? AND deleted_at IS NULL

-- name: care-rule-version
SELECT version FROM care_rules WHERE id = ? AND deleted_at IS NULL

-- name: care-rule-ran
UPDATE care_rules SET last_run_at = ? WHERE id = ?

-- Candidates: one keyset page each; k is the key of the page.
-- name: care-cand-birthday
SELECT c.id AS k, c.id AS customer_id, c.name AS customer_name, c.owner_id, c.consent, c.birthday
FROM customers c
WHERE c.birthday <> '' AND c.deleted_at IS NULL AND c.lunar_birthday = 0
  AND substr(c.birthday, 6, 5) IN (?, ?) AND c.id > ?
  AND NOT EXISTS (SELECT 1 FROM care_events e WHERE e.rule_id = ? AND e.customer_id = c.id AND e.occurrence = ?)
  AND /*audience*/
ORDER BY c.id LIMIT /*limit*/

-- name: care-cand-lunar
SELECT c.id AS k, c.id AS customer_id, c.name AS customer_name, c.owner_id, c.consent, c.birthday
FROM customers c
WHERE c.birthday <> '' AND c.deleted_at IS NULL AND c.lunar_birthday = 1 AND c.id > ?
  AND /*audience*/
ORDER BY c.id LIMIT /*limit*/

-- name: care-cand-all
SELECT c.id AS k, c.id AS customer_id, c.name AS customer_name, c.owner_id, c.consent, c.birthday
FROM customers c
WHERE c.deleted_at IS NULL AND c.id > ?
  AND NOT EXISTS (SELECT 1 FROM care_events e WHERE e.rule_id = ? AND e.customer_id = c.id AND e.occurrence = ?)
  AND /*audience*/
ORDER BY c.id LIMIT /*limit*/

-- name: care-cand-anniversary
SELECT h.id AS k, c.id AS customer_id, c.name AS customer_name, c.owner_id, c.consent, h.id AS holding_id,
    h.model, h.opened_on
FROM holdings h JOIN customers c ON c.id = h.customer_id
WHERE h.kind IN (/*kinds*/) AND h.opened_on <> '' AND substr(h.opened_on, 6, 5) IN (?, ?) AND h.opened_on < ?
  AND h.id > ? AND c.deleted_at IS NULL
  AND /*audience*/
ORDER BY h.id LIMIT /*limit*/

-- name: care-cand-due
SELECT h.id AS k, c.id AS customer_id, c.name AS customer_name, c.owner_id, c.consent, h.id AS holding_id,
    h.model, h.opened_on, h.due_on, h.balance_minor
FROM holdings h JOIN customers c ON c.id = h.customer_id
WHERE h.kind IN (/*kinds*/) AND h.due_on <> '' AND h.due_on >= ? AND h.due_on <= ? AND h.id > ? AND c.deleted_at IS NULL
  AND /*audience*/
ORDER BY h.id LIMIT /*limit*/

-- name: care-cand-service
SELECT h.id AS k, c.id AS customer_id, c.name AS customer_name, c.owner_id, c.consent, h.id AS holding_id,
    h.model, h.opened_on, h.attrs,
    (SELECT MAX(x.occurred_at) FROM transactions x WHERE x.customer_id = c.id AND x.kind = 'service'
        AND (x.holding_id = h.id OR x.holding_id IS NULL)) AS last_at
FROM holdings h JOIN customers c ON c.id = h.customer_id
WHERE h.kind = 'vehicle' AND h.id > ? AND c.deleted_at IS NULL
  AND /*audience*/
ORDER BY h.id LIMIT /*limit*/

-- Dormancy: no activity since the cutoff, and no event of the rule made
-- since then (such an event is of the current dormancy spell).
-- name: care-cand-dormancy
SELECT c.id AS k, c.id AS customer_id, c.name AS customer_name, c.owner_id, c.consent, c.created_at AS created,
    (SELECT MAX(i.occurred_at) FROM interactions i WHERE i.customer_id = c.id
        AND (CAST(? AS TEXT) = 'any' OR i.channel IN ('visit', 'store_visit'))) AS last_at,
    (SELECT MAX(x.occurred_at) FROM transactions x WHERE x.customer_id = c.id) AS last_at2
FROM customers c
WHERE c.deleted_at IS NULL AND c.id > ? AND c.created_at < ?
  AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = c.id AND i.occurred_at >= ?
        AND (CAST(? AS TEXT) = 'any' OR i.channel IN ('visit', 'store_visit')))
  AND NOT EXISTS (SELECT 1 FROM transactions x WHERE x.customer_id = c.id AND x.occurred_at >= ?)
  AND NOT EXISTS (SELECT 1 FROM care_events e WHERE e.rule_id = ? AND e.customer_id = c.id AND e.created_at >= ?)
  AND /*audience*/
ORDER BY c.id LIMIT /*limit*/

-- name: care-existing
SELECT customer_id, occurrence FROM care_events WHERE rule_id = ? AND customer_id IN (/*ids*/)

-- name: care-event-insert
INSERT INTO care_events (rule_id, customer_id, occurrence, kind, event_on, status, reason, channel, owner_id, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING RETURNING id

-- name: care-cap-count
SELECT COUNT(*) FROM care_events
WHERE customer_id = ? AND status = 'fired' AND channel <> 'none' AND created_at >= ?

-- name: care-event-task
UPDATE care_events SET task_id = ? WHERE id = ?

-- Keyset page, newest first: the last argument is the cursor id (the
-- largest id for the first page), so the primary key serves the order.
-- name: care-event-list
SELECT e.id, e.rule_id, COALESCE(r.name, '') AS rule_name, e.kind, e.customer_id, c.name AS customer_name,
    COALESCE(e.owner_id, 0) AS owner_id, e.occurrence, e.event_on, e.status, e.reason, e.channel, e.task_id,
    e.churn_reason, e.usage_note, e.created_at
FROM care_events e JOIN customers c ON c.id = e.customer_id LEFT JOIN care_rules r ON r.id = e.rule_id
WHERE /*scope*/ AND c.deleted_at IS NULL AND (e.rule_id = ? OR ? = 0) AND (e.customer_id = ? OR ? = 0)
  AND (e.status = ? OR CAST(? AS TEXT) = '') AND e.id < ?
ORDER BY e.id DESC LIMIT /*limit*/

-- name: care-task-info
SELECT e.task_id, e.kind, e.event_on
FROM care_events e JOIN customers c ON c.id = e.customer_id
WHERE /*scope*/ AND e.task_id IN (/*ids*/)

-- name: care-churn-resolve
UPDATE care_events SET churn_reason = ?, usage_note = ?, resolved_at = ? WHERE task_id = ?

-- name: care-reasons
SELECT code, label, position, active FROM care_churn_reasons ORDER BY position, code

-- name: care-reason-upsert
INSERT INTO care_churn_reasons (code, label, position, active) VALUES (?, ?, ?, ?)
ON CONFLICT (code) DO UPDATE SET label = excluded.label, position = excluded.position, active = excluded.active

-- name: care-report-reasons
SELECT e.churn_reason AS code, COUNT(*) AS n
FROM care_events e JOIN customers c ON c.id = e.customer_id
WHERE /*scope*/ AND e.churn_reason <> '' AND e.resolved_at >= ? AND e.resolved_at < ?
GROUP BY e.churn_reason

-- name: care-report-owners
SELECT t.owner_id, COALESCE(u.name, '') AS owner_name, COALESCE(u.org_unit_id, 0) AS unit_id,
    COALESCE(o.name, '') AS unit_name,
    SUM(CASE WHEN t.status = 'open' THEN 1 ELSE 0 END) AS open,
    SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END) AS done,
    SUM(CASE WHEN t.status = 'skipped' THEN 1 ELSE 0 END) AS skipped,
    SUM(CASE WHEN t.status = 'failed' THEN 1 ELSE 0 END) AS failed,
    SUM(CASE WHEN t.status = 'open' AND t.due_on < ? THEN 1 ELSE 0 END) AS overdue
FROM tasks t JOIN customers c ON c.id = t.customer_id
    LEFT JOIN users u ON u.id = t.owner_id LEFT JOIN org_units o ON o.id = u.org_unit_id
WHERE /*scope*/ AND c.deleted_at IS NULL AND t.kind IN ('care', 'churn') AND t.due_on >= ? AND t.due_on <= ?
GROUP BY t.owner_id, u.name, u.org_unit_id, o.name

-- KPI-18: customers that turned dormant in the period over the customers
-- (in scope, not deleted then) at its start.
-- name: care-report-churn
SELECT COUNT(DISTINCT e.customer_id)
FROM care_events e JOIN customers c ON c.id = e.customer_id
WHERE /*scope*/ AND e.kind = 'dormancy' AND e.event_on >= ? AND e.event_on <= ?

-- name: care-report-base
SELECT COUNT(*) FROM customers c
WHERE /*scope*/ AND c.created_at < ? AND (c.deleted_at IS NULL OR c.deleted_at >= ?)
