-- Lock the resource so concurrent bookings of its slots count in turn.
-- name: apt-resource-lock
SELECT id FROM appointment_resources WHERE id = ? FOR UPDATE
