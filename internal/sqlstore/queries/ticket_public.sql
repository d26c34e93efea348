-- The public complaint form (internal/ticket/public.go). Nothing here
-- carries a staff scope: the form's actor is the system, and the status
-- query returns only what the customer may see.

-- name: ticket-public-insert
INSERT INTO ticket_public (ticket_id, token_hash, contact_time, match_hint, consent_at, created_at, version)
VALUES (?, ?, ?, ?, ?, ?, 1)

-- A phone matches a customer only when one live customer has it (mobiles
-- are unique, a deleted holder does not count) and the hint, when given,
-- is its customer number or the last 4 of its ID number. LIMIT 2 tells
-- "one" from "several" should mobiles ever stop being unique. "mobile <> ''"
-- repeats the condition of the partial index customers_mobile, without
-- which neither engine uses it (a full scan per lookup).
-- The hint is compared in Go: the ID number is sealed at rest.
-- name: ticket-public-match
SELECT id, number, id_number FROM customers
WHERE mobile = ? AND mobile <> '' AND deleted_at IS NULL
LIMIT 2

-- name: ticket-public-status
SELECT t.number, t.received_at, t.status, t.feedback
FROM ticket_public p JOIN tickets t ON t.id = p.ticket_id
WHERE p.token_hash = ?

-- name: public-form-key-insert
INSERT INTO public_form_keys (name, secret, created_at, version) VALUES (?, ?, ?, 1)
ON CONFLICT (name) DO NOTHING

-- name: public-form-key
SELECT secret FROM public_form_keys WHERE name = ?

-- name: ticket-link-customer
UPDATE tickets SET customer_id = ?, updated_at = ?, version = version + 1
WHERE id = ? AND version = ? AND customer_id IS NULL

-- name: ticket-customer-of
SELECT customer_id FROM tickets WHERE id = ?
