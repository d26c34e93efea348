-- name: customer-columns
SELECT c.id, c.number, c.kind, c.name, c.name_pinyin, c.gender, c.birthday, c.lunar_birthday,
    c.id_type, c.id_number, c.mobile, c.phone, c.email, c.wechat, c.province, c.city, c.district,
    c.address, c.market, c.industry, c.source, c.stage, c.grade, c.custom, c.consent, c.notes,
    c.owner_id, u.name AS owner_name, c.created_by, c.created_at, c.updated_at, c.last_contact_at,
    c.deleted_at, c.version,
    COALESCE((SELECT string_agg(tag, ',' ORDER BY tag) FROM customer_tags WHERE customer_id = c.id), '') AS tags
FROM customers c JOIN users u ON u.id = c.owner_id

-- name: customer-insert
INSERT INTO customers (number, kind, name, name_pinyin, gender, birthday, lunar_birthday,
    id_type, id_number, id_number_bidx, id_key_bidx, mobile, phone, email, wechat, province, city, district, address,
    market, industry, source, stage, grade, custom, consent, notes, owner_id, created_by,
    created_at, updated_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
RETURNING id

-- name: customer-update
UPDATE customers SET kind = ?, name = ?, name_pinyin = ?, gender = ?, birthday = ?,
    lunar_birthday = ?, id_type = ?, id_number = ?, id_number_bidx = ?, id_key_bidx = ?, mobile = ?, phone = ?, email = ?, wechat = ?,
    province = ?, city = ?, district = ?, address = ?, market = ?, industry = ?, source = ?,
    stage = ?, grade = ?, custom = ?, consent = ?, notes = ?, updated_at = ?, version = version + 1
WHERE id = ? AND version = ? AND deleted_at IS NULL

-- name: customer-duplicates
SELECT id, number, id_number_bidx, mobile FROM customers
WHERE id <> ? AND ((id_number_bidx = ? AND id_number_bidx <> '') OR (mobile = ? AND mobile <> ''))
LIMIT 2

-- name: customer-soft-delete
UPDATE customers SET deleted_at = ?, updated_at = ?, version = version + 1
WHERE id = ? AND version = ? AND deleted_at IS NULL

-- name: customer-restore
UPDATE customers SET deleted_at = NULL, updated_at = ?, version = version + 1
WHERE id = ? AND deleted_at IS NOT NULL

-- name: customer-version
SELECT version FROM customers WHERE id = ?

-- name: customer-tags-delete
DELETE FROM customer_tags WHERE customer_id = ?

-- name: customer-tag-insert
INSERT INTO customer_tags (tag, customer_id) VALUES (?, ?)

-- name: customer-tokens-delete
DELETE FROM customer_tokens WHERE customer_id = ?

-- name: sequence-next
UPDATE sequences SET value = value + 1 WHERE name = ? RETURNING value

-- name: sequence-init
INSERT INTO sequences (name, value) VALUES (?, 1)

-- name: setting-value
SELECT value FROM settings WHERE key = ?

-- name: customer-set-owner
UPDATE customers SET owner_id = ?, updated_at = ?, version = version + 1 WHERE id = ?

-- name: transfer-insert
INSERT INTO customer_transfers (customer_id, from_owner, to_owner, reason, by_user, at)
VALUES (?, ?, ?, ?, ?, ?)

-- name: transfer-move-tasks
-- The new owner inherits the open tasks the old owner had on the customer.
UPDATE tasks SET owner_id = ?, version = version + 1, updated_at = ?
WHERE customer_id = ? AND owner_id = ? AND status = 'open';

-- name: transfer-list
SELECT t.id, t.customer_id, t.from_owner, fu.name AS from_name, t.to_owner, tu.name AS to_name,
    t.reason, t.by_user, COALESCE(bu.name, '') AS by_name, t.at
FROM customer_transfers t
JOIN users fu ON fu.id = t.from_owner
JOIN users tu ON tu.id = t.to_owner
LEFT JOIN users bu ON bu.id = t.by_user
WHERE t.customer_id = ? ORDER BY t.id DESC

-- name: transfer-target
SELECT u.id, u.name, u.disabled, o.path FROM users u JOIN org_units o ON o.id = u.org_unit_id
WHERE u.id = ?

-- name: customer-history
-- A survivor’s history includes every customer merged into it. IN (… UNION
-- ALL …) rather than OR: PostgreSQL cannot use the index for an OR with IN.
SELECT id, seq, at, actor_id, actor_name, addr, action, object_type, object_id, customer_id,
    outcome, detail, prev_hash, hash
FROM audit_log
WHERE customer_id IN (SELECT CAST(? AS BIGINT) UNION ALL SELECT merged_id FROM customer_merges WHERE survivor_id = ?)
ORDER BY seq DESC LIMIT /*limit*/

-- name: customer-touch-contact
UPDATE customers SET last_contact_at = ? WHERE id = ? AND (last_contact_at IS NULL OR last_contact_at < ?)

-- name: field-defs
SELECT id, key, label_zh, label_en, type, options, required, position, version, created_at, updated_at
FROM custom_field_defs ORDER BY position, id

-- name: field-def-insert
INSERT INTO custom_field_defs (key, label_zh, label_en, type, options, required, position, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id

-- name: field-def-update
UPDATE custom_field_defs SET label_zh = ?, label_en = ?, options = ?, required = ?, position = ?,
    updated_at = ?, version = version + 1
WHERE id = ? AND version = ?

-- name: field-def-version
SELECT version FROM custom_field_defs WHERE id = ?
