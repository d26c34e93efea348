-- +goose Up
-- The background job queue (ARCHITECTURE §4). Modules insert jobs in the
-- transaction of the change that causes them; a worker claims a due job
-- with a guarded UPDATE that sets a lease (claimed_until, claimed_by), so
-- two instances never run one job and a crashed worker's job is claimed
-- again when its lease ends. A non-empty dedupe_key makes an enqueue
-- idempotent per kind; (schedule_name, fire_time) makes each occurrence of
-- a schedule one job however many instances tick.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    dedupe_key    TEXT NOT NULL DEFAULT '',
    payload       TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','done','failed','dead')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL DEFAULT 8,
    run_at        TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    claimed_by    TEXT NOT NULL DEFAULT '',
    last_error    TEXT NOT NULL DEFAULT '',
    schedule_name TEXT NOT NULL DEFAULT '',
    fire_time     TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX jobs_dedupe ON jobs(kind, dedupe_key) WHERE dedupe_key <> '';
CREATE UNIQUE INDEX jobs_occurrence ON jobs(schedule_name, fire_time) WHERE schedule_name <> '';
-- The claim scans waiting jobs by due time, and running ones by lease end.
CREATE INDEX jobs_due ON jobs(run_at, id) WHERE status IN ('queued','failed');
CREATE INDEX jobs_lease ON jobs(claimed_until, id) WHERE status = 'running';
CREATE INDEX jobs_status ON jobs(status, id);
CREATE INDEX jobs_done ON jobs(finished_at) WHERE status = 'done';

-- Periodic schedules: a cron expression read in an IANA time zone. The
-- scheduler enqueues the latest due occurrence after last_fire_time.
CREATE TABLE job_schedules (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    cron           TEXT NOT NULL,
    tz             TEXT NOT NULL,
    kind           TEXT NOT NULL,
    payload        TEXT NOT NULL DEFAULT '{}',
    last_fire_time TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);

-- +goose Down
DROP TABLE job_schedules;
DROP TABLE jobs;
