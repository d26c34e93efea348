-- name: idem-insert
INSERT INTO idempotency_keys (user_id, key, method, path, body_hash, status, headers, created_at)
VALUES (?, ?, ?, ?, ?, 0, '{}', ?) ON CONFLICT (user_id, key) DO NOTHING

-- name: idem-get
SELECT user_id, key, method, path, body_hash, status, headers, body, created_at, completed_at
FROM idempotency_keys WHERE user_id = ? AND key = ?

-- name: idem-finish
UPDATE idempotency_keys SET status = ?, headers = ?, body = ?, completed_at = ?
WHERE user_id = ? AND key = ? AND status = 0

-- name: idem-abort
DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND status = 0

-- name: idem-expire
DELETE FROM idempotency_keys WHERE created_at < ?
