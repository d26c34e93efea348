-- SQLite's single writer (BEGIN IMMEDIATE) already serialises bookings;
-- the read keeps the same shape as PostgreSQL's row lock.
-- name: apt-resource-lock
SELECT id FROM appointment_resources WHERE id = ?
