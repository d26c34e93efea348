-- name: setting-rows
SELECT key, value, version, updated_at FROM settings ORDER BY key

-- name: setting-row
SELECT key, value, version, updated_at FROM settings WHERE key = ?

-- A racing first write finds the row and reports stale instead of failing.
-- name: setting-insert
INSERT INTO settings (key, value, version, updated_at) VALUES (?, ?, 1, ?)
ON CONFLICT (key) DO NOTHING

-- name: setting-update
UPDATE settings SET value = ?, updated_at = ?, version = version + 1
WHERE key = ? AND version = ?

-- name: setting-version
SELECT version FROM settings WHERE key = ?
