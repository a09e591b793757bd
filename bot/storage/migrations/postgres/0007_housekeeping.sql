-- 0007_housekeeping (PostgreSQL twin of sqlite/0007_housekeeping.sql): the housekeeping schedule.
-- A task is claimed by moving next_run_at past now in one guarded UPDATE, under a transaction-level
-- advisory lock per task (pg_try_advisory_xact_lock), so exactly one process runs it.
CREATE TABLE housekeeping (
    name         text        PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    next_run_at  timestamptz NOT NULL,
    claimed_at   timestamptz,
    attempts     integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_run_at  timestamptz,
    last_result  text
);
