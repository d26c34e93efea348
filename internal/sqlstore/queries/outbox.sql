-- name: outbox-enqueue
INSERT INTO outbox_messages (channel, purpose, customer_id, user_id, recipient, template, vars, locale,
    send_after, idem_key, ref_kind, ref_id, status, attempts, next_attempt_at, created_at, updated_at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, 1)
ON CONFLICT (idem_key) DO NOTHING

-- name: outbox-cancel-ref
UPDATE outbox_messages SET status = 'cancelled', updated_at = ?, version = version + 1
WHERE ref_kind = ? AND ref_id = ? AND status IN ('queued','failed')

-- name: outbox-columns
SELECT m.id, m.channel, m.purpose, m.customer_id, m.user_id, m.recipient, m.template, m.vars, m.locale,
    m.send_after, m.idem_key, m.ref_kind, m.ref_id, m.status, m.created_at, m.attempts, m.next_attempt_at,
    m.claimed_until, m.claimed_by, m.last_error, m.provider_id, m.sent_at, m.subject, m.body, m.updated_at,
    m.version, COALESCE(c.name, '') AS customer_name
FROM outbox_messages m LEFT JOIN customers c ON c.id = m.customer_id

-- name: outbox-id-by-key
SELECT id FROM outbox_messages WHERE idem_key = ?

-- The result of an attempt, guarded by the claim: an instance whose lease
-- ran out (and whose message another instance took) changes nothing.
-- name: outbox-finish
UPDATE outbox_messages SET status = ?, last_error = ?, provider_id = ?, subject = ?, body = ?,
    next_attempt_at = ?, sent_at = ?, attempts = attempts - ?, claimed_until = NULL, claimed_by = '',
    updated_at = ?, version = version + 1
WHERE id = ? AND claimed_by = ? AND status = 'sending'

-- name: outbox-attempt-insert
INSERT INTO outbox_attempts (message_id, n, at, outcome, error, provider_id, claimed_by)
SELECT id, attempts, ?, ?, ?, ?, ? FROM outbox_messages WHERE id = ?

-- name: outbox-attempts
SELECT id, message_id, n, at, outcome, error, provider_id, claimed_by FROM outbox_attempts
WHERE message_id = ? ORDER BY id

-- name: outbox-notification-insert
INSERT INTO notifications (user_id, kind, ticket_id, args, dedupe, created_at, version)
VALUES (?, 'message', NULL, ?, ?, ?, 1)
ON CONFLICT (user_id, dedupe) WHERE dedupe <> '' DO NOTHING

-- name: outbox-target-customer
SELECT name, mobile, email, consent, deleted_at IS NOT NULL AS deleted FROM customers WHERE id = ?

-- name: outbox-target-user
SELECT name, disabled <> 0 AS deleted FROM users WHERE id = ?

-- A slot in the minute window of the channel; no row comes back when the
-- window is full.
-- name: outbox-rate-take
INSERT INTO outbox_rate (channel, window_start, n) VALUES (?, ?, 1)
ON CONFLICT (channel, window_start) DO UPDATE SET n = outbox_rate.n + 1 WHERE outbox_rate.n < ?
RETURNING n

-- name: outbox-rate-prune
DELETE FROM outbox_rate WHERE window_start < ?

-- name: outbox-templates
SELECT key, locale, subject, body, version, updated_at FROM outbox_templates ORDER BY key, locale

-- name: outbox-template-insert
INSERT INTO outbox_templates (key, locale, subject, body, version, updated_at) VALUES (?, ?, ?, ?, 1, ?)
ON CONFLICT (key, locale) DO NOTHING

-- name: outbox-template-update
UPDATE outbox_templates SET subject = ?, body = ?, version = version + 1, updated_at = ?
WHERE key = ? AND locale = ? AND version = ?

-- name: outbox-template-version
SELECT version FROM outbox_templates WHERE key = ? AND locale = ?

-- name: outbox-config
SELECT config, version FROM outbox_config WHERE id = 1

-- name: outbox-config-insert
INSERT INTO outbox_config (id, config, version, updated_at) VALUES (1, ?, 1, ?)
ON CONFLICT (id) DO NOTHING

-- name: outbox-config-update
UPDATE outbox_config SET config = ?, version = version + 1, updated_at = ? WHERE id = 1 AND version = ?

-- name: outbox-config-version
SELECT version FROM outbox_config WHERE id = 1

-- name: outbox-secret-insert
INSERT INTO outbox_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING

-- name: outbox-secret
SELECT value FROM outbox_secrets WHERE name = ?

-- name: outbox-state
SELECT status, version FROM outbox_messages WHERE id = ?

-- Cancel or queue again by hand; a retry starts the attempts afresh and
-- keeps the idempotency key.
-- name: outbox-set-status
UPDATE outbox_messages SET status = ?, attempts = CASE WHEN ? = 'queued' THEN 0 ELSE attempts END,
    next_attempt_at = ?, updated_at = ?, version = version + 1
WHERE id = ? AND version = ?

-- name: outbox-customer-consent
SELECT consent, version FROM customers WHERE id = ? AND deleted_at IS NULL

-- name: outbox-customer-consent-update
UPDATE customers SET consent = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?

-- name: outbox-customers-by-mobile
SELECT id FROM customers WHERE mobile = ? AND deleted_at IS NULL ORDER BY id

-- name: outbox-customer-name
SELECT name FROM customers WHERE id = ? AND deleted_at IS NULL

-- name: outbox-user-exists
SELECT id FROM users WHERE id = ? AND disabled = 0
