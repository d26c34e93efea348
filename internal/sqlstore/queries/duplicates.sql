-- Duplicate detection (set-based: one statement per rule over the whole
-- table) and merging. Rules return unordered id pairs; Go orders them,
-- loads the facts of live customers only (so the rules need not read
-- deleted_at and can run off their partial indexes alone), compares and
-- scores them (customer.Compare).

-- name: dup-rule-id-number
-- The same ID number written differently: upper case, no spaces, an
-- 18-character number of the 1900s keyed by its 15-digit form. The key
-- (customer.IDKey) is stored as its blind index id_key_bidx (the number
-- itself is sealed); only that partial index is read. MATERIALIZED:
-- inlined, the self-join turns quadratic. (A window COUNT instead of the
-- GROUP BY costs twice the CPU on SQLite.)
WITH k AS MATERIALIZED (
    SELECT id, id_key_bidx AS k FROM customers WHERE id_key_bidx <> ''
), d AS (
    SELECT k FROM k GROUP BY k HAVING COUNT(*) BETWEEN 2 AND 20
)
SELECT ka.id AS a_id, kb.id AS b_id, 0 AS via_contact
FROM d JOIN k ka ON ka.k = d.k JOIN k kb ON kb.k = d.k AND kb.id > ka.id

-- name: dup-rule-mobile-phone
-- One customer’s mobile is another’s phone (the mobile index serves b).
SELECT a.id AS a_id, b.id AS b_id, 0 AS via_contact
FROM customers a JOIN customers b ON b.mobile = a.phone
WHERE a.phone <> '' AND b.mobile <> '' AND b.id <> a.id

-- name: dup-rule-contact-mobile
-- A customer’s mobile is the mobile of another customer’s contact.
SELECT ct.customer_id AS a_id, c.id AS b_id, 1 AS via_contact
FROM contacts ct
JOIN customers c ON c.mobile = ct.mobile
WHERE ct.mobile <> '' AND c.mobile <> '' AND c.id <> ct.customer_id

-- name: dup-rule-phone
-- The same landline, dashes ignored; a number shared by more than 20
-- customers is a switchboard, not a person.
WITH p AS MATERIALIZED (
    SELECT id, replace(phone, '-', '') AS k FROM customers WHERE phone <> ''
), d AS (
    SELECT k FROM p GROUP BY k HAVING COUNT(*) BETWEEN 2 AND 20
)
SELECT pa.id AS a_id, pb.id AS b_id, 0 AS via_contact
FROM d JOIN p pa ON pa.k = d.k JOIN p pb ON pb.k = d.k AND pb.id > pa.id

-- name: dup-rule-name-birthday
-- The same name and birthday (groups of more than 20 are too common to mean
-- anything).
WITH d AS (
    SELECT name, birthday FROM customers
    WHERE birthday <> ''
    GROUP BY name, birthday HAVING COUNT(*) BETWEEN 2 AND 20
)
SELECT a.id AS a_id, b.id AS b_id, 0 AS via_contact
FROM d
JOIN customers a ON a.name = d.name AND a.birthday = d.birthday
JOIN customers b ON b.name = d.name AND b.birthday = d.birthday AND b.id > a.id

-- name: dup-facts
-- Facts of the customers in a batch of pairs ("WHERE id IN (…)" added in Go).
SELECT id, name, name_pinyin, birthday, id_number, mobile, phone FROM customers

-- name: dup-candidate-ids
-- Customers that may be the same as one customer, each rule through an
-- index: the blind index of the duplicate key of its ID number (every variant), its phones (the landline also
-- without dashes; a stored number with dashes is only found by the scan),
-- contacts’ mobiles, its name and birthday.
SELECT id FROM customers WHERE id_key_bidx = ? AND id_key_bidx <> ''
UNION SELECT id FROM customers WHERE mobile = ? AND mobile <> ''
UNION SELECT id FROM customers WHERE phone = ? AND phone <> ''
UNION SELECT id FROM customers WHERE phone IN (?, ?) AND phone <> ''
UNION SELECT customer_id FROM contacts WHERE mobile = ? AND mobile <> ''
UNION SELECT c.id FROM customers c JOIN contacts ct ON ct.mobile = c.mobile WHERE ct.customer_id = ? AND ct.mobile <> ''
UNION SELECT id FROM customers WHERE name = ? AND birthday = ? AND birthday <> ''

-- name: dup-contact-mobiles
-- ("AND customer_id IN (…)" added in Go)
SELECT customer_id, mobile FROM contacts WHERE mobile <> ''

-- name: dup-side-columns
-- One side of a pair as the review shows it (alias c), with counts.
SELECT c.id, c.number, c.kind, c.name, c.birthday, c.id_number, c.mobile, c.phone, c.owner_id,
    u.name AS owner_name, c.created_at, c.version,
    (SELECT COUNT(*) FROM holdings h WHERE h.customer_id = c.id) AS holdings,
    (SELECT COUNT(*) FROM interactions i WHERE i.customer_id = c.id) AS interactions,
    (SELECT COUNT(*) FROM tickets t WHERE t.customer_id = c.id) AS tickets
FROM customers c JOIN users u ON u.id = c.owner_id

-- name: dup-pair-columns
-- A queue entry whose customers are both live; the scope predicates of both
-- (aliases ca, cb) and the filters are added in Go.
SELECT d.id, d.a_id, d.b_id, d.reason, d.score, d.source, d.import_id, d.status, d.decided_by,
    d.decided_at, d.created_at, d.version
FROM customer_duplicates d
JOIN customers ca ON ca.id = d.a_id AND ca.deleted_at IS NULL
JOIN customers cb ON cb.id = d.b_id AND cb.deleted_at IS NULL

-- name: dup-dismiss
UPDATE customer_duplicates SET status = 'dismissed', decided_by = ?, decided_at = ?, version = version + 1
WHERE id = ? AND version = ? AND status = 'open'

-- name: dup-version
SELECT version FROM customer_duplicates WHERE id = ?

-- name: merge-move-contacts
UPDATE contacts SET customer_id = ? WHERE customer_id = ?

-- name: merge-move-holdings
UPDATE holdings SET customer_id = ? WHERE customer_id = ?

-- name: merge-move-transactions
UPDATE transactions SET customer_id = ? WHERE customer_id = ?

-- name: merge-move-interactions
UPDATE interactions SET customer_id = ? WHERE customer_id = ?

-- name: merge-move-transfers
UPDATE customer_transfers SET customer_id = ? WHERE customer_id = ?

-- name: merge-move-tickets
UPDATE tickets SET customer_id = ? WHERE customer_id = ?

-- name: merge-move-survey-requests
UPDATE survey_requests SET customer_id = ? WHERE customer_id = ?

-- name: merge-move-survey-answers
UPDATE survey_answers SET customer_id = ? WHERE customer_id = ?

-- name: merge-detach-plan-tasks
-- A plan task of the merged customer whose occurrence the survivor already
-- has would break UNIQUE (plan_id, customer_id, occurrence): it keeps its
-- history but no longer counts as that plan’s occurrence.
UPDATE tasks SET plan_id = NULL, occurrence = NULL, version = version + 1, updated_at = ?
WHERE customer_id = ? AND plan_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM tasks s WHERE s.customer_id = ? AND s.plan_id = tasks.plan_id AND s.occurrence = tasks.occurrence)

-- name: merge-move-tasks
UPDATE tasks SET customer_id = ? WHERE customer_id = ?

-- name: merge-copy-work-logs
INSERT INTO work_log_customers (work_log_id, customer_id)
SELECT work_log_id, ? FROM work_log_customers WHERE customer_id = ?
ON CONFLICT (work_log_id, customer_id) DO NOTHING

-- name: merge-delete-work-logs
DELETE FROM work_log_customers WHERE customer_id = ?

-- name: merge-move-import-changes
-- Rows an import made under the merged customer stay undoable under the
-- survivor; the merged customer’s own create/update rows keep its id (an
-- undo finds it gone and leaves the survivor alone).
UPDATE import_changes SET customer_id = ? WHERE customer_id = ? AND object_type <> 'customer'

-- name: merge-move-merges
UPDATE customer_merges SET survivor_id = ?, version = version + 1 WHERE survivor_id = ?

-- name: merge-pairs-of
SELECT id, a_id, b_id, status FROM customer_duplicates WHERE a_id = ? OR b_id = ?

-- name: merge-pair-delete
DELETE FROM customer_duplicates WHERE id = ?

-- name: merge-pair-exists
SELECT id FROM customer_duplicates WHERE a_id = ? AND b_id = ?

-- name: merge-pair-repoint
UPDATE customer_duplicates SET a_id = ?, b_id = ?, version = version + 1 WHERE id = ?

-- name: merge-customer-delete
DELETE FROM customers WHERE id = ? AND version = ?

-- name: merge-insert
INSERT INTO customer_merges (survivor_id, merged_into, merged_id, merged_number, merged_name, snapshot,
    chosen, moved, by_user, at, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)

-- name: merge-list
SELECT m.id, m.survivor_id, m.merged_into, m.merged_id, m.merged_number, m.merged_name, m.by_user,
    COALESCE(u.name, '') AS by_name, m.at
FROM customer_merges m LEFT JOIN users u ON u.id = m.by_user
WHERE m.survivor_id = ? ORDER BY m.id DESC
