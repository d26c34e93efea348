-- name: outbox-claim
-- One due message: queued, failed and due, or sending with a lapsed lease.
-- SQLite has one writer, so the subquery and the update are one step.
UPDATE outbox_messages SET status = 'sending', attempts = attempts + 1, claimed_until = ?, claimed_by = ?,
    updated_at = ?, version = version + 1
WHERE id = (SELECT id FROM outbox_messages
    WHERE status IN ('queued','failed','sending') AND next_attempt_at <= ?
      AND (claimed_until IS NULL OR claimed_until < ?)
    ORDER BY next_attempt_at, id LIMIT 1)
RETURNING id
