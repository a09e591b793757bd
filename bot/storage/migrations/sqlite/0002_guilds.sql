-- 0002_guilds: what moderators set up for their server: settings, the server's own tips, the daily
-- tip (schedule, one row per posted day, the shuffled cycle) and the audit trail of their actions.
-- Every time is UTC text written by bot.storage.db.as_db_time, so comparing text compares moments.
-- Every table hangs off guild_config with ON DELETE CASCADE: deleting a server's row purges all of
-- its data, and no query needs more than a guild_id to stay inside one server.

-- One row per server the bot knows. left_at: when the bot left; data is purged 30 days later.
CREATE TABLE guild_config (
    guild_id        INTEGER PRIMARY KEY,
    mod_role_id     INTEGER,
    log_channel_id  INTEGER,
    left_at         TEXT,
    created_at      TEXT    NOT NULL
);
CREATE INDEX guild_config_by_left_at ON guild_config (left_at) WHERE left_at IS NOT NULL;

-- A server's own tips. AUTOINCREMENT: a removed tip's id (shown as server-<id>) is never reused,
-- so an old audit line or a stale autocomplete choice can never point at a different tip.
CREATE TABLE guild_tips (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL REFERENCES guild_config (guild_id) ON DELETE CASCADE,
    topic        TEXT    NOT NULL CHECK (length(topic) BETWEEN 2 AND 41),
    text         TEXT    NOT NULL CHECK (length(text) BETWEEN 10 AND 1000),
    source_name  TEXT    NOT NULL CHECK (length(source_name) BETWEEN 1 AND 100),
    source_url   TEXT    NOT NULL CHECK (source_url LIKE 'https://%' AND length(source_url) <= 300),
    author_id    INTEGER NOT NULL,
    created_at   TEXT    NOT NULL,
    edited_at    TEXT
);
CREATE INDEX guild_tips_by_guild ON guild_tips (guild_id, id);

-- At most one daily tip per server. active: next_local_date/next_run_at say which day is posted next
-- and when (UTC). disabled: the bot turned it off (channel gone, permission lost) and says why.
CREATE TABLE daily_tip_schedules (
    guild_id         INTEGER PRIMARY KEY REFERENCES guild_config (guild_id) ON DELETE CASCADE,
    channel_id       INTEGER NOT NULL,
    post_time        TEXT    NOT NULL CHECK (post_time GLOB '[0-2][0-9]:[0-5][0-9]'),
    timezone         TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('active', 'disabled')),
    next_local_date  TEXT,
    next_run_at      TEXT,
    disabled_reason  TEXT,
    disabled_at      TEXT,
    set_by           INTEGER NOT NULL,
    set_at           TEXT    NOT NULL,
    CHECK ((state = 'active') = (next_run_at IS NOT NULL)),
    CHECK ((next_run_at IS NULL) = (next_local_date IS NULL)),
    CHECK ((state = 'disabled') = (disabled_reason IS NOT NULL))
);
CREATE INDEX daily_tip_schedules_by_next_run ON daily_tip_schedules (state, next_run_at);

-- One row per server and local day, written (claimed) before the post is sent: the UNIQUE pair is
-- what makes a second post for the same day impossible, even after a crash mid-post.
-- claimed -> posted (message_id), or failed (problem), or unconfirmed (a restart found it claimed).
-- nonce: stable per (server, day), sent with the message so Discord drops a repeated send.
CREATE TABLE daily_tip_posts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL REFERENCES guild_config (guild_id) ON DELETE CASCADE,
    local_date  TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('claimed', 'posted', 'failed', 'unconfirmed')),
    channel_id  INTEGER NOT NULL,
    tip_id      TEXT    NOT NULL,
    nonce       TEXT    NOT NULL CHECK (length(nonce) <= 25),
    claimed_at  TEXT    NOT NULL,
    posted_at   TEXT,
    message_id  INTEGER,
    problem     TEXT,
    UNIQUE (guild_id, local_date),
    CHECK ((state = 'posted') = (message_id IS NOT NULL))
);
CREATE INDEX daily_tip_posts_by_state ON daily_tip_posts (state, claimed_at);

-- Tips already used in the server's current cycle; the cycle restarts when every tip has been used.
CREATE TABLE daily_tip_cycle (
    guild_id  INTEGER NOT NULL REFERENCES guild_config (guild_id) ON DELETE CASCADE,
    tip_id    TEXT    NOT NULL,
    used_at   TEXT    NOT NULL,
    PRIMARY KEY (guild_id, tip_id)
);

-- Moderator actions, newest last. actor_id NULL: the bot itself (e.g. turning off a daily tip).
-- detail is built from ids, topics and times only, never from free text a member typed.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL REFERENCES guild_config (guild_id) ON DELETE CASCADE,
    actor_id    INTEGER,
    action      TEXT    NOT NULL,
    detail      TEXT    NOT NULL CHECK (length(detail) <= 300),
    created_at  TEXT    NOT NULL
);
CREATE INDEX audit_log_by_guild ON audit_log (guild_id, id);
