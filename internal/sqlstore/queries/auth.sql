-- name: login-attempts-since
SELECT at, ok FROM login_attempts WHERE username = ? AND at >= ? ORDER BY at, id

-- name: login-attempt-insert
INSERT INTO login_attempts (username, addr, ok, at) VALUES (?, ?, ?, ?)

-- name: token-insert
INSERT INTO api_tokens (user_id, name, prefix, hash, created_at, version)
VALUES (?, ?, ?, ?, ?, 1)
RETURNING id

-- name: tokens-by-user
SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at, version
FROM api_tokens WHERE user_id = ? ORDER BY id DESC

-- name: token-by-id
SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at, version
FROM api_tokens WHERE id = ?

-- One round trip per API request: the token and its user with the unit.
-- name: token-user-by-hash
SELECT t.id AS token_id, t.last_used_at AS token_last_used_at, t.revoked_at AS token_revoked_at,
    u.id, u.username, u.name, u.email, u.role, u.org_unit_id, o.name AS org_unit_name,
    o.path AS org_path, u.password_hash, u.password_changed_at, u.must_change_password,
    u.disabled, u.lang, u.version, u.created_at, u.updated_at
FROM api_tokens t
JOIN users u ON u.id = t.user_id
JOIN org_units o ON o.id = u.org_unit_id
WHERE t.hash = ?

-- name: token-revoke
UPDATE api_tokens SET revoked_at = ?, version = version + 1
WHERE id = ? AND revoked_at IS NULL

-- Bookkeeping, not an edit: the version stays so a token's ETag does not
-- change with every use.
-- name: token-touch
UPDATE api_tokens SET last_used_at = ? WHERE id = ?
