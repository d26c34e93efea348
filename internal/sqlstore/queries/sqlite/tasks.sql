-- name: plan-table-exists
SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?

-- Local day in China time (UTC+8, no daylight saving).
-- name: report-interactions
SELECT i.staff_id, COALESCE(u.name, '') AS staff_name, COALESCE(u.org_unit_id, 0) AS unit_id,
    COALESCE(o.name, '') AS unit_name, date(i.occurred_at, '+8 hours') AS day, i.channel, i.purpose, COUNT(*) AS n
FROM interactions i JOIN customers c ON c.id = i.customer_id
    JOIN users u ON u.id = i.staff_id LEFT JOIN org_units o ON o.id = u.org_unit_id
WHERE /*scope*/ AND c.deleted_at IS NULL AND i.occurred_at >= ? AND i.occurred_at < ?
GROUP BY i.staff_id, u.name, u.org_unit_id, o.name, date(i.occurred_at, '+8 hours'), i.channel, i.purpose
