-- 0004_posted_checks (PostgreSQL twin of sqlite/0004_posted_checks.sql; same table, columns and rules).
-- One public post per (checked message, FAQ answer): the primary key lets exactly one click claim it.
CREATE TABLE posted_checks (
    guild_id    bigint NOT NULL REFERENCES guild_config (guild_id) ON DELETE CASCADE,
    message_id  bigint NOT NULL,
    faq_id      text   NOT NULL CHECK (length(faq_id) BETWEEN 1 AND 64),
    posted_by   bigint NOT NULL,
    posted_at   timestamptz NOT NULL,
    PRIMARY KEY (message_id, faq_id)
);
CREATE INDEX posted_checks_by_guild ON posted_checks (guild_id);
