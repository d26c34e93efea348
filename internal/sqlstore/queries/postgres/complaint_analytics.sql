-- Complaint analytics: days in China time and wall-clock minutes from
-- TIMESTAMPTZ differences.

-- name: complaint-analytics-days
SELECT 'received' AS kind, to_char(t.received_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day, COUNT(*) AS n
FROM tickets t
WHERE /*tickets*/
GROUP BY to_char(t.received_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
UNION ALL
SELECT 'closed' AS kind, to_char(t.closed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day, COUNT(*) AS n
FROM tickets t
WHERE /*closed*/
GROUP BY to_char(t.closed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')

-- One pass for the category Pareto, the units and the staff: the report
-- sums the (category, unit, assignee) groups along each axis.
-- name: complaint-analytics-groups
SELECT g.category_id, g.unit_id, COALESCE(o.name, '') AS unit_name,
    g.assignee_id, COALESCE(u.name, '') AS assignee_name, g.n
FROM (SELECT COALESCE(t.category_id, 0) AS category_id, COALESCE(t.org_unit_id, 0) AS unit_id,
        COALESCE(t.assignee_id, 0) AS assignee_id, COUNT(*) AS n
    FROM tickets t
    WHERE /*tickets*/
    GROUP BY t.category_id, t.org_unit_id, t.assignee_id) g
LEFT JOIN org_units o ON o.id = g.unit_id
LEFT JOIN users u ON u.id = g.assignee_id
