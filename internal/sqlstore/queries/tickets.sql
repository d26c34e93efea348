-- Complaint tickets (internal/ticket). The scope predicate is added in Go
-- (ticketScopeSQL) after "WHERE".

-- name: ticket-columns
SELECT t.id, t.number, t.status, t.channel, t.category_id, t.severity, t.subject, t.description,
    t.demand, t.contact_name, t.contact_phone, t.customer_id, t.holding_id, t.org_unit_id,
    t.assignee_id, t.received_at, t.resolution, t.root_cause, t.feedback, t.feedback_channel,
    t.opinion, t.satisfaction, t.first_contact_resolution, t.close_reason, t.reopen_count,
    t.merged_into_id, t.source_survey_answer_id, t.created_by, t.confirmed_by, t.confirmed_at,
    t.first_response_at, t.resolved_at, t.closed_at, t.first_response_due_at,
    t.first_response_warn_at, t.resolution_due_at, t.resolution_warn_at, t.escalation_level,
    t.next_escalation_at, t.ombudsman_due_at, t.ombudsman_notice_at,
    CASE WHEN t.fr_breached_at IS NOT NULL OR t.res_breached_at IS NOT NULL THEN 1 ELSE 0 END AS breached,
    t.created_at, t.updated_at, t.version,
    COALESCE(c.name, '') AS customer_name, COALESCE(tc.name_zh, '') AS category_name,
    COALESCE(ou.name, '') AS org_unit_name, COALESCE(ou.path, '') AS org_unit_path,
    COALESCE(au.name, '') AS assignee_name
FROM tickets t
LEFT JOIN customers c ON c.id = t.customer_id
LEFT JOIN ticket_categories tc ON tc.id = t.category_id
LEFT JOIN org_units ou ON ou.id = t.org_unit_id
LEFT JOIN users au ON au.id = t.assignee_id

-- name: ticket-insert
INSERT INTO tickets (number, status, channel, category_id, severity, subject, description, demand,
    contact_name, contact_phone, customer_id, holding_id, org_unit_id, assignee_id, received_at,
    first_contact_resolution, source_survey_answer_id, created_by, first_response_at, resolved_at,
    first_response_due_at, first_response_warn_at, resolution_due_at, resolution_warn_at,
    escalation_level, next_escalation_at, ombudsman_due_at, created_at, updated_at,
    first_response_minutes, resolution_minutes, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
RETURNING id

-- The SLA columns of a met target keep their flags; a reopen clears the
-- resolution flags (resolved_at is NULL again) through the last four.
-- name: ticket-update
UPDATE tickets SET status = ?, category_id = ?, severity = ?, org_unit_id = ?, assignee_id = ?,
    resolution = ?, root_cause = ?, feedback = ?, feedback_channel = ?, opinion = ?, satisfaction = ?,
    close_reason = ?, reopen_count = ?, merged_into_id = ?, confirmed_by = ?, confirmed_at = ?,
    first_response_at = ?, resolved_at = ?, first_response_minutes = ?, resolution_minutes = ?,
    closed_at = ?, first_response_due_at = ?,
    first_response_warn_at = ?, resolution_due_at = ?, resolution_warn_at = ?, escalation_level = ?,
    next_escalation_at = ?, ombudsman_due_at = ?,
    res_warned_at = CASE WHEN ? = 1 THEN NULL ELSE res_warned_at END,
    res_breached_at = CASE WHEN ? = 1 THEN NULL ELSE res_breached_at END,
    updated_at = ?, version = version + 1
WHERE id = ? AND version = ?

-- name: ticket-by-survey-answer
SELECT id, number FROM tickets WHERE source_survey_answer_id = ?

-- name: ticket-event-insert
INSERT INTO ticket_events (ticket_id, at, actor_id, actor_name, action, from_status, to_status, note)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- name: ticket-events
SELECT id, ticket_id, at, actor_id, actor_name, action, from_status, to_status, note
FROM ticket_events WHERE ticket_id = ? ORDER BY id

-- name: ticket-holding-owner
SELECT customer_id FROM holdings WHERE id = ?

-- name: ticket-user-exists
SELECT id FROM users WHERE id = ? AND disabled = 0

-- name: ticket-unit-path
SELECT path FROM org_units WHERE id = ?

-- Managers of the unit at path or its nearest ancestor with one.
-- name: ticket-unit-managers
SELECT u.id FROM users u JOIN org_units o ON o.id = u.org_unit_id
WHERE u.role = 'manager' AND u.disabled = 0 AND ? LIKE o.path || '%'
  AND LENGTH(o.path) = (SELECT MAX(LENGTH(o2.path)) FROM users u2 JOIN org_units o2 ON o2.id = u2.org_unit_id
                        WHERE u2.role = 'manager' AND u2.disabled = 0 AND ? LIKE o2.path || '%')

-- name: ticket-user-unit-path
SELECT o.path FROM users u JOIN org_units o ON o.id = u.org_unit_id WHERE u.id = ?

-- name: notice-columns
SELECT n.id, n.ticket_id, n.org_unit_id, COALESCE(o.name, '') AS org_unit_name, n.problem,
    n.requirement, n.deadline, n.status, n.response, n.responded_at, n.verify_note, n.verified_at,
    n.created_by, n.created_at, n.updated_at, n.version
FROM rectification_notices n LEFT JOIN org_units o ON o.id = n.org_unit_id
WHERE n.ticket_id = ? ORDER BY n.id

-- name: notice-insert
INSERT INTO rectification_notices (ticket_id, org_unit_id, problem, requirement, deadline, status,
    created_by, created_at, updated_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id

-- name: notice-update
UPDATE rectification_notices SET status = ?, response = ?, responded_at = ?, verify_note = ?,
    verified_at = ?, updated_at = ?, version = version + 1
WHERE id = ? AND ticket_id = ? AND version = ?

-- name: ticket-categories
SELECT id, parent_id, code, name_zh, name_en, position, version, 0 AS depth
FROM ticket_categories ORDER BY position, id

-- name: ticket-category-insert
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, position, created_at, updated_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, 1) RETURNING id

-- name: ticket-category-update
UPDATE ticket_categories SET name_zh = ?, name_en = ?, position = ?, updated_at = ?, version = version + 1
WHERE id = ? AND version = ?

-- name: sla-policies
SELECT id, category_id, severity, first_response, first_response_unit, resolution, resolution_unit,
    version, updated_at
FROM sla_policies ORDER BY category_id, severity

-- name: sla-policy-insert
INSERT INTO sla_policies (category_id, severity, first_response, first_response_unit, resolution,
    resolution_unit, created_at, updated_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id

-- name: sla-policy-update
UPDATE sla_policies SET category_id = ?, severity = ?, first_response = ?, first_response_unit = ?,
    resolution = ?, resolution_unit = ?, updated_at = ?, version = version + 1
WHERE id = ? AND version = ?

-- name: sla-policy-delete
DELETE FROM sla_policies WHERE id = ? AND version = ?

-- name: sla-policy-version
SELECT version FROM sla_policies WHERE id = ?

-- SLA job: candidates per check. Each reads one partial index.
-- name: sla-due-first-response-warning
SELECT t.id, t.number, t.escalation_level, t.reopen_count, t.assignee_id, t.org_unit_id,
    COALESCE(ou.path, '') AS org_unit_path, t.first_response_due_at AS due
FROM tickets t LEFT JOIN org_units ou ON ou.id = t.org_unit_id
WHERE t.first_response_warn_at <= ? AND t.fr_warned_at IS NULL AND t.first_response_at IS NULL
  AND t.status NOT IN ('closed', 'merged')
ORDER BY t.first_response_warn_at LIMIT /*limit*/

-- name: sla-due-first-response-breach
SELECT t.id, t.number, t.escalation_level, t.reopen_count, t.assignee_id, t.org_unit_id,
    COALESCE(ou.path, '') AS org_unit_path, t.first_response_due_at AS due
FROM tickets t LEFT JOIN org_units ou ON ou.id = t.org_unit_id
WHERE t.first_response_due_at <= ? AND t.fr_breached_at IS NULL AND t.first_response_at IS NULL
  AND t.status NOT IN ('closed', 'merged')
ORDER BY t.first_response_due_at LIMIT /*limit*/

-- name: sla-due-resolution-warning
SELECT t.id, t.number, t.escalation_level, t.reopen_count, t.assignee_id, t.org_unit_id,
    COALESCE(ou.path, '') AS org_unit_path, t.resolution_due_at AS due
FROM tickets t LEFT JOIN org_units ou ON ou.id = t.org_unit_id
WHERE t.resolution_warn_at <= ? AND t.res_warned_at IS NULL AND t.resolved_at IS NULL
  AND t.status NOT IN ('closed', 'merged')
ORDER BY t.resolution_warn_at LIMIT /*limit*/

-- name: sla-due-resolution-breach
SELECT t.id, t.number, t.escalation_level, t.reopen_count, t.assignee_id, t.org_unit_id,
    COALESCE(ou.path, '') AS org_unit_path, t.resolution_due_at AS due
FROM tickets t LEFT JOIN org_units ou ON ou.id = t.org_unit_id
WHERE t.resolution_due_at <= ? AND t.res_breached_at IS NULL AND t.resolved_at IS NULL
  AND t.status NOT IN ('closed', 'merged')
ORDER BY t.resolution_due_at LIMIT /*limit*/

-- name: sla-due-escalation
SELECT t.id, t.number, t.escalation_level, t.reopen_count, t.assignee_id, t.org_unit_id,
    COALESCE(ou.path, '') AS org_unit_path, t.next_escalation_at AS due
FROM tickets t LEFT JOIN org_units ou ON ou.id = t.org_unit_id
WHERE t.next_escalation_at <= ? AND t.resolved_at IS NULL AND t.status NOT IN ('closed', 'merged')
ORDER BY t.next_escalation_at LIMIT /*limit*/

-- name: sla-due-ombudsman
SELECT t.id, t.number, t.escalation_level, t.reopen_count, t.assignee_id, t.org_unit_id,
    COALESCE(ou.path, '') AS org_unit_path, t.ombudsman_due_at AS due
FROM tickets t LEFT JOIN org_units ou ON ou.id = t.org_unit_id
WHERE t.ombudsman_due_at <= ? AND t.ombudsman_notice_at IS NULL AND t.status NOT IN ('closed', 'merged')
ORDER BY t.ombudsman_due_at LIMIT /*limit*/

-- Claims: the conditional UPDATE that only one server's transaction wins.
-- name: sla-claim-first-response-warning
UPDATE tickets SET fr_warned_at = ? WHERE id = ? AND fr_warned_at IS NULL AND first_response_at IS NULL

-- name: sla-claim-first-response-breach
UPDATE tickets SET fr_breached_at = ? WHERE id = ? AND fr_breached_at IS NULL AND first_response_at IS NULL

-- name: sla-claim-resolution-warning
UPDATE tickets SET res_warned_at = ? WHERE id = ? AND res_warned_at IS NULL AND resolved_at IS NULL

-- name: sla-claim-resolution-breach
UPDATE tickets SET res_breached_at = ? WHERE id = ? AND res_breached_at IS NULL AND resolved_at IS NULL

-- name: sla-claim-ombudsman
UPDATE tickets SET ombudsman_notice_at = ? WHERE id = ? AND ombudsman_notice_at IS NULL

-- name: sla-claim-escalation
UPDATE tickets SET escalation_level = escalation_level + 1, next_escalation_at = ?, updated_at = ?,
    version = version + 1
WHERE id = ? AND escalation_level = ? AND resolved_at IS NULL AND next_escalation_at IS NOT NULL

-- name: sla-event-insert
INSERT INTO ticket_sla_events (ticket_id, kind, cycle, due_at, at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (ticket_id, kind, cycle) DO NOTHING

-- name: escalation-insert
INSERT INTO ticket_escalations (ticket_id, cycle, level, due_at, at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (ticket_id, cycle, level) DO NOTHING

-- name: calendar-notices
SELECT year, source, text, version, updated_at FROM calendar_notices ORDER BY year

-- name: calendar-notice-insert
INSERT INTO calendar_notices (year, source, text, version, updated_by, updated_at) VALUES (?, ?, ?, 1, ?, ?)
ON CONFLICT (year) DO NOTHING

-- name: calendar-notice-update
UPDATE calendar_notices SET source = ?, text = ?, updated_by = ?, updated_at = ?, version = version + 1
WHERE year = ? AND version = ?

-- name: working-hours
SELECT w.org_unit_id, o.name AS org_unit_name, o.path, w.hours, w.version, w.updated_at
FROM org_working_hours w JOIN org_units o ON o.id = w.org_unit_id ORDER BY o.path

-- name: working-hours-insert
INSERT INTO org_working_hours (org_unit_id, hours, version, updated_at) VALUES (?, ?, 1, ?)
ON CONFLICT (org_unit_id) DO NOTHING

-- name: working-hours-update
UPDATE org_working_hours SET hours = ?, updated_at = ?, version = version + 1
WHERE org_unit_id = ? AND version = ?

-- name: notification-insert
INSERT INTO notifications (user_id, kind, ticket_id, args, dedupe, created_at, version)
VALUES (?, ?, ?, ?, ?, ?, 1)
ON CONFLICT (user_id, dedupe) WHERE dedupe <> '' DO NOTHING

-- name: notifications-all
SELECT id, user_id, kind, ticket_id, args, created_at, read_at, version
FROM notifications WHERE user_id = ? ORDER BY id DESC LIMIT /*limit*/

-- name: notifications-unread
SELECT id, user_id, kind, ticket_id, args, created_at, read_at, version
FROM notifications WHERE user_id = ? AND read_at IS NULL ORDER BY id DESC LIMIT /*limit*/

-- Counting stops at 100: the badge shows 99+.
-- name: notifications-unread-count
SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE user_id = ? AND read_at IS NULL LIMIT 100) x

-- name: notification-read
UPDATE notifications SET read_at = ?, version = version + 1 WHERE id = ? AND user_id = ? AND read_at IS NULL

-- name: notification-exists
SELECT id FROM notifications WHERE id = ? AND user_id = ?

-- name: notifications-read-all
UPDATE notifications SET read_at = ?, version = version + 1 WHERE user_id = ? AND read_at IS NULL

-- Every manager on the way up from the unit at path (level-3 escalation
-- reaches senior management).
-- name: ticket-unit-managers-chain
SELECT u.id FROM users u JOIN org_units o ON o.id = u.org_unit_id
WHERE u.role = 'manager' AND u.disabled = 0 AND ? LIKE o.path || '%'
ORDER BY LENGTH(o.path) DESC, u.id
