-- name: plan-table-exists
SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?

-- Local day in China time (UTC+8, no daylight saving).
-- name: report-interactions
SELECT i.staff_id, COALESCE(u.name, '') AS staff_name, COALESCE(u.org_unit_id, 0) AS unit_id,
    COALESCE(o.name, '') AS unit_name, to_char(i.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day,
    i.channel, i.purpose, COUNT(*) AS n
FROM interactions i JOIN customers c ON c.id = i.customer_id
    JOIN users u ON u.id = i.staff_id LEFT JOIN org_units o ON o.id = u.org_unit_id
WHERE /*scope*/ AND c.deleted_at IS NULL AND i.occurred_at >= ? AND i.occurred_at < ?
GROUP BY i.staff_id, u.name, u.org_unit_id, o.name, to_char(i.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), i.channel, i.purpose
