-- 0004_posted_checks: which "Check with kneadbot" answers a moderator has posted publicly.
-- The "Post this in the channel" button may be clicked twice at once (a double click, two moderators,
-- a retry after a slow send): the primary key lets exactly one click claim the post, so the answer is
-- posted once. A row is removed again if Discord refused the post, so the moderator can retry.
-- Hangs off guild_config like every server table: it goes when the server's data is purged.
CREATE TABLE posted_checks (
    guild_id    INTEGER NOT NULL REFERENCES guild_config (guild_id) ON DELETE CASCADE,
    message_id  INTEGER NOT NULL,
    faq_id      TEXT    NOT NULL CHECK (length(faq_id) BETWEEN 1 AND 64),
    posted_by   INTEGER NOT NULL,
    posted_at   TEXT    NOT NULL,
    PRIMARY KEY (message_id, faq_id)
);
CREATE INDEX posted_checks_by_guild ON posted_checks (guild_id);
