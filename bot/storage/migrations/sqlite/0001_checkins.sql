-- 0001_checkins: members who agreed to be remembered, the massage sessions they log, the recovery
-- check-ins the bot sends about them, and their answers.
-- Every time is UTC text written by bot.storage.db.as_db_time, so comparing text compares moments.
-- Every table has a user_id column, so a member's data can be exported and deleted table by table.

-- A row here is the member's consent: nothing else about a member is stored without one.
CREATE TABLE members (
    user_id        INTEGER PRIMARY KEY,
    consented_at   TEXT    NOT NULL,
    timezone       TEXT    NOT NULL DEFAULT 'UTC',
    quiet_start    TEXT CHECK (quiet_start IS NULL OR quiet_start GLOB '[0-2][0-9]:[0-5][0-9]'),
    quiet_end      TEXT CHECK (quiet_end IS NULL OR quiet_end GLOB '[0-2][0-9]:[0-5][0-9]'),
    dm_channel_id  INTEGER,
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL)),
    CHECK (quiet_start IS NULL OR quiet_start <> quiet_end)
);

-- guild_id and channel_id: where the session was logged, the fallback when the member's DMs are closed.
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES members (user_id) ON DELETE CASCADE,
    area        TEXT    NOT NULL CHECK (area IN ('feet', 'calves', 'thighs', 'whole-legs')),
    intensity   TEXT    NOT NULL CHECK (intensity IN ('light', 'medium', 'firm', 'deep')),
    note        TEXT CHECK (note IS NULL OR length(note) BETWEEN 1 AND 200),
    guild_id    INTEGER,
    channel_id  INTEGER,
    logged_at   TEXT    NOT NULL
);
CREATE INDEX sessions_by_member ON sessions (user_id, logged_at);
CREATE INDEX sessions_by_logged_at ON sessions (logged_at);

-- Delivery is a state machine kept here so a crash can neither lose nor double a check-in:
-- pending -> sending -> sent, or failed / undeliverable / cancelled; a snooze puts a sent row back to pending.
-- due_at: when the member asked to be checked on; deliver_at: due_at moved out of their quiet hours,
-- or the time of the next retry. follow_up_of is UNIQUE: at most one follow-up per check-in.
CREATE TABLE checkins (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES members (user_id) ON DELETE CASCADE,
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    follow_up_of  INTEGER UNIQUE REFERENCES checkins (id) ON DELETE CASCADE,
    state         TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'undeliverable', 'cancelled')),
    due_at        TEXT    NOT NULL,
    deliver_at    TEXT    NOT NULL,
    snoozes       INTEGER NOT NULL DEFAULT 0 CHECK (snoozes >= 0),
    attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    claimed_at    TEXT,
    sent_at       TEXT,
    channel_id    INTEGER,
    message_id    INTEGER,
    problem       TEXT,
    notified_at   TEXT,
    created_at    TEXT    NOT NULL,
    CHECK ((state = 'sending') = (claimed_at IS NOT NULL))
);
CREATE INDEX checkins_by_state_deliver_at ON checkins (state, deliver_at);
CREATE INDEX checkins_by_member_state ON checkins (user_id, state);
CREATE INDEX checkins_by_session ON checkins (session_id);

-- One row per check-in: answering again updates it. A row may hold only the warning-signs click.
CREATE TABLE answers (
    checkin_id        INTEGER PRIMARY KEY REFERENCES checkins (id) ON DELETE CASCADE,
    user_id           INTEGER NOT NULL REFERENCES members (user_id) ON DELETE CASCADE,
    soreness          INTEGER CHECK (soreness BETWEEN 0 AND 3),
    answered_at       TEXT,
    warning_signs_at  TEXT,
    CHECK ((soreness IS NULL) = (answered_at IS NULL)),
    CHECK (soreness IS NOT NULL OR warning_signs_at IS NOT NULL)
);
CREATE INDEX answers_by_member ON answers (user_id);
