-- name: job-claim
-- SQLite has one writer, so the UPDATE is the claim. Each branch reads its
-- partial index (due waiting jobs; running jobs whose lease ended) and
-- stops at its first row; kinds is a JSON array of the kinds this worker
-- handles, so a job nobody handles stays queued.
UPDATE jobs SET status = 'running', attempts = attempts + 1, claimed_by = ?, claimed_until = ?, updated_at = ?,
    version = version + 1
WHERE id = (
    SELECT id FROM (
        SELECT * FROM (SELECT id, run_at FROM jobs
            WHERE status IN ('queued','failed') AND run_at <= ? AND kind IN (SELECT value FROM json_each(?))
            ORDER BY run_at, id LIMIT 1)
        UNION ALL
        SELECT * FROM (SELECT id, run_at FROM jobs
            WHERE status = 'running' AND claimed_until < ? AND kind IN (SELECT value FROM json_each(?))
            ORDER BY claimed_until, id LIMIT 1)
    ) ORDER BY run_at, id LIMIT 1)
RETURNING id, kind, dedupe_key, payload AS payload_text, attempts, max_attempts, run_at
