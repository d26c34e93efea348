-- name: audit-head-lock
SELECT seq, hash FROM audit_head WHERE id = 1

-- name: audit-head-move
UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1

-- name: audit-insert
INSERT INTO audit_log (seq, at, actor_id, actor_name, addr, action, object_type, object_id,
    customer_id, outcome, detail, prev_hash, hash)
VALUES (:seq, :at, :actor_id, :actor_name, :addr, :action, :object_type, :object_id,
    :customer_id, :outcome, :detail, :prev_hash, :hash)

-- name: audit-chain-page
SELECT id, seq, at, actor_id, actor_name, addr, action, object_type, object_id, customer_id,
    outcome, detail, prev_hash, hash
FROM audit_log WHERE seq > ? ORDER BY seq LIMIT /*limit*/
