-- name: import-ids
-- n new ids for {table} from its identity sequence, so the rows can be
-- COPYed with their ids and without RETURNING.
SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, ?)
