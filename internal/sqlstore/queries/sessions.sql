-- Expiry is Unix nanoseconds.
-- name: session-find
SELECT data, expiry FROM sessions WHERE token = ? AND expiry > ?

-- name: session-commit
INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)
ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry

-- name: session-delete
DELETE FROM sessions WHERE token = ?

-- name: session-delete-expired
DELETE FROM sessions WHERE expiry <= ?
