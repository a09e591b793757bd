-- 0007_housekeeping: when each housekeeping task (the retention purges) last ran and when it runs next.
-- Stored, not counted from start-up, so a bot restarted every few hours still purges on time, a run
-- missed while it was stopped happens once at the next start, and several processes share one schedule.
-- A task is claimed by moving next_run_at past now (its lease: claimed_at set, attempts + 1) in one
-- guarded UPDATE, so one caller runs it; settling sets the next time, last_run_at and last_result.
-- A run cut off by a crash keeps its lease until next_run_at, then is simply due again.
CREATE TABLE housekeeping (
    name         TEXT    PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    next_run_at  TEXT    NOT NULL,
    claimed_at   TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_run_at  TEXT,
    last_result  TEXT
);
