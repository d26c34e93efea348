-- The head row is locked so that appends from several instances form one chain.
-- name: audit-head-lock
SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE
