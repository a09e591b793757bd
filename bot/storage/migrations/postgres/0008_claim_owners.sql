-- 0008_claim_owners (PostgreSQL twin of sqlite/0008_claim_owners.sql): every claim records its owner.
-- claimed_by: the owner id of the process that claimed the row (bot/storage/cluster.py). That process
-- holds the session-level advisory lock (class 0x6B6E6F77, owner id) for its whole life, so a claimed
-- row whose owner's lock is free was left by a process that died, and any live process takes it over.
-- NULL: claimed by code older than this migration (treated as a dead owner), or not claimed.
ALTER TABLE checkins ADD COLUMN claimed_by bigint;
ALTER TABLE daily_tip_posts ADD COLUMN claimed_by bigint;
-- The recovery check runs every few seconds while rows are claimed: keep it to the claimed rows.
CREATE INDEX checkins_sending ON checkins (claimed_by) WHERE state = 'sending';
CREATE INDEX daily_tip_posts_claimed ON daily_tip_posts (claimed_by) WHERE state = 'claimed';
