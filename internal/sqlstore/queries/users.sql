-- name: user-by-id
SELECT u.id, u.username, u.name, u.email, u.role, u.org_unit_id, o.name AS org_unit_name,
    o.path AS org_path, u.password_hash, u.password_changed_at, u.must_change_password,
    u.disabled, u.lang, u.version, u.created_at, u.updated_at
FROM users u JOIN org_units o ON o.id = u.org_unit_id
WHERE u.id = ?

-- name: user-by-username
SELECT u.id, u.username, u.name, u.email, u.role, u.org_unit_id, o.name AS org_unit_name,
    o.path AS org_path, u.password_hash, u.password_changed_at, u.must_change_password,
    u.disabled, u.lang, u.version, u.created_at, u.updated_at
FROM users u JOIN org_units o ON o.id = u.org_unit_id
WHERE u.username = ?

-- Every filter is optional: an empty text or 0 switches it off.
-- Parameters: under, under%, only id ×2, unit id ×2, role ×2, include disabled,
-- q, q%, q%.
-- name: users-list
SELECT u.id, u.username, u.name, u.email, u.role, u.org_unit_id, o.name AS org_unit_name,
    o.path AS org_path, u.password_hash, u.password_changed_at, u.must_change_password,
    u.disabled, u.lang, u.version, u.created_at, u.updated_at
FROM users u JOIN org_units o ON o.id = u.org_unit_id
WHERE (CAST(? AS TEXT) = '' OR o.path LIKE ?)
  AND (CAST(? AS BIGINT) = 0 OR u.id = ?)
  AND (CAST(? AS BIGINT) = 0 OR o.path LIKE (SELECT p.path FROM org_units p WHERE p.id = ?) || '%')
  AND (CAST(? AS TEXT) = '' OR u.role = ?)
  AND (CAST(? AS BIGINT) = 1 OR u.disabled = 0)
  AND (CAST(? AS TEXT) = '' OR u.username LIKE ? ESCAPE '\' OR u.name LIKE ? ESCAPE '\')
ORDER BY o.path, u.username
LIMIT 1000

-- name: user-count
SELECT COUNT(*) FROM users

-- name: user-insert
INSERT INTO users (username, name, email, role, org_unit_id, password_hash, password_changed_at,
    must_change_password, disabled, lang, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 1, ?, ?)
RETURNING id

-- name: user-update
UPDATE users SET name = ?, email = ?, role = ?, org_unit_id = ?, disabled = ?, lang = ?,
    updated_at = ?, version = version + 1
WHERE id = ? AND version = ?

-- name: user-version
SELECT version FROM users WHERE id = ?

-- name: user-set-password
UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = ?,
    updated_at = ?, version = version + 1
WHERE id = ? AND version = ?

-- Set at sign-in when the policy's maximum age has passed.
-- name: user-expire-password
UPDATE users SET must_change_password = 1, updated_at = ?, version = version + 1
WHERE id = ? AND must_change_password = 0

-- name: password-history-insert
INSERT INTO password_history (user_id, hash, created_at) VALUES (?, ?, ?)

-- name: password-history
SELECT hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT /*limit*/
