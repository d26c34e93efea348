-- Appointments (internal/appointment). /*scope*/ is the customer scope on
-- alias c and is the first placeholder-bearing part of each query with it.

-- name: apt-kind-columns
SELECT id, code, name_zh, name_en, duration_minutes, reminder_offsets, active, version, created_at, updated_at
FROM appointment_kinds

-- name: apt-kind-list
ORDER BY active DESC, id

-- name: apt-kind-get
WHERE id = ?

-- name: apt-kind-insert
INSERT INTO appointment_kinds (code, name_zh, name_en, duration_minutes, reminder_offsets, active, version,
    created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id

-- name: apt-kind-update
UPDATE appointment_kinds SET code = ?, name_zh = ?, name_en = ?, duration_minutes = ?, reminder_offsets = ?,
    active = ?, version = version + 1, updated_at = ?
WHERE id = ? AND version = ?

-- name: apt-kind-version
SELECT version FROM appointment_kinds WHERE id = ?

-- name: apt-resource-columns
SELECT r.id, r.name, r.kind, r.org_unit_id, COALESCE(o.name, '') AS org_unit_name, r.user_id, r.hours,
    r.slot_minutes, r.capacity, r.active, r.version, r.created_at, r.updated_at
FROM appointment_resources r LEFT JOIN org_units o ON o.id = r.org_unit_id

-- name: apt-resource-list
ORDER BY r.active DESC, r.name, r.id

-- name: apt-resource-get
WHERE r.id = ?

-- name: apt-resource-insert
INSERT INTO appointment_resources (name, kind, org_unit_id, user_id, hours, slot_minutes, capacity, active,
    version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id

-- name: apt-resource-update
UPDATE appointment_resources SET name = ?, kind = ?, org_unit_id = ?, user_id = ?, hours = ?, slot_minutes = ?,
    capacity = ?, active = ?, version = version + 1, updated_at = ?
WHERE id = ? AND version = ?

-- name: apt-resource-version
SELECT version FROM appointment_resources WHERE id = ?

-- The appointments holding seats on a resource in [from, to); the booking
-- transaction runs it after locking the resource row (apt-resource-lock).
-- name: apt-busy
SELECT id, starts_at, ends_at FROM appointments
WHERE resource_id = ? AND status IN ('booked','confirmed','arrived') AND starts_at < ? AND ends_at > ? AND id <> ?
ORDER BY starts_at, id

-- name: apt-columns
SELECT ap.id, ap.customer_id, c.name AS customer_name, c.owner_id, COALESCE(ou.name, '') AS owner_name,
    ap.kind_id, k.code AS kind_code, k.name_zh AS kind_name_zh, k.name_en AS kind_name_en,
    ap.resource_id, r.name AS resource_name, COALESCE(ro.name, '') AS org_name,
    ap.staff_id, COALESCE(su.name, '') AS staff_name, ap.starts_at, ap.ends_at, ap.status, ap.priority, ap.note,
    ap.cancel_reason, ap.gift_given, ap.arrive_note, ap.arrived_at, ap.confirmed_at, ap.reschedules,
    ap.source_task_id, ap.prep_task_id, ap.created_by, ap.version, ap.created_at, ap.updated_at
FROM appointments ap JOIN customers c ON c.id = ap.customer_id
JOIN appointment_kinds k ON k.id = ap.kind_id
JOIN appointment_resources r ON r.id = ap.resource_id
LEFT JOIN org_units ro ON ro.id = r.org_unit_id
LEFT JOIN users ou ON ou.id = c.owner_id
LEFT JOIN users su ON su.id = ap.staff_id

-- name: apt-get
WHERE /*scope*/ AND c.deleted_at IS NULL AND ap.id = ?

-- A keyset page on (starts_at, id): the window's start is raised to the
-- cursor's time and the two arguments after the window skip that instant
-- up to the cursor's id (the window's start and 0 for the first page).
-- name: apt-list
WHERE /*scope*/ AND c.deleted_at IS NULL AND ap.starts_at >= ? AND ap.starts_at < ? AND (ap.starts_at > ? OR ap.id > ?)
    AND (? = 0 OR ap.resource_id = ?) AND (? = 0 OR ap.kind_id = ?) AND (? = '' OR ap.status = ?)
    AND (? = 0 OR c.owner_id = ?) AND (? = 0 OR ap.customer_id = ?)
    AND (? = 0 OR (ap.status IN ('booked','confirmed') AND ap.starts_at <= ?))
ORDER BY ap.starts_at, ap.id LIMIT /*limit*/

-- name: apt-insert
INSERT INTO appointments (customer_id, kind_id, resource_id, staff_id, starts_at, ends_at, status, priority, note,
    source_task_id, created_by, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?, ?, 1, ?, ?) RETURNING id

-- name: apt-set-prep-task
UPDATE appointments SET prep_task_id = ? WHERE id = ?

-- name: apt-move
UPDATE appointments SET resource_id = ?, staff_id = ?, starts_at = ?, ends_at = ?, reschedules = reschedules + 1,
    version = version + 1, updated_at = ?
WHERE id = ? AND version = ? AND status IN ('booked','confirmed')

-- name: apt-state
UPDATE appointments SET status = ?, cancel_reason = ?, gift_given = ?, arrive_note = ?, arrived_at = ?,
    confirmed_at = ?, version = version + 1, updated_at = ?
WHERE id = ? AND version = ? AND status IN ('booked','confirmed')

-- name: apt-version
SELECT version FROM appointments WHERE id = ?

-- The prepare task follows its appointment while it is open.
-- name: apt-task-move
UPDATE tasks SET due_on = ?, version = version + 1, updated_at = ? WHERE id = ? AND status = 'open'

-- name: apt-task-drop
UPDATE tasks SET status = 'skipped', outcome = ?, closed_at = ?, version = version + 1, updated_at = ?
WHERE id = ? AND status = 'open'

-- The success report's rows: team = org unit of the customer's owner;
-- reminded = a reminder of the appointment reached status sent.
-- name: apt-facts
SELECT COALESCE(u.org_unit_id, 0) AS unit_id, COALESCE(o.name, '') AS unit_name, ap.starts_at, ap.status,
    CASE WHEN EXISTS (SELECT 1 FROM outbox_messages m WHERE m.ref_kind = 'appointment' AND m.ref_id = ap.id
        AND m.template = 'appointment.reminder' AND m.status = 'sent') THEN 1 ELSE 0 END AS reminded
FROM appointments ap JOIN customers c ON c.id = ap.customer_id
LEFT JOIN users u ON u.id = c.owner_id LEFT JOIN org_units o ON o.id = u.org_unit_id
WHERE /*scope*/ AND c.deleted_at IS NULL AND ap.starts_at >= ? AND ap.starts_at < ?

-- Per customer in a year: arrivals and due appointments (arrived, no-show,
-- or open with the start passed).
-- name: apt-customer-facts
SELECT c.id AS customer_id, c.name AS customer_name, COALESCE(u.name, '') AS owner_name,
    SUM(CASE WHEN ap.status = 'arrived' THEN 1 ELSE 0 END) AS arrived,
    SUM(CASE WHEN ap.status IN ('arrived','no_show') OR (ap.status IN ('booked','confirmed') AND ap.starts_at <= ?)
        THEN 1 ELSE 0 END) AS due
FROM appointments ap JOIN customers c ON c.id = ap.customer_id LEFT JOIN users u ON u.id = c.owner_id
WHERE /*scope*/ AND c.deleted_at IS NULL AND ap.starts_at >= ? AND ap.starts_at < ?
GROUP BY c.id, c.name, u.name
