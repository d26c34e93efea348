-- name: outbox-enqueue
INSERT INTO outbox_messages (channel, purpose, customer_id, user_id, recipient, template, vars, locale,
    send_after, idem_key, ref_kind, ref_id, status, attempts, next_attempt_at, created_at, updated_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, 1)
ON CONFLICT (idem_key) DO NOTHING

-- name: outbox-cancel-ref
UPDATE outbox_messages SET status = 'cancelled', updated_at = ?, version = version + 1
WHERE ref_kind = ? AND ref_id = ? AND status IN ('queued','failed')
