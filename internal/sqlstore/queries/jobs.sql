-- The job queue (internal/jobs). Every state change after the claim is
-- guarded by claimed_by and status 'running', so a worker whose lease was
-- taken over changes nothing.

-- name: job-enqueue
INSERT INTO jobs (kind, dedupe_key, payload, status, attempts, max_attempts, run_at, schedule_name, fire_time,
    created_at, updated_at, version)
VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?, ?, 1)
ON CONFLICT DO NOTHING

-- name: job-extend
UPDATE jobs SET claimed_until = ? WHERE id = ? AND claimed_by = ? AND status = 'running'

-- name: job-finish
UPDATE jobs SET status = 'done', claimed_until = NULL, last_error = '', finished_at = ?, updated_at = ?,
    version = version + 1
WHERE id = ? AND claimed_by = ? AND status = 'running'

-- name: job-fail
UPDATE jobs SET status = ?, run_at = ?, last_error = ?, claimed_until = NULL,
    finished_at = ?, updated_at = ?, version = version + 1
WHERE id = ? AND claimed_by = ? AND status = 'running'

-- name: job-release
UPDATE jobs SET status = 'queued', attempts = attempts - 1, claimed_until = NULL, claimed_by = '', run_at = ?,
    updated_at = ?, version = version + 1
WHERE id = ? AND claimed_by = ? AND status = 'running'

-- name: job-retry
UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?, claimed_until = NULL, finished_at = NULL,
    updated_at = ?, version = version + 1
WHERE id = ? AND version = ? AND status IN ('failed', 'dead')

-- name: job-version
SELECT version FROM jobs WHERE id = ?

-- name: job-columns
SELECT id, kind, dedupe_key, payload AS payload_text, status, attempts, max_attempts, run_at, claimed_until, claimed_by,
    last_error, schedule_name, fire_time, created_at, updated_at, finished_at, version
FROM jobs

-- name: job-get
WHERE id = ?

-- name: job-list
WHERE (? = '' OR status = ?) AND (? = '' OR kind = ?) AND id < ?
ORDER BY id DESC
LIMIT /*limit*/

-- name: job-counts
SELECT status, COUNT(*) AS n FROM jobs GROUP BY status

-- name: job-prune
DELETE FROM jobs WHERE id IN (
    SELECT id FROM jobs WHERE status = 'done' AND finished_at < ? ORDER BY finished_at LIMIT /*limit*/)

-- name: job-schedule-save
INSERT INTO job_schedules (name, cron, tz, kind, payload, created_at, updated_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, 1)
ON CONFLICT (name) DO UPDATE SET cron = excluded.cron, tz = excluded.tz, kind = excluded.kind,
    payload = excluded.payload, updated_at = excluded.updated_at, version = job_schedules.version + 1
WHERE job_schedules.cron <> excluded.cron OR job_schedules.tz <> excluded.tz
    OR job_schedules.kind <> excluded.kind OR job_schedules.payload <> excluded.payload

-- name: job-schedule-list
SELECT id, name, cron, tz, kind, payload AS payload_text, last_fire_time, created_at, updated_at, version
FROM job_schedules ORDER BY name

-- name: job-schedule-fired
UPDATE job_schedules SET last_fire_time = ?
WHERE id = ? AND (last_fire_time IS NULL OR last_fire_time < ?)
