-- Moves are rare; a table lock keeps two concurrent moves from forming a
-- cycle while reads go on.
-- name: unit-move-lock
LOCK TABLE org_units IN SHARE ROW EXCLUSIVE MODE
