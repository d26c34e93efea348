-- Several instances claim exports at once: skip a row another is claiming.

-- name: export-next
SELECT id, attempt FROM exports
WHERE status = 'queued' OR (status = 'running' AND lease_until < ?)
ORDER BY id LIMIT 1
FOR UPDATE SKIP LOCKED
