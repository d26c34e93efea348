-- name: job-claim
-- SKIP LOCKED lets concurrent workers pass over a row another transaction
-- is claiming instead of waiting for it; the row lock and the re-checked
-- WHERE make the UPDATE the single claim. kinds is a JSON array of the
-- kinds this worker handles, so a job nobody handles stays queued.
UPDATE jobs SET status = 'running', attempts = attempts + 1, claimed_by = ?, claimed_until = ?, updated_at = ?,
    version = version + 1
WHERE id = (
    SELECT id FROM jobs
    WHERE (status IN ('queued','failed') AND run_at <= ?
           AND kind IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb))))
       OR (status = 'running' AND claimed_until < ?
           AND kind IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb))))
    ORDER BY run_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED)
RETURNING id, kind, dedupe_key, payload AS payload_text, attempts, max_attempts, run_at
