-- 0003_pending_logs: a first /session log waiting for the member's "I agree".
-- The consent prompt's buttons carry only this row's id, so they keep working after a restart, and
-- "I agree" logs the session at most once however often it is clicked: the first click sets session_id
-- (and clears the note, now kept in sessions), later clicks find it set and show the same session.
-- A row is deleted on "Cancel", with the member's data, and a day after it was made.
CREATE TABLE pending_logs (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL,
    area           TEXT    NOT NULL CHECK (area IN ('feet', 'calves', 'thighs', 'whole-legs')),
    intensity      TEXT    NOT NULL CHECK (intensity IN ('light', 'medium', 'firm', 'deep')),
    delay_seconds  INTEGER NOT NULL CHECK (delay_seconds > 0),
    note           TEXT CHECK (note IS NULL OR length(note) BETWEEN 1 AND 200),
    guild_id       INTEGER,
    channel_id     INTEGER,
    created_at     TEXT    NOT NULL,
    session_id     INTEGER UNIQUE REFERENCES sessions (id) ON DELETE CASCADE
);
CREATE INDEX pending_logs_by_member ON pending_logs (user_id);
CREATE INDEX pending_logs_by_created_at ON pending_logs (created_at);
