-- Surveys: templates and their versions, requests (links and calls),
-- answers with their items. Scope: templates by org unit (use: the owning
-- unit is the actor's, an ancestor or a descendant; manage: the owning unit
-- is in the actor's subtree; the first parameter is 1 for full scope).
-- Customer data is scoped by the store before these run.

-- name: survey-template-list-use
SELECT t.id, t.org_unit_id, ou.name AS org_unit_name, t.name, t.description, t.status, t.revision,
    v.id AS version_id, v.items,
    EXISTS (SELECT 1 FROM survey_requests r WHERE r.template_version_id = v.id) AS used,
    COALESCE(t.created_by, 0) AS created_by, t.created_at, t.updated_at, t.version
FROM survey_templates t
JOIN org_units ou ON ou.id = t.org_unit_id
JOIN survey_template_versions v ON v.template_id = t.id AND v.revision = t.revision
WHERE t.status = 'active' AND (? = 1 OR ou.path LIKE ? OR ? LIKE ou.path || '%')
ORDER BY t.name, t.id

-- name: survey-template-list-manage
SELECT t.id, t.org_unit_id, ou.name AS org_unit_name, t.name, t.description, t.status, t.revision,
    v.id AS version_id, v.items,
    EXISTS (SELECT 1 FROM survey_requests r WHERE r.template_version_id = v.id) AS used,
    COALESCE(t.created_by, 0) AS created_by, t.created_at, t.updated_at, t.version
FROM survey_templates t
JOIN org_units ou ON ou.id = t.org_unit_id
JOIN survey_template_versions v ON v.template_id = t.id AND v.revision = t.revision
WHERE (? = 1 OR ou.path LIKE ?)
ORDER BY t.status, t.name, t.id

-- name: survey-template-get-use
SELECT t.id, t.org_unit_id, ou.name AS org_unit_name, t.name, t.description, t.status, t.revision,
    v.id AS version_id, v.items,
    EXISTS (SELECT 1 FROM survey_requests r WHERE r.template_version_id = v.id) AS used,
    COALESCE(t.created_by, 0) AS created_by, t.created_at, t.updated_at, t.version
FROM survey_templates t
JOIN org_units ou ON ou.id = t.org_unit_id
JOIN survey_template_versions v ON v.template_id = t.id AND v.revision = t.revision
WHERE t.id = ? AND (? = 1 OR ou.path LIKE ? OR ? LIKE ou.path || '%')

-- name: survey-template-get-manage
SELECT t.id, t.org_unit_id, ou.name AS org_unit_name, t.name, t.description, t.status, t.revision,
    v.id AS version_id, v.items,
    EXISTS (SELECT 1 FROM survey_requests r WHERE r.template_version_id = v.id) AS used,
    COALESCE(t.created_by, 0) AS created_by, t.created_at, t.updated_at, t.version
FROM survey_templates t
JOIN org_units ou ON ou.id = t.org_unit_id
JOIN survey_template_versions v ON v.template_id = t.id AND v.revision = t.revision
WHERE t.id = ? AND (? = 1 OR ou.path LIKE ?)

-- name: survey-unit-manageable
SELECT id FROM org_units WHERE id = ? AND (? = 1 OR path LIKE ?)

-- name: survey-template-insert
INSERT INTO survey_templates (org_unit_id, name, description, status, revision, created_by, version, created_at, updated_at)
VALUES (?, ?, ?, ?, 1, ?, 1, ?, ?) RETURNING id

-- name: survey-template-update
UPDATE survey_templates SET org_unit_id = ?, name = ?, description = ?, status = ?, revision = ?,
    updated_at = ?, version = version + 1
WHERE id = ? AND version = ?

-- name: survey-template-version-row
SELECT version FROM survey_templates WHERE id = ?

-- name: survey-version-insert
INSERT INTO survey_template_versions (template_id, revision, items, created_by, version, created_at)
VALUES (?, ?, ?, ?, 1, ?) RETURNING id

-- name: survey-version-update-items
UPDATE survey_template_versions SET items = ?, version = version + 1
WHERE id = ? AND NOT EXISTS (SELECT 1 FROM survey_requests r WHERE r.template_version_id = survey_template_versions.id)

-- name: survey-version-get
SELECT v.id, v.template_id, t.name, v.revision, v.items
FROM survey_template_versions v JOIN survey_templates t ON t.id = v.template_id
WHERE v.id = ?

-- name: survey-request-insert
INSERT INTO survey_requests (customer_id, template_id, template_version_id, channel, token_hash, expires_at,
    created_by, org_unit_id, created_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id

-- name: survey-request-get
SELECT r.id, r.customer_id, r.template_id, r.template_version_id, r.channel, r.token_hash, r.expires_at,
    COALESCE(r.created_by, 0) AS created_by, COALESCE(u.name, '') AS creator_name,
    COALESCE(r.org_unit_id, 0) AS org_unit_id, r.created_at, r.answered_at, r.answer_id, r.version
FROM survey_requests r LEFT JOIN users u ON u.id = r.created_by
WHERE r.customer_id = ? AND r.id = ?

-- name: survey-request-list
SELECT r.id, r.customer_id, r.template_id, r.template_version_id, r.channel, r.token_hash, r.expires_at,
    COALESCE(r.created_by, 0) AS created_by, COALESCE(u.name, '') AS creator_name,
    COALESCE(r.org_unit_id, 0) AS org_unit_id, r.created_at, r.answered_at, r.answer_id, r.version
FROM survey_requests r LEFT JOIN users u ON u.id = r.created_by
WHERE r.customer_id = ? ORDER BY r.id DESC LIMIT /*limit*/

-- name: survey-request-by-token
SELECT r.id, r.customer_id, r.template_id, r.template_version_id, r.channel, r.token_hash, r.expires_at,
    COALESCE(r.created_by, 0) AS created_by, '' AS creator_name,
    COALESCE(r.org_unit_id, 0) AS org_unit_id, r.created_at, r.answered_at, r.answer_id, r.version,
    c.name AS customer_name
FROM survey_requests r JOIN customers c ON c.id = r.customer_id
WHERE r.token_hash = ? AND r.channel = 'link' AND c.deleted_at IS NULL

-- name: survey-request-answered
UPDATE survey_requests SET answered_at = ?, answer_id = ?, version = version + 1
WHERE id = ? AND answer_id IS NULL

-- name: survey-answer-insert
INSERT INTO survey_answers (request_id, customer_id, template_id, template_version_id, channel, staff_id,
    org_unit_id, comment, score, low, answered_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id

-- name: survey-answer-item-insert
INSERT INTO survey_answer_items (answer_id, item_key, item_type, score, value, satisfied, nps_class)
VALUES (?, ?, ?, ?, ?, ?, ?)

-- name: survey-answer-set-ticket
UPDATE survey_answers SET ticket_id = ?, ticket_number = ?, version = version + 1
WHERE id = ? AND ticket_id IS NULL

-- name: survey-answer-get
SELECT s.id, s.request_id, s.customer_id, s.template_id, t.name AS template_name, s.template_version_id,
    v.revision, s.channel, COALESCE(s.staff_id, 0) AS staff_id, COALESCE(u.name, '') AS staff_name,
    COALESCE(s.org_unit_id, 0) AS org_unit_id, s.comment, s.score, s.low, s.ticket_id, s.ticket_number,
    s.answered_at, s.version
FROM survey_answers s
JOIN survey_templates t ON t.id = s.template_id
JOIN survey_template_versions v ON v.id = s.template_version_id
LEFT JOIN users u ON u.id = s.staff_id
WHERE s.customer_id = ? AND s.id = ?

-- name: survey-answer-list
SELECT s.id, s.request_id, s.customer_id, s.template_id, t.name AS template_name, s.template_version_id,
    v.revision, s.channel, COALESCE(s.staff_id, 0) AS staff_id, COALESCE(u.name, '') AS staff_name,
    COALESCE(s.org_unit_id, 0) AS org_unit_id, s.comment, s.score, s.low, s.ticket_id, s.ticket_number,
    s.answered_at, s.version
FROM survey_answers s
JOIN survey_templates t ON t.id = s.template_id
JOIN survey_template_versions v ON v.id = s.template_version_id
LEFT JOIN users u ON u.id = s.staff_id
WHERE s.customer_id = ? ORDER BY s.id DESC LIMIT /*limit*/

-- name: survey-answer-pending
SELECT s.id, s.request_id, s.customer_id, s.template_id, t.name AS template_name, s.template_version_id,
    v.revision, s.channel, COALESCE(s.staff_id, 0) AS staff_id, '' AS staff_name,
    COALESCE(s.org_unit_id, 0) AS org_unit_id, s.comment, s.score, s.low, s.ticket_id, s.ticket_number,
    s.answered_at, s.version
FROM survey_answers s
JOIN survey_templates t ON t.id = s.template_id
JOIN survey_template_versions v ON v.id = s.template_version_id
WHERE s.low = 1 AND s.ticket_id IS NULL AND s.answered_at < ?
ORDER BY s.answered_at LIMIT /*limit*/

-- name: survey-answer-items
SELECT item_key, item_type, score, value, satisfied, nps_class
FROM survey_answer_items WHERE answer_id = ?
