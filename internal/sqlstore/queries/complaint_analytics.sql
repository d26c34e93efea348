-- Complaint analytics (投诉分析). The markers are filled in Go
-- (complaint_analytics.go), each with its own parameters in order:
--   /*tickets*/   tickets received in the period, not merged, in the
--                 actor's ticket scope, with the unit/category/channel filter;
--   /*closed*/    the same with closed_at in the period instead;
--   /*customers*/ the actor's customer scope (alias c) and the unit filter.
-- Per-day bucketing and the groups query (a planner hint)
-- differ per dialect: sqlite/ and postgres/.

-- name: complaint-analytics-totals
SELECT COUNT(*) AS total,
    CAST(COALESCE(SUM(CASE WHEN t.status = 'closed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS closed,
    CAST(COALESCE(SUM(CASE WHEN t.fr_breached_at IS NOT NULL OR t.res_breached_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS breached,
    CAST(COALESCE(SUM(CASE WHEN t.first_contact_resolution = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS first_contact,
    CAST(COALESCE(SUM(CASE WHEN t.resolved_at IS NOT NULL OR t.status = 'closed' OR t.reopen_count > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS resolved,
    CAST(COALESCE(SUM(CASE WHEN t.reopen_count > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS reopened,
    CAST(COALESCE(SUM(CASE WHEN t.status = 'closed' AND t.satisfaction IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS rated,
    CAST(COALESCE(SUM(CASE WHEN t.status = 'closed' AND t.satisfaction >= 4 THEN 1 ELSE 0 END), 0) AS BIGINT) AS satisfied,
    CAST(COALESCE(SUM(CASE WHEN TRIM(t.root_cause) <> '' THEN 1 ELSE 0 END), 0) AS BIGINT) AS with_cause
FROM tickets t
WHERE /*tickets*/

-- Root causes are free text: grouped by the trimmed text, the top ones
-- only (the rest is with_cause minus these).
-- name: complaint-analytics-root-causes
SELECT TRIM(t.root_cause) AS label, COUNT(*) AS n
FROM tickets t
WHERE /*tickets*/ AND TRIM(t.root_cause) <> ''
GROUP BY TRIM(t.root_cause)
ORDER BY n DESC, label
LIMIT 15

-- Active customers (C卡): stage 'customer', not deleted.
-- name: complaint-analytics-customers
SELECT COUNT(*) FROM customers c
WHERE c.stage = 'customer' AND c.deleted_at IS NULL AND /*customers*/

-- Durations come from the minute columns written with first_response_at
-- and resolved_at (no timestamp arithmetic per row).
-- name: complaint-analytics-durations
SELECT 'first_response' AS kind, t.first_response_minutes AS minutes, COUNT(*) AS n
FROM tickets t
WHERE /*tickets*/ AND t.first_response_minutes IS NOT NULL
GROUP BY t.first_response_minutes
UNION ALL
SELECT 'resolution' AS kind, t.resolution_minutes AS minutes, COUNT(*) AS n
FROM tickets t
WHERE /*tickets*/ AND t.resolution_minutes IS NOT NULL
GROUP BY t.resolution_minutes
