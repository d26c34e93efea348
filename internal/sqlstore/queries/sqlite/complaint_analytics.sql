-- Complaint analytics: UTC hours from the stored timestamp text (turned into
-- China days in Go) and wall-clock minutes with julianday.

-- name: complaint-analytics-days
-- Grouped by the UTC hour cut from the stored text (no date parsing per
-- row); Go turns the hours into China days (localDays).
SELECT 'received' AS kind, substr(t.received_at, 1, 13) AS day, COUNT(*) AS n
FROM tickets t
WHERE /*tickets*/
GROUP BY substr(t.received_at, 1, 13)
UNION ALL
SELECT 'closed' AS kind, substr(t.closed_at, 1, 13) AS day, COUNT(*) AS n
FROM tickets t
WHERE /*closed*/
GROUP BY substr(t.closed_at, 1, 13)

-- One pass for the category Pareto, the units and the staff: the report
-- sums the (category, unit, assignee) groups along each axis. The unary +
-- keeps SQLite from walking the category index row by row to avoid a sort.
-- name: complaint-analytics-groups
SELECT g.category_id, g.unit_id, COALESCE(o.name, '') AS unit_name,
    g.assignee_id, COALESCE(u.name, '') AS assignee_name, g.n
FROM (SELECT COALESCE(t.category_id, 0) AS category_id, COALESCE(t.org_unit_id, 0) AS unit_id,
        COALESCE(t.assignee_id, 0) AS assignee_id, COUNT(*) AS n
    FROM tickets t
    WHERE /*tickets*/
    GROUP BY +t.category_id, +t.org_unit_id, +t.assignee_id) g
LEFT JOIN org_units o ON o.id = g.unit_id
LEFT JOIN users u ON u.id = g.assignee_id
