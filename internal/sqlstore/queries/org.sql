-- name: unit-by-id
SELECT id, parent_id, name, kind, path, version, created_at, updated_at
FROM org_units WHERE id = ?

-- name: units-all
SELECT id, parent_id, name, kind, path, version, created_at, updated_at
FROM org_units ORDER BY path

-- name: unit-count
SELECT COUNT(*) FROM org_units

-- name: unit-insert
INSERT INTO org_units (parent_id, name, kind, path, version, created_at, updated_at)
VALUES (?, ?, ?, '', 1, ?, ?)
RETURNING id

-- name: unit-set-path
UPDATE org_units SET path = ? WHERE id = ?

-- name: unit-update
UPDATE org_units SET parent_id = ?, name = ?, kind = ?, path = ?, updated_at = ?, version = version + 1
WHERE id = ? AND version = ?

-- Re-roots every descendant of a moved unit: the old path prefix (length ?)
-- is replaced by the new one.
-- name: unit-move-subtree
UPDATE org_units SET path = CAST(? AS TEXT) || substr(path, ?), updated_at = ?, version = version + 1
WHERE path LIKE ? AND id <> ?

-- name: unit-version
SELECT version FROM org_units WHERE id = ?

-- Serialises moves so two concurrent moves cannot form a cycle. SQLite has a
-- single writer already; PostgreSQL overrides this with a table lock.
-- name: unit-move-lock
SELECT 1
