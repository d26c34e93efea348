-- Work logs and visit forms (internal/worklog). /*wscope*/ is replaced by
-- the work-log scope predicate on alias w and is the first placeholder-bearing
-- part of each query that has it.

-- name: worklog-columns
SELECT w.id, w.kind, w.author_id, COALESCE(au.name, '') AS author_name, w.work_on, w.content, w.minutes,
    w.destination, w.person_visited, w.contact, w.purpose, w.result, w.status, w.submitted_at, w.reviewer_id,
    COALESCE(ru.name, '') AS reviewer_name, w.reviewed_at, w.review_comment, w.version, w.created_at, w.updated_at
FROM work_logs w LEFT JOIN users au ON au.id = w.author_id LEFT JOIN users ru ON ru.id = w.reviewer_id

-- name: worklog-get
WHERE /*wscope*/ AND w.id = ?

-- name: worklog-list-author
WHERE /*wscope*/ AND w.author_id = ? AND (? = '' OR w.status = ?) AND w.work_on >= ? AND w.work_on <= ?
ORDER BY w.work_on DESC, w.id DESC LIMIT /*limit*/

-- name: worklog-list-review
WHERE /*wscope*/ AND w.status = ? AND w.author_id <> ? AND w.work_on >= ? AND w.work_on <= ?
ORDER BY w.work_on, w.id LIMIT /*limit*/

-- name: worklog-insert
INSERT INTO work_logs (kind, author_id, work_on, content, minutes, destination, person_visited, contact, purpose,
    result, status, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', 1, ?, ?) RETURNING id

-- name: worklog-update
UPDATE work_logs SET work_on = ?, content = ?, minutes = ?, destination = ?, person_visited = ?, contact = ?,
    purpose = ?, result = ?, version = version + 1, updated_at = ?
WHERE id = ? AND version = ? AND status IN ('draft', 'returned')

-- name: worklog-state
UPDATE work_logs SET status = ?, submitted_at = ?, reviewer_id = ?, reviewed_at = ?, review_comment = ?,
    version = version + 1, updated_at = ?
WHERE id = ? AND version = ?

-- name: worklog-version
SELECT version FROM work_logs WHERE id = ?

-- name: worklog-customers-delete
DELETE FROM work_log_customers WHERE work_log_id = ?

-- name: worklog-customers-insert
INSERT INTO work_log_customers (work_log_id, customer_id) VALUES (?, ?)

-- Only the linked customers the reader's customer scope shows.
-- name: worklog-customers
SELECT l.customer_id, c.name FROM work_log_customers l JOIN customers c ON c.id = l.customer_id
WHERE /*scope*/ AND l.work_log_id = ? AND c.deleted_at IS NULL ORDER BY c.name, c.id
